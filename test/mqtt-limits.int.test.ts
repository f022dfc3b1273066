// Limits of the embedded broker against a hostile client, real broker over TCP with real mqtt.js
// and raw sockets: one session per device, packet size caps before and after login, connections
// per address, and throttled login failures. Each refusal is counted in /metrics.
import net from 'node:net';
import mqtt from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, startTestServer, until, type TestServer } from './helpers/server.js';

let ts: TestServer;
afterEach(async () => {
  await ts.close();
});

const LONG = 1_000_000;
const metrics = async () => (await fetch(`${ts.base}/metrics`)).text();
const counter = (text: string, name: string, label: string) => Number(new RegExp(`${name}\\{${label}\\} (\\d+)`).exec(text)?.[1] ?? 0);

function connect(id: string, secret: string, clientId = id): Promise<{ client: mqtt.MqttClient; ok: boolean; code?: number }> {
  const client = mqtt.connect(ts.mqttUrl, { clientId, username: id, password: secret, reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4 });
  return new Promise((resolve) => {
    client.once('connect', () => resolve({ client, ok: true }));
    client.once('error', (err) => {
      client.end(true);
      resolve({ client, ok: false, code: (err as { code?: number }).code });
    });
    client.once('close', () => resolve({ client, ok: false }));
  });
}

describe('one live session per device', () => {
  it('a client id other than the device id itself (id:suffix) is refused', async () => {
    ts = await startTestServer();
    const c = await connect('demo-wrist', DEMO_PASSWORD, 'demo-wrist:second');
    expect(c.ok).toBe(false);
    expect(c.code).toBe(5);
  });

  it('[MQTT-3.1.4-2] a new connection of the same device replaces the old one', async () => {
    ts = await startTestServer();
    const a = await connect('demo-wrist', DEMO_PASSWORD);
    let aClosed = false;
    a.client.on('close', () => { aClosed = true; });
    const b = await connect('demo-wrist', DEMO_PASSWORD);
    expect(b.ok).toBe(true);
    await until(() => aClosed, LONG);
    expect(b.client.connected).toBe(true);
    await b.client.endAsync();
  });
});
