// One stuck subscriber (stops reading while the broker must deliver to it) and one half-open device
// (keepalive, then silence) must not hold up anyone else: a normal device's messages are all
// acknowledged and ingested while both are still connected, and a help press still becomes an alert.
import { afterEach, describe, expect, it } from 'vitest';
import { halfOpen, slowConsumer } from '../../simulator/src/faults.js';
import { WireConnection } from '../../simulator/src/wire.js';
import { api, DEMO_DEVICE_SECRET, login, settle, startTestServer, until, type TestServer } from '../helpers/server.js';

let ts: TestServer | null = null;
afterEach(async () => {
  await ts?.close();
});

const connectedIds = (t: TestServer) =>
  Object.keys((t.server.embeddedBroker!.aedes as unknown as { clients: Record<string, unknown> }).clients);

describe('stuck clients do not slow others', () => {
  it('a normal device is served in full while a slow consumer and a half-open device are still connected', async () => {
    ts = await startTestServer({ env: { DRAIN_TIMEOUT_MS: '2000' } });
    const target = { host: '127.0.0.1', port: ts.server.mqttPort };
    const admin = await login(ts.base, 'admin');
    const w = await api<{ id: string }>(ts.base, admin, 'POST', '/api/admin/wearers', { alias: 'Half', consent: 'active' });
    const half = await api<{ id: string; secret: string }>(ts.base, admin, 'POST', '/api/admin/devices', {
      id: 'half-open-1',
      kind: 'wearable',
      wearerId: w.body.id,
    });

    // Start both faults; they run in the background while the normal device works.
    const slow = slowConsumer(
      target,
      { id: 'demo-room', secret: DEMO_DEVICE_SECRET },
      { payloadBytes: 256 * 1024, waitMs: 30_000, maxBytes: 64 * 1024 * 1024 },
    );
    const silent = halfOpen(target, { id: half.body.id, secret: half.body.secret }, 2, 40_000);
    await until(() => connectedIds(ts!).includes('demo-room') && connectedIds(ts!).includes('half-open-1'), 1_000_000);

    const { conn, returnCode } = await WireConnection.connect({
      host: '127.0.0.1',
      port: ts.server.mqttPort,
      clientId: 'demo-wrist',
      username: 'demo-wrist',
      password: DEMO_DEVICE_SECRET,
    });
    expect(returnCode).toBe(0);
    let acked = 0;
    conn.handlers = {
      onPuback: () => {
        acked++;
      },
    };
    const before = ts.server.ingest.handled;
    for (let i = 0; i < 200; i++)
      conn.publish('odart/v1/devices/demo-wrist/vitals', JSON.stringify({ hr: 70, spo2: 97, rr: 14, seq: i }), 1);
    await until(() => acked === 200, 1_000_000);
    // Served in full while both troublemakers were still there.
    expect(
      connectedIds(ts)
        .filter((id) => id === 'demo-room' || id === 'half-open-1')
        .sort(),
    ).toEqual(['demo-room', 'half-open-1']);
    await until(() => ts!.server.ingest.handled >= before + 200, 1_000_000);

    // The wearer presses help: the alert is raised while the stuck clients are still around.
    conn.publish('odart/v1/devices/demo-wrist/button', JSON.stringify({ action: 'help' }), 1);
    await until(() => acked === 201, 1_000_000);
    await until(async () => (await ts!.server.repos.openAlertForWearer('demo-wearer')) !== undefined, 1_000_000);
    await settle(ts);
    expect((await ts.server.repos.openAlertForWearer('demo-wearer'))?.state).toBe('escalating');

    // Then the half-open one is closed after 1.5 x keepalive [MQTT-3.1.2-24]; the one that stopped
    // reading was never sent its flood back (devices may subscribe to their command topic only).
    const h = await silent;
    expect(h, JSON.stringify(h)).toMatchObject({ closedByServer: true });
    const s = await slow;
    expect(s.connack).toBe(0);
    await conn.disconnect();
    expect((await fetch(`${ts.base}/healthz`)).status).toBe(200);
  });
});
