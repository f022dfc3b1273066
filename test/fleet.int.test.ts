// Fleet load against a real server, kept short for CI: 1,000 wearers on lightweight mqtt-packet
// connections, enrolled through the bulk admin API, publishing for 2 s, then removed again.
import { describe, expect, it } from 'vitest';
import { runFleet } from '../simulator/src/fleet.js';
import { api, DEMO_PASSWORD, login, startTestServer } from './helpers/server.js';

describe('fleet', () => {
  it('1,000 wearers publish at 1 Hz: every message acknowledged and ingested; the fleet removes itself', async () => {
    // 1,000 connections from one loopback address: above the default MQTT_MAX_CONNECTIONS_PER_ADDRESS
    const ts = await startTestServer({ env: { MQTT_MAX_CONNECTIONS_PER_ADDRESS: '0' } });
    try {
      const before = ts.server.ingest.handled;
      const r = await runFleet({
        base: ts.base,
        mqttHost: '127.0.0.1',
        mqttPort: ts.server.mqttPort,
        admin: { username: 'admin', password: DEMO_PASSWORD },
        wearers: 1000,
        rate: 1,
        durationS: 2,
        drainMs: 10_000,
      });
      expect(r.connected).toBe(1000);
      expect(r.connectFailures).toEqual({});
      // 1,000 x 1 Hz x 2 s, spread over the run; none held back or lost
      expect(r.published).toBe(2000);
      expect(r.throttled).toBe(0);
      expect(r.acknowledged).toBe(r.published);
      expect(r.unacknowledged).toBe(0);
      expect(r.lostConnections).toBe(0);
      expect(r.latencyMs.p50).not.toBeNull();
      expect(r.latencyMs.p99!).toBeGreaterThanOrEqual(r.latencyMs.p50!);
      expect(ts.server.ingest.handled - before).toBe(2000);
      // the fleet's wearers had consent: every message went through validation into detection
      const m = /odart_mqtt_messages_total\{stream="vitals"\} (\d+)/.exec(await (await fetch(`${ts.base}/metrics`)).text());
      expect(Number(m?.[1])).toBe(2000);
      expect(r.removed).toBe(1000);
      const admin = await login(ts.base, 'admin');
      expect((await api<unknown[]>(ts.base, admin, 'GET', '/api/admin/wearers')).body).toHaveLength(1);
      expect((await api<{ id: string }[]>(ts.base, admin, 'GET', '/api/admin/devices')).body.map((d) => d.id).sort()).toEqual([
        'demo-gateway',
        'demo-room',
        'demo-wrist',
      ]);
    } finally {
      await ts.close();
    }
  }, 90_000);
});
