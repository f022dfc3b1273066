// External broker mode (MQTT_URL) against a real Mosquitto 2 with dynamic security: the server is a
// client with a persistent session, devices connect to Mosquitto with the credentials and ACL the
// provisioning port put there. The embedded mode's security tests, where they apply, run here too.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HAVE_MOSQUITTO, startMosquitto, type TestMosquitto } from './helpers/mosquitto.js';
import {
  DEMO_DEVICE_SECRET,
  api,
  connectDemoDevices,
  disconnectAll,
  driveDemoOverdose,
  login,
  settle,
  startTestServer,
  until,
  type TestServer,
} from './helpers/server.js';
import { counter, tryConnect } from './helpers/mqtt.js';
import { makeLocalhostCert } from './helpers/certs.js';

let mosq: TestMosquitto;
let ts: TestServer;
let run = 0;
/** each test its own server session on the shared broker (MQTT_CLIENT_ID), so no test gets another's queue */
const serverEnv = (clientId: string) => ({ ...mosq.env, MQTT_CLIENT_ID: clientId });

const metrics = async () => (await fetch(`${ts.base}/metrics`)).text();
const help = JSON.stringify({ action: 'help' });

describe.skipIf(!HAVE_MOSQUITTO)('external broker (MQTT_URL, Mosquitto 2 with dynamic security)', () => {
  beforeAll(async () => {
    mosq = await startMosquitto();
  });
  afterAll(async () => {
    await mosq?.close();
  });
  beforeEach(async () => {
    ts = await startTestServer({ env: serverEnv(`odart-core-${++run}`) });
  });
  afterEach(async () => {
    await ts.close();
  });

  it('runs no MQTT listener of its own; devices connect to the external broker', () => {
    expect(ts.server.broker.mode).toBe('external');
    expect(ts.server.embeddedBroker).toBeNull();
    expect(ts.server.mqttPort).toBe(mosq.port);
  });

  it('a device created through the admin API can publish at once, and its help press raises an alert', async () => {
    const cookie = await login(ts.base, 'admin');
    const created = await api<{ id: string; secret: string }>(ts.base, cookie, 'POST', '/api/admin/devices', {
      id: 'ext-button',
      kind: 'button',
      wearerId: 'demo-wearer',
    });
    expect(created.status).toBe(201);
    const c = await tryConnect(mosq.url, 'ext-button', created.body.secret);
    expect(c.ok).toBe(true);
    await c.client.publishAsync('odart/v1/devices/ext-button/button', help, { qos: 1 });
    await until(() => ts.server.ingest.handled >= 1);
    await settle(ts);
    expect((await ts.server.repos.openAlertForWearer('demo-wearer'))?.state).toBe('escalating');
    await c.client.endAsync();
  });

  it('vitals of an overdose through Mosquitto raise an alert, and the check-in command reaches the wearable', async () => {
    const devices = await connectDemoDevices(ts);
    const cookie = await login(ts.base, 'alex');
    const alertId = await driveDemoOverdose(ts, devices, cookie, 1);
    expect(alertId).toBeTruthy();
    expect(devices.get('demo-wrist')!.commands.some((c) => c.type === 'checkin')).toBe(true);
    await disconnectAll(devices);
    // The simulated devices leave a retained status; cleared, so the next test's new session is not handed it.
    for (const id of ['demo-wrist', 'demo-room']) {
      const c = await tryConnect(mosq.url, id, DEMO_DEVICE_SECRET);
      await c.client.publishAsync(`odart/v1/devices/${id}/status`, '', { qos: 1, retain: true });
      await c.client.endAsync();
    }
  });

  it('a wrong secret and a client id that is not the device id are refused (CONNACK 5)', async () => {
    expect((await tryConnect(mosq.url, 'demo-wrist', 'wrong-secret')).code).toBe(5);
    expect((await tryConnect(mosq.url, 'nobody', DEMO_DEVICE_SECRET)).code).toBe(5);
    expect((await tryConnect(mosq.url, 'demo-wrist', DEMO_DEVICE_SECRET, 'demo-room')).ok).toBe(false);
    const good = await tryConnect(mosq.url, 'demo-wrist', DEMO_DEVICE_SECRET);
    expect(good.ok).toBe(true);
    await good.client.endAsync();
  });

  it("a device cannot publish another device's topic: nothing of it reaches ingest", async () => {
    const a = await tryConnect(mosq.url, 'demo-room', DEMO_DEVICE_SECRET);
    await a.client.publishAsync('odart/v1/devices/demo-wrist/button', help, { qos: 1 });
    await a.client.publishAsync('odart/v1/devices/demo-wrist/command', JSON.stringify({ type: 'cancel' }), { qos: 1 });
    await a.client.publishAsync('$SYS/x/heartbeat', 'boom', { qos: 1 });
    // Mosquitto keeps one connection's messages in order: once this one is in, the refused ones would have been too.
    await a.client.publishAsync('odart/v1/devices/demo-room/presence', JSON.stringify({ occupied: true, motion: 1 }), { qos: 1 });
    await until(() => ts.server.ingest.handled >= 1);
    await settle(ts);
    expect(ts.server.ingest.handled).toBe(1);
    expect(await ts.server.repos.openAlertForWearer('demo-wearer')).toBeUndefined();
    await a.client.endAsync();
  });

  it("a device cannot read another device's commands nor subscribe to wildcards or $SYS", async () => {
    const a = await tryConnect(mosq.url, 'demo-room', DEMO_DEVICE_SECRET);
    for (const topic of [
      'odart/v1/devices/demo-wrist/command',
      'odart/v1/devices/+/vitals',
      'odart/v1/devices/demo-room/+',
      '#',
      '$SYS/#',
    ]) {
      await expect(a.client.subscribeAsync(topic, { qos: 1 }), topic).rejects.toThrow(/Subscribe error/);
    }
    const granted = await a.client.subscribeAsync('odart/v1/devices/demo-room/command', { qos: 1 });
    expect(granted.map((g) => g.qos)).toEqual([1]);
    await a.client.endAsync();
  });

  it('a deleted device is disconnected and refused; a rotated secret replaces the old one', async () => {
    const cookie = await login(ts.base, 'admin');
    const room = await tryConnect(mosq.url, 'demo-room', DEMO_DEVICE_SECRET);
    const kicked = new Promise<void>((r) => room.client.once('close', () => r()));
    const rotated = await api<{ secret: string }>(ts.base, cookie, 'POST', '/api/admin/devices/demo-room/rotate');
    expect(rotated.status).toBe(200);
    await kicked;
    room.client.end(true);
    expect((await tryConnect(mosq.url, 'demo-room', DEMO_DEVICE_SECRET)).code).toBe(5);
    const fresh = await tryConnect(mosq.url, 'demo-room', rotated.body.secret);
    expect(fresh.ok).toBe(true);
    const gone = new Promise<void>((r) => fresh.client.once('close', () => r()));
    expect((await api(ts.base, cookie, 'DELETE', '/api/admin/devices/demo-room')).status).toBe(204);
    await gone;
    fresh.client.end(true);
    expect((await tryConnect(mosq.url, 'demo-room', rotated.body.secret)).code).toBe(5);
  });

  it('an oversized payload is counted as too large, and the device keeps working', async () => {
    const c = await tryConnect(mosq.url, 'demo-wrist', DEMO_DEVICE_SECRET);
    await c.client.publishAsync('odart/v1/devices/demo-wrist/vitals', Buffer.alloc(64 * 1024, 0x41), { qos: 1 });
    await c.client.publishAsync('odart/v1/devices/demo-wrist/vitals', JSON.stringify({ hr: 70, spo2: 97, rr: 14 }), { qos: 1 });
    await until(() => ts.server.ingest.handled >= 2);
    const m = await metrics();
    expect(counter(m, 'odart_mqtt_dropped_total', 'reason="too_large"')).toBe(1);
    expect(counter(m, 'odart_mqtt_messages_total', 'stream="vitals"')).toBe(1);
    await c.client.endAsync();
  });

  it('a gateway is told its devices (retained config) and may publish for them, not for others', async () => {
    const gw = await tryConnect(mosq.url, 'demo-gateway', DEMO_DEVICE_SECRET);
    const config = new Promise<{ devices: string[] }>((r) =>
      gw.client.once('message', (_t, p) => r(JSON.parse(p.toString()) as { devices: string[] })),
    );
    await gw.client.subscribeAsync('odart/v1/devices/demo-gateway/config', { qos: 1 });
    const relayed = (await config).devices;
    expect(relayed.length).toBeGreaterThan(0);
    // first a device it does not relay for: refused by its role, so it never reaches ingest (the relayed ones after it do)
    await gw.client.publishAsync('odart/v1/devices/not-registered/vitals', JSON.stringify({ hr: 70, spo2: 97, rr: 14 }), { qos: 1 });
    for (const id of relayed)
      await gw.client.publishAsync(`odart/v1/devices/${id}/vitals`, JSON.stringify({ hr: 70, spo2: 97, rr: 14 }), { qos: 1 });
    await until(() => ts.server.ingest.handled >= relayed.length);
    expect(ts.server.ingest.handled).toBe(relayed.length);
    await gw.client.endAsync();
  });

  it('the MQTT over WebSocket path is not served in external mode', async () => {
    const ws = mqtt.connect(`ws://127.0.0.1:${ts.server.httpPort}/mqtt`, {
      clientId: 'demo-room',
      username: 'demo-room',
      password: DEMO_DEVICE_SECRET,
      reconnectPeriod: 0,
    });
    const outcome = await new Promise<string>((r) => {
      ws.once('connect', () => r('connected'));
      ws.once('close', () => r('closed'));
    });
    ws.end(true);
    expect(outcome).toBe('closed');
  });

  it('messages published while the server is stopped are delivered when it returns (persistent session)', async () => {
    const clientId = `odart-core-${run}`;
    await ts.close({ keepData: true });
    const dev = await tryConnect(mosq.url, 'demo-wrist', DEMO_DEVICE_SECRET);
    expect(dev.ok).toBe(true);
    await dev.client.publishAsync('odart/v1/devices/demo-wrist/button', help, { qos: 1 });
    await dev.client.endAsync();
    ts = await startTestServer({ env: serverEnv(clientId), dataDir: ts.dataDir });
    await until(() => ts.server.ingest.handled >= 1);
    await settle(ts);
    expect((await ts.server.repos.openAlertForWearer('demo-wearer'))?.state).toBe('escalating');
  });
});

describe.skipIf(!HAVE_MOSQUITTO)('external broker over TLS (mqtts://, a private CA in MQTT_CA_FILE)', () => {
  let dir: string;
  let certFile: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'odart-mqtts-'));
    const made = makeLocalhostCert(dir);
    certFile = made.certFile;
    mosq = await startMosquitto({ tls: { certFile, keyFile: made.keyFile } });
  });
  afterAll(async () => {
    await mosq?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('without the CA the server does not start; with it, a device over TLS raises an alert', async () => {
    const failedDir = mkdtempSync(path.join(os.tmpdir(), 'odart-test-'));
    await expect(startTestServer({ env: serverEnv('odart-core-tls-0'), dataDir: failedDir })).rejects.toThrow(/MQTT_URL: cannot connect/);
    rmSync(failedDir, { recursive: true, force: true });
    ts = await startTestServer({ env: { ...serverEnv('odart-core-tls'), MQTT_CA_FILE: certFile } });
    try {
      const c = mqtt.connect(mosq.url, {
        clientId: 'demo-wrist',
        username: 'demo-wrist',
        password: DEMO_DEVICE_SECRET,
        reconnectPeriod: 0,
        ca: readFileSync(certFile),
      });
      await new Promise<void>((resolve, reject) => {
        c.once('connect', () => resolve());
        c.once('error', reject);
      });
      await c.publishAsync('odart/v1/devices/demo-wrist/button', help, { qos: 1 });
      await until(() => ts.server.ingest.handled >= 1);
      await settle(ts);
      expect((await ts.server.repos.openAlertForWearer('demo-wearer'))?.state).toBe('escalating');
      await c.endAsync();
    } finally {
      await ts.close();
    }
  });
});
