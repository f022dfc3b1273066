// A hostile corpus against the real server: 10,000 malformed MQTT payloads from an authenticated
// device, 2,000 malformed MQTT packets on fresh connections, and 3,000 fuzzed HTTP requests.
// Zero crashes, every bad HTTP input answered with a 4xx (never 5xx), and a normal device and the
// API still work afterwards.
import net from 'node:net';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../simulator/src/rng.js';
import { WireConnection } from '../../simulator/src/wire.js';
import { api, DEMO_DEVICE_SECRET, login, settle, startTestServer, until, type TestServer } from '../helpers/server.js';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => {
  await ts.close();
});

const rng = new Rng(20261121);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)]!;
const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(rng.next() * 256)));

/** Malformed or hostile payloads of many shapes; some are valid JSON of the wrong shape. */
function hostilePayload(i: number): Buffer | string {
  switch (i % 12) {
    case 0:
      return bytes(1 + Math.floor(rng.next() * 64));
    case 1:
      return '{"hr":' + '9'.repeat(400);
    case 2:
      return '['.repeat(5000) + ']'.repeat(5000);
    case 3:
      return JSON.stringify({ hr: pick(['x', -1, 1e308, null, true, [], {}]), spo2: pick([101, -3, 'NaN', {}]), rr: pick([81, -1, '0']) });
    case 4:
      return JSON.stringify({ __proto__: { admin: true }, constructor: { prototype: { polluted: 1 } }, hr: 70 });
    case 5:
      return '"' + 'A'.repeat(2000) + '"';
    case 6:
      return Buffer.alloc(9000 + Math.floor(rng.next() * 30000), 0x7b);
    case 7:
      return JSON.stringify({ occupied: pick(['yes', 1, null]), motion: pick([200, -5, 'still']) });
    case 8:
      return '\u0000\u0001\ufffe\ud800';
    case 9:
      return JSON.stringify({ action: pick(['explode', 'HELP', '', 1]) });
    case 10:
      return JSON.stringify({ state: pick(['maybe', 1, null]), battery: pick([-1, 101, 'full']) });
    default:
      return '';
  }
}

describe('hostile corpus', () => {
  it('10,000 malformed MQTT payloads: all dropped and counted, no crash, the device stays connected', async () => {
    const { conn, returnCode } = await WireConnection.connect({
      host: '127.0.0.1',
      port: ts.server.mqttPort,
      clientId: 'demo-wrist',
      username: 'demo-wrist',
      password: DEMO_DEVICE_SECRET,
    });
    expect(returnCode).toBe(0);
    const before = ts.server.ingest.handled;
    const streams = ['vitals', 'presence', 'door', 'button', 'status'] as const;
    let acked = 0;
    conn.handlers = {
      onPuback: () => {
        acked++;
      },
    };
    for (let i = 0; i < 10_000; i++) {
      conn.publish(`odart/v1/devices/demo-wrist/${pick(streams)}`, hostilePayload(i), 1);
      if (conn.inflight.size > 200) await until(() => conn.inflight.size < 100, 1_000_000);
    }
    await until(() => acked === 10_000, 5_000_000);
    await until(() => ts.server.ingest.handled >= before + 10_000, 1_000_000);
    expect(conn.closed).toBe(false);
    const metrics = await (await fetch(`${ts.base}/metrics`)).text();
    const dropped = [...metrics.matchAll(/odart_mqtt_dropped_total\{reason="[a-z_]+"\} (\d+)/g)].reduce((a, m) => a + Number(m[1]), 0);
    expect(dropped).toBeGreaterThanOrEqual(9_000);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // No emergency came out of garbage.
    await settle(ts);
    expect(await ts.server.repos.openAlertForWearer('demo-wearer')).toBeUndefined();
    await conn.disconnect();
  });

  it('2,000 malformed MQTT packets on fresh connections: each connection is closed, the server stays up', async () => {
    const variants: (() => Buffer)[] = [
      () => bytes(1 + Math.floor(rng.next() * 200)),
      () => Buffer.from([0x00, 0x00]), // reserved packet type
      () => Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x7f]), // remaining length over 4 bytes
      () =>
        Buffer.concat([
          mqttPacket
            .generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'x', clean: true, keepalive: 10 })
            .subarray(0, 8),
        ]),
      () =>
        mqttPacket.generate({
          cmd: 'publish',
          topic: 'odart/v1/devices/demo-wrist/vitals',
          payload: 'x',
          qos: 0,
          retain: false,
          dup: false,
        }), // publish before CONNECT
      () => {
        const b = Buffer.from(
          mqttPacket.generate({
            cmd: 'connect',
            protocolId: 'MQTT',
            protocolVersion: 4,
            clientId: 'demo-wrist',
            username: 'demo-wrist',
            password: Buffer.from(DEMO_DEVICE_SECRET),
            clean: true,
            keepalive: 10,
          }),
        );
        const at = Math.floor(rng.next() * b.length);
        b[at] = (b[at] ?? 0) ^ (1 << Math.floor(rng.next() * 8)); // one bit flipped
        return b;
      },
    ];
    let closed = 0;
    const batch = async (n: number) => {
      await Promise.all(
        Array.from(
          { length: n },
          () =>
            new Promise<void>((resolve) => {
              const s = net.connect(ts.server.mqttPort, '127.0.0.1');
              s.on('error', () => undefined);
              s.once('close', () => {
                closed++;
                resolve();
              });
              // Bounded: a packet that happens to stay valid leaves a live session, which this client ends.
              s.setTimeout(1000, () => s.destroy());
              s.once('connect', () => {
                s.write(pick(variants)());
                s.end();
              });
            }),
        ),
      );
    };
    for (let i = 0; i < 20; i++) await batch(100);
    expect(closed).toBe(2000);
    expect((await fetch(`${ts.base}/healthz`)).status).toBe(200);
    // Hundreds of failed logins (the bit-flipped CONNECTs) from this one address: it is throttled
    // (docs/operations.md, "MQTT limits") until time has passed; then a good device gets in from it.
    expect(
      Number(/odart_mqtt_auth_failures_total\{kind="throttled"\} (\d+)/.exec(await (await fetch(`${ts.base}/metrics`)).text())?.[1]),
    ).toBeGreaterThan(0);
    ts.clock.advance(60_000);
    const good = await WireConnection.connect({
      host: '127.0.0.1',
      port: ts.server.mqttPort,
      clientId: 'demo-room',
      username: 'demo-room',
      password: DEMO_DEVICE_SECRET,
    });
    expect(good.returnCode).toBe(0);
    await good.conn.disconnect();
  });

  it('3,000 fuzzed HTTP requests: only 4xx for bad input, never a 5xx, the API still works', async () => {
    const alex = await login(ts.base, 'alex');
    const admin = await login(ts.base, 'admin');
    const routes: [string, string][] = [
      ['POST', '/api/auth/login'],
      ['POST', '/api/alerts/al_x/ack'],
      ['POST', '/api/alerts/al_x/resolve'],
      ['POST', '/api/admin/wearers'],
      ['PATCH', '/api/admin/wearers/demo-wearer'],
      ['POST', '/api/admin/devices'],
      ['POST', '/api/admin/chains'],
      ['PUT', '/api/admin/wearers/demo-wearer/thresholds'],
      ['POST', '/api/admin/wearers/bulk'],
      ['POST', '/webhooks/twilio/sms'],
      ['POST', '/webhooks/twilio/status'],
      ['GET', '/api/alerts/%00%ff'],
    ];
    const bodies: (() => string)[] = [
      () => bytes(20).toString('latin1'),
      () => '{"a":' + '['.repeat(3000),
      () => JSON.stringify({ alias: 'x'.repeat(500), consent: 'maybe', responderIds: 'all' }),
      () => JSON.stringify({ definition: { steps: [{ targets: [{ type: 'responder', id: 1 }], channels: ['pigeon'], waitS: -1 }] } }),
      () => JSON.stringify({ wearers: Array.from({ length: 3 }, () => ({ alias: 1 })) }),
      () => '{"__proto__":{"isAdmin":true}}',
      () => JSON.stringify({ lowRr: 'a', apneaSeconds: -10, checkinWindowMs: 1e12 }),
      () => 'MessageSid=SM1&From=%2B447700900101&Body=1',
      () => '',
      () => JSON.stringify({ outcome: 'party', note: 5 }),
    ];
    const types = [
      'application/json',
      'application/x-www-form-urlencoded',
      'text/plain',
      'application/xml',
      'multipart/form-data; boundary=x',
    ];
    const statuses = new Map<number, number>();
    for (let i = 0; i < 3000; i++) {
      const [method, path] = pick(routes);
      const cookie = pick([alex, admin, '', 'odart_sid=forged']);
      const res = await fetch(ts.base + path, {
        method,
        headers: { 'content-type': pick(types), 'x-odart-csrf': '1', ...(cookie ? { cookie } : {}) },
        ...(method === 'GET' ? {} : { body: pick(bodies)() }),
      });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      await res.arrayBuffer();
    }
    const fiveHundreds = [...statuses].filter(([s]) => s >= 500);
    expect(fiveHundreds, JSON.stringify([...statuses])).toEqual([]);
    // A few random requests are legitimately valid (an empty thresholds update keeps the defaults).
    const ok = [...statuses].filter(([s]) => s < 400).reduce((a, [, n]) => a + n, 0);
    expect(ok, JSON.stringify([...statuses])).toBeLessThanOrEqual(30);
    // The API is intact.
    expect((await api<unknown[]>(ts.base, alex, 'GET', '/api/alerts')).status).toBe(200);
    expect((await fetch(`${ts.base}/healthz`)).status).toBe(200);
  });
});
