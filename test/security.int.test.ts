// Hostile MQTT input against the real broker over TCP: wrong secrets, impersonation, foreign
// subscriptions, $SYS, malformed JSON, wrong types and a 1 MB payload. All refused or dropped and
// counted; the server stays healthy and a good device still gets through.
import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_DEVICE_SECRET, startTestServer, until, type TestServer } from './helpers/server.js';
import { counter, tryConnect } from './helpers/mqtt.js';

let ts: TestServer;
beforeEach(async () => {
  ts = await startTestServer();
});
afterEach(async () => {
  await ts.close();
});

const metrics = async () => (await fetch(`${ts.base}/metrics`)).text();
const health = async () => (await fetch(`${ts.base}/healthz`)).status;

describe('device authentication [MQTT-3.1.4 CONNACK]', () => {
  it('a wrong secret gets CONNACK 5 (not authorized)', async () => {
    const c = await tryConnect(ts.mqttUrl, 'demo-wrist', 'wrong-secret');
    expect(c.ok).toBe(false);
    expect(c.code).toBe(5);
  });
  it('an unknown device and a missing password are refused', async () => {
    expect((await tryConnect(ts.mqttUrl, 'nobody', DEMO_DEVICE_SECRET)).code).toBe(5);
    const c = mqtt.connect(ts.mqttUrl, { clientId: 'demo-wrist', reconnectPeriod: 0 });
    const code = await new Promise<number | undefined>((r) => c.once('error', (e) => r((e as { code?: number }).code)));
    c.end(true);
    expect(code).toBe(5);
  });
  it('a client id that is not the device id is refused, so no one can take over a session', async () => {
    const c = await tryConnect(ts.mqttUrl, 'demo-wrist', DEMO_DEVICE_SECRET, 'demo-room');
    expect(c.ok).toBe(false);
  });
  it('the right secret connects', async () => {
    const c = await tryConnect(ts.mqttUrl, 'demo-wrist', DEMO_DEVICE_SECRET);
    expect(c.ok).toBe(true);
    await c.client.endAsync();
  });
});

describe('ACL: a device may only use odart/v1/devices/{its id}/', () => {
  it('device A publishing as device B is disconnected and nothing reaches detection', async () => {
    const a = await tryConnect(ts.mqttUrl, 'demo-room', DEMO_DEVICE_SECRET);
    const closed = new Promise<void>((r) => a.client.once('close', () => r()));
    a.client.publish('odart/v1/devices/demo-wrist/button', JSON.stringify({ action: 'help' }), { qos: 1 });
    await closed;
    expect(ts.server.ingest.handled).toBe(0);
    expect(counter(await metrics(), 'odart_mqtt_auth_failures_total', 'kind="publish"')).toBe(1);
    expect(await ts.server.repos.openAlertForWearer('demo-wearer')).toBeUndefined();
    a.client.end(true);
  });
  it('subscribing to another device or a wildcard over all devices is refused (SUBACK 0x80)', async () => {
    const a = await tryConnect(ts.mqttUrl, 'demo-room', DEMO_DEVICE_SECRET);
    for (const topic of ['odart/v1/devices/demo-wrist/command', 'odart/v1/devices/+/vitals', '#', '$SYS/#']) {
      // mqtt.js turns a SUBACK return code of 0x80 into a rejected subscribe
      await expect(a.client.subscribeAsync(topic, { qos: 1 }), topic).rejects.toThrow(/Subscribe error/);
    }
    const granted = await a.client.subscribeAsync('odart/v1/devices/demo-room/command', { qos: 1 });
    expect(granted.map((g) => g.qos)).toEqual([1]);
    expect(a.client.connected).toBe(true);
    await a.client.endAsync();
  });
  it('$SYS/ is refused', async () => {
    const a = await tryConnect(ts.mqttUrl, 'demo-room', DEMO_DEVICE_SECRET);
    const closed = new Promise<void>((r) => a.client.once('close', () => r()));
    a.client.publish('$SYS/x/heartbeat', 'boom', { qos: 1 });
    await closed;
    a.client.end(true);
    expect(await health()).toBe(200);
  });
});

describe('button presses are taken at authorization', () => {
  it('a help press among a burst of vitals is handed to ingest exactly once and raises one alert', async () => {
    const c = await tryConnect(ts.mqttUrl, 'demo-wrist', DEMO_DEVICE_SECRET);
    for (let i = 0; i < 200; i++)
      c.client.publish('odart/v1/devices/demo-wrist/vitals', JSON.stringify({ hr: 70, spo2: 97, rr: 14, onBody: true }), { qos: 1 });
    await c.client.publishAsync('odart/v1/devices/demo-wrist/button', JSON.stringify({ action: 'help' }), { qos: 1 });
    await until(() => ts.server.ingest.handled >= 201);
    await ts.server.alerts.idle();
    // it arrives once (taken at authorization, skipped when aedes emits it), not twice
    expect(ts.server.ingest.handled).toBe(201);
    const m = await metrics();
    expect(counter(m, 'odart_mqtt_messages_total', 'stream="button"')).toBe(1);
    expect(counter(m, 'odart_mqtt_messages_total', 'stream="vitals"')).toBe(200);
    const alert = await ts.server.repos.openAlertForWearer('demo-wearer');
    expect(alert?.state).toBe('escalating');
    const types = (await ts.server.repos.timeline(alert!.id)).map((e) => e.type);
    expect(types.filter((t) => t === 'created')).toHaveLength(1);
    expect(types).not.toContain('score_update');
    await c.client.endAsync();
  });
});

describe('malformed payloads are dropped, counted and never crash', () => {
  it('bad JSON, wrong types, unknown streams and a 1 MB payload; then a good message still works', async () => {
    const c = await tryConnect(ts.mqttUrl, 'demo-wrist', DEMO_DEVICE_SECRET);
    const base = ts.server.ingest.handled;
    const bad: [string, string | Buffer][] = [
      ['odart/v1/devices/demo-wrist/vitals', '{"hr": 70,'],
      ['odart/v1/devices/demo-wrist/vitals', Buffer.from([0xff, 0xfe, 0x00, 0x01])],
      ['odart/v1/devices/demo-wrist/vitals', JSON.stringify({ hr: 'seventy', spo2: 97 })],
      ['odart/v1/devices/demo-wrist/vitals', JSON.stringify({ hr: -5 })],
      ['odart/v1/devices/demo-wrist/vitals', JSON.stringify([1, 2, 3])],
      ['odart/v1/devices/demo-wrist/vitals', 'null'],
      ['odart/v1/devices/demo-wrist/button', JSON.stringify({ action: 'explode' })],
      ['odart/v1/devices/demo-wrist/presence', JSON.stringify({ occupied: 'yes' })],
      [
        'odart/v1/devices/demo-wrist/vitals',
        JSON.stringify({ hr: 70, __proto__: { polluted: true }, constructor: { prototype: { x: 1 } } }),
      ],
      ['odart/v1/devices/demo-wrist/vitals', Buffer.alloc(1024 * 1024, 0x41)],
    ];
    for (const [topic, payload] of bad) await c.client.publishAsync(topic, payload, { qos: 1 });
    await until(() => ts.server.ingest.handled >= base + bad.length);
    const m = await metrics();
    expect(counter(m, 'odart_mqtt_dropped_total', 'reason="not_json"')).toBe(2);
    expect(counter(m, 'odart_mqtt_dropped_total', 'reason="invalid"')).toBe(6);
    expect(counter(m, 'odart_mqtt_dropped_total', 'reason="too_large"')).toBe(1);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await health()).toBe(200);
    // The device is still connected and a valid message is ingested.
    await c.client.publishAsync('odart/v1/devices/demo-wrist/vitals', JSON.stringify({ hr: 70, spo2: 97, rr: 14 }), { qos: 1 });
    await until(async () => counter(await metrics(), 'odart_mqtt_messages_total', 'stream="vitals"') === 2);
    expect(c.client.connected).toBe(true);
    await c.client.endAsync();
  });

  it('garbage bytes instead of MQTT packets close that socket only', async () => {
    const net = await import('node:net');
    const sock = net.connect(ts.server.mqttPort, '127.0.0.1');
    await new Promise<void>((r) => sock.once('connect', () => r()));
    const closed = new Promise<void>((r) => sock.once('close', () => r()));
    sock.on('error', () => undefined);
    sock.write(Buffer.from('GET / HTTP/1.1\r\n\r\n\xff\xff\xff\xff'));
    await closed;
    const good = await tryConnect(ts.mqttUrl, 'demo-wrist', DEMO_DEVICE_SECRET);
    expect(good.ok).toBe(true);
    await good.client.endAsync();
    expect(await health()).toBe(200);
  });
});

describe('MQTT over WebSocket on the HTTP port', () => {
  it('authenticates the same way at MQTT_WS_PATH', async () => {
    const url = `ws://127.0.0.1:${ts.server.httpPort}/mqtt`;
    const good = mqtt.connect(url, { clientId: 'demo-room', username: 'demo-room', password: DEMO_DEVICE_SECRET, reconnectPeriod: 0 });
    await new Promise<void>((resolve, reject) => {
      good.once('connect', () => resolve());
      good.once('error', reject);
    });
    const base = ts.server.ingest.handled;
    await good.publishAsync('odart/v1/devices/demo-room/presence', JSON.stringify({ occupied: true, motion: 3 }), { qos: 1 });
    await until(() => ts.server.ingest.handled > base);
    await good.endAsync();
    const bad = mqtt.connect(url, { clientId: 'demo-room', username: 'demo-room', password: 'nope', reconnectPeriod: 0 });
    const code = await new Promise<number | undefined>((r) => bad.once('error', (e) => r((e as { code?: number }).code)));
    bad.end(true);
    expect(code).toBe(5);
  });
});
