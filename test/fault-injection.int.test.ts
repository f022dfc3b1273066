// Fault injection (simulator/src/faults.ts) against a real server: broken and hostile devices are
// cut off or their messages dropped and counted, and the server stays healthy for everyone else.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { badPayload, halfOpen, malformedPacket, slowConsumer, wrongCredentials, type FaultTarget } from '../simulator/src/faults.js';
import { WireConnection } from '../simulator/src/wire.js';
import {
  connectDemoDevices,
  DEMO_DEVICE_SECRET,
  disconnectAll,
  startTestServer,
  until as untilTurns,
  type TestServer,
} from './helpers/server.js';

// Waits on network I/O (no timers): generous in event-loop turns, because CI machines are busy.
const until = (cond: () => boolean | Promise<boolean>) => untilTurns(cond, 1_000_000);

let ts: TestServer;
let target: FaultTarget;
const wrist = { id: 'demo-wrist', secret: DEMO_DEVICE_SECRET };

beforeEach(async () => {
  ts = await startTestServer({ env: { DRAIN_TIMEOUT_MS: '1000', MAX_PAYLOAD_BYTES: '8192' } });
  target = { host: '127.0.0.1', port: ts.server.mqttPort };
});
afterEach(async () => {
  await ts.close();
});

const metrics = async () => (await fetch(`${ts.base}/metrics`)).text();
const metric = async (name: string, labels: string): Promise<number> => {
  const m = new RegExp(`^${name}\\{${labels}\\} (\\d+)`, 'm').exec(await metrics());
  return m ? Number(m[1]) : 0;
};

/** The server is still fine: /healthz 200 and a normal device's vitals are ingested as valid. */
async function stillHealthy(): Promise<void> {
  expect((await fetch(`${ts.base}/healthz`)).status).toBe(200);
  const before = await metric('odart_mqtt_messages_total', 'stream="vitals"');
  const devices = await connectDemoDevices(ts);
  await devices.get('demo-wrist')!.publish('vitals', { hr: 72, spo2: 97, rr: 14, activity: 10, onBody: true });
  await until(async () => (await metric('odart_mqtt_messages_total', 'stream="vitals"')) === before + 1);
  await disconnectAll(devices);
}

describe('fault injection leaves the server healthy', () => {
  it('[MQTT-4.8.0-1] malformed packets close only the offending connection, and are counted', async () => {
    for (const variant of ['garbage', 'reserved-type', 'bad-remaining-length', 'second-connect'] as const) {
      const o = await malformedPacket(target, wrist, variant);
      expect(o.closedByServer, variant).toBe(true);
      if (variant !== 'garbage') expect(o.connack, variant).toBe(0);
    }
    const cut = await malformedPacket(target, wrist, 'truncated-then-close');
    expect(cut.connack).toBe(0);
    await until(async () => (await metric('odart_mqtt_connection_errors_total', 'kind="client"')) >= 3);
    expect(await metric('odart_mqtt_connection_errors_total', 'kind="connection"')).toBeGreaterThanOrEqual(1);
    await stillHealthy();
  });

  it('bad payloads (not JSON, failing the schema, over MAX_PAYLOAD_BYTES) are dropped and counted; the connection stays up', async () => {
    for (const [variant, reason] of [
      ['not-json', 'not_json'],
      ['invalid', 'invalid'],
      ['oversized', 'too_large'],
    ] as const) {
      const o = await badPayload(target, wrist, variant, { bytes: 64 * 1024 });
      expect(o.acknowledged, variant).toBe(true);
      expect(o.closedByServer, variant).toBe(false);
      await until(async () => (await metric('odart_mqtt_dropped_total', `reason="${reason}"`)) === 1);
    }
    expect(await metric('odart_mqtt_messages_total', 'stream="vitals"')).toBe(0);
    await stillHealthy();
  });

  it('[MQTT-3.2.2-5] wrong credentials get CONNACK 5 (not authorized) and are counted', async () => {
    expect((await wrongCredentials(target, 'demo-wrist', 'not-the-secret')).connack).toBe(5);
    expect((await wrongCredentials(target, 'no-such-device', 'whatever-secret')).connack).toBe(5);
    expect(await metric('odart_mqtt_auth_failures_total', 'kind="connect"')).toBe(2);
    await stillHealthy();
  });

  it('[MQTT-3.1.2-24] a half-open connection that stops sending PINGREQ is closed after 1.5 x keepalive', async () => {
    const o = await halfOpen(target, wrist, 1);
    expect(o.connack).toBe(0);
    expect(o.closedByServer).toBe(true);
    expect(o.closedAfterMs!).toBeGreaterThanOrEqual(1400);
    expect(await metric('odart_mqtt_connection_errors_total', 'kind="keepalive_timeout"')).toBe(1);
    await stillHealthy();
  });

  it('a client that stops reading cannot make the broker buffer for it: its data subscriptions are refused and its flood is dropped', async () => {
    // [least privilege] only the command topic may be subscribed to, so nothing it floods is echoed back.
    const probe = await WireConnection.connect({
      host: target.host,
      port: target.port,
      clientId: 'demo-wrist',
      username: 'demo-wrist',
      password: DEMO_DEVICE_SECRET,
    });
    expect(await probe.conn.subscribe('odart/v1/devices/demo-wrist/#', 0)).toEqual([128]);
    expect(await probe.conn.subscribe('odart/v1/devices/demo-wrist/command', 1)).toEqual([1]);
    await probe.conn.disconnect();
    const o = await slowConsumer(target, wrist, { payloadBytes: 256 * 1024, waitMs: 20_000, maxBytes: 32 * 1024 * 1024 });
    expect(o.connack).toBe(0);
    // every one of its oversized messages was dropped at ingest, none reached detection
    await until(async () => (await metric('odart_mqtt_dropped_total', 'reason="too_large"')) >= 100);
    await stillHealthy();
  });
});
