// MQTT over TLS and HTTPS with the same PEM files (MQTT_TLS_PORT, TLS_CERT_FILE, TLS_KEY_FILE), with
// a certificate this test makes and real TLS clients that trust it through `ca` only: mqtt.js, the
// simulator's devices and fleet, the bridge's uplink, https and wss.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import mqtt from 'mqtt';
import pino from 'pino';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bridge } from '../firmware-bridge/src/bridge.js';
import { loadBridgeConfig } from '../firmware-bridge/src/config.js';
import { ConfigError, loadConfig } from '../server/src/config.js';
import { connectDevice, disconnectDevice } from '../simulator/src/devices.js';
import { mqttCa } from '../simulator/src/env.js';
import { frameSender, spyDeviceMessages } from './helpers/bridge.js';
import { CSRF, DEMO_DEVICE_SECRET, DEMO_PASSWORD, settle, startTestServer, until, type TestServer } from './helpers/server.js';
import { makeLocalhostCert } from './helpers/certs.js';

let dir: string;
let certFile: string;
let keyFile: string;
let ca: Buffer;
let ts: TestServer;
let mqttsUrl: string;
const LONG = 500_000;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'odart-tls-'));
  ({ certFile, keyFile, cert: ca } = makeLocalhostCert(dir));
  ts = await startTestServer({
    env: { MQTT_TLS_PORT: '0', TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyFile, PUBLIC_URL: 'https://127.0.0.1:3999' },
  });
  expect(ts.server.mqttTlsPort).toBeGreaterThan(0);
  mqttsUrl = `mqtts://127.0.0.1:${ts.server.mqttTlsPort}`;
});
afterAll(async () => {
  await ts?.close();
  rmSync(dir, { recursive: true, force: true });
});

const httpsBase = () => `https://127.0.0.1:${ts.server.httpPort}`;
function httpsRequest(
  method: string,
  p: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; cookie: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(httpsBase() + p, { method, ca, headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: text, cookie: String(res.headers['set-cookie']?.[0] ?? '').split(';')[0]! }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('config: TLS settings come as a set', () => {
  it('the three together or none; unreadable or non-PEM files stop start-up naming the variable', () => {
    expect(() => loadConfig({ TLS_CERT_FILE: certFile })).toThrow(/MQTT_TLS_PORT, TLS_CERT_FILE, TLS_KEY_FILE/);
    expect(() => loadConfig({ MQTT_TLS_PORT: '8883', TLS_CERT_FILE: certFile })).toThrow(ConfigError);
    expect(() => loadConfig({ MQTT_TLS_PORT: '8883', TLS_CERT_FILE: path.join(dir, 'missing.pem'), TLS_KEY_FILE: keyFile })).toThrow(
      /TLS_CERT_FILE/,
    );
    const junk = path.join(dir, 'junk.pem');
    writeFileSync(junk, 'not a certificate\n');
    expect(() => loadConfig({ MQTT_TLS_PORT: '8883', TLS_CERT_FILE: junk, TLS_KEY_FILE: keyFile })).toThrow(/TLS_CERT_FILE, TLS_KEY_FILE/);
    const c = loadConfig({ MQTT_TLS_PORT: '8883', TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyFile, HTTP_PORT: '8443' });
    expect(c.tls?.port).toBe(8883);
    expect(c.PUBLIC_URL).toBe('https://localhost:8443');
    expect(loadConfig({}).tls).toBeNull();
  });
});

describe('MQTT over TLS', () => {
  it('a device connects over mqtts trusting the certificate by ca; a client that does not trust it is refused the handshake', async () => {
    const seen = spyDeviceMessages(ts);
    const c = await mqtt.connectAsync(mqttsUrl, {
      ca,
      clientId: 'demo-room',
      username: 'demo-room',
      password: DEMO_DEVICE_SECRET,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    await c.publishAsync('odart/v1/devices/demo-room/presence', JSON.stringify({ occupied: true, motion: 20 }), { qos: 1 });
    await until(() => seen.some((m) => m.topic === 'odart/v1/devices/demo-room/presence'), LONG);
    await c.endAsync();
    const err = await new Promise<Error>((resolve) => {
      const s = tls.connect({ host: '127.0.0.1', port: ts.server.mqttTlsPort! }, () => resolve(new Error('handshake succeeded')));
      s.once('error', resolve);
    });
    expect(err.message).toMatch(/self[- ]signed/i);
  });

  it('the simulator: a virtual device on mqtts:// with MQTT_CA_FILE publishes to the server', async () => {
    const seen = spyDeviceMessages(ts);
    const dev = await connectDevice(
      { id: 'demo-wrist', secret: DEMO_DEVICE_SECRET },
      { url: mqttsUrl, ca: mqttCa({ MQTT_CA_FILE: certFile }) },
    );
    await dev.publish('vitals', { hr: 72, spo2: 97, rr: 14, activity: 5, onBody: true });
    await until(() => seen.some((m) => m.topic === 'odart/v1/devices/demo-wrist/vitals'), LONG);
    await disconnectDevice(dev);
  });

  it('npm run simulate -- fleet over mqtts:// (MQTT_CA_FILE) with the admin API over HTTPS (NODE_EXTRA_CA_CERTS)', async () => {
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        path.resolve('node_modules/.bin/tsx'),
        ['simulator/src/cli.ts', 'fleet', '--wearers', '3', '--rate', '2', '--duration', '1', '--json'],
        {
          env: {
            ...process.env,
            MQTT_URL: mqttsUrl,
            MQTT_CA_FILE: certFile,
            API_URL: httpsBase(),
            NODE_EXTRA_CA_CERTS: certFile,
            DEMO_PASSWORD,
          },
          timeout: 60_000,
        },
        (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
      );
    });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ wearers: 3, connected: 3, published: 6, acknowledged: 6, removed: 3 });
  }, 60_000);

  it('the bridge uplink over mqtts (MQTT_URL + MQTT_CA_FILE): frames arrive at the server', async () => {
    const cfg = loadBridgeConfig({ MQTT_URL: mqttsUrl, MQTT_CA_FILE: certFile, BRIDGE_SECRET: DEMO_DEVICE_SECRET, BRIDGE_DATA_DIR: dir });
    const seen = spyDeviceMessages(ts);
    const bridge = new Bridge({ ...cfg, clock: ts.clock, log: pino({ level: 'silent' }) });
    const tcpPort = await bridge.listenTcp(0, '127.0.0.1');
    bridge.start();
    try {
      await until(() => bridge.ready, LONG);
      const sender = await frameSender(tcpPort);
      sender.send('demo-room', ts.clock.now(), { type: 'door', open: true });
      await until(() => seen.some((m) => m.topic === 'odart/v1/devices/demo-room/door'), LONG);
      sender.close();
    } finally {
      await bridge.close();
    }
    await settle(ts);
  });
});

describe('HTTPS on the HTTP port with the same files', () => {
  it('the API, /api/live and MQTT over WebSocket are served over TLS', async () => {
    expect((await httpsRequest('GET', '/healthz')).status).toBe(200);
    const login = await httpsRequest('POST', '/api/auth/login', JSON.stringify({ username: 'alex', password: DEMO_PASSWORD }), {
      'content-type': 'application/json',
      ...CSRF,
    });
    expect(login.status).toBe(200);
    const ws = new WebSocket(`wss://127.0.0.1:${ts.server.httpPort}/api/live`, {
      ca,
      headers: { cookie: login.cookie, origin: 'https://127.0.0.1:3999' },
    });
    const first = await new Promise<string>((resolve, reject) => {
      ws.once('message', (d) => resolve(String(d)));
      ws.once('error', reject);
    });
    expect(JSON.parse(first)).toMatchObject({ type: 'hello' });
    ws.close();
    const c = await mqtt.connectAsync(`wss://127.0.0.1:${ts.server.httpPort}/mqtt`, {
      ca,
      clientId: 'demo-room',
      username: 'demo-room',
      password: DEMO_DEVICE_SECRET,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    expect(c.connected).toBe(true);
    await c.endAsync();
  });
});
