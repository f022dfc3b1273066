// Broker restart (the whole server, embedded broker included): devices reconnect by themselves and
// QoS 1 messages published while it was down are delivered afterwards, so a help press is not lost.
import { afterEach, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { DEMO_DEVICE_SECRET, settle, startTestServer, until, type TestServer } from '../helpers/server.js';

let ts: TestServer | null = null;
let dev: { client: mqtt.MqttClient } | null = null;
afterEach(async () => {
  dev?.client.end(true);
  await ts?.close();
});

describe('broker restart', () => {
  it('QoS 1 messages sent during the outage arrive after restart; a help press raises its alert', async () => {
    ts = await startTestServer();
    const { httpPort, mqttPort } = ts.server;
    // A plain mqtt.js device: it reconnects by itself and keeps unacknowledged QoS 1 publishes.
    const client = mqtt.connect(ts.mqttUrl, {
      clientId: 'demo-wrist',
      username: 'demo-wrist',
      password: DEMO_DEVICE_SECRET,
      reconnectPeriod: 300,
      clean: true,
      protocolVersion: 4,
    });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    dev = { client };
    const vitals = (seq: number) => JSON.stringify({ seq, hr: 70, spo2: 97, rr: 14 });
    for (let seq = 0; seq < 20; seq++) await dev.client.publishAsync('odart/v1/devices/demo-wrist/vitals', vitals(seq), { qos: 1 });
    await until(() => ts!.server.ingest.handled >= 20, 1_000_000);
    const firstRun = ts.server.ingest.handled;

    const down = new Promise<void>((r) => dev!.client.once('close', () => r()));
    await ts.close({ keepData: true });
    await down;
    // Published while no broker is there: mqtt.js keeps QoS 1 messages until they are acknowledged.
    const pending: Promise<unknown>[] = [];
    for (let seq = 20; seq < 60; seq++)
      pending.push(dev.client.publishAsync('odart/v1/devices/demo-wrist/vitals', vitals(seq), { qos: 1 }));
    pending.push(dev.client.publishAsync('odart/v1/devices/demo-wrist/button', JSON.stringify({ action: 'help' }), { qos: 1 }));

    ts = await startTestServer({ dataDir: ts.dataDir, env: { HTTP_PORT: String(httpPort), MQTT_PORT: String(mqttPort) } });
    await Promise.all(pending); // every one acknowledged by the new broker
    await until(() => ts!.server.ingest.handled >= 41);
    await settle(ts);
    expect(firstRun).toBeGreaterThanOrEqual(20);
    const alert = await ts.server.repos.openAlertForWearer('demo-wearer');
    expect(alert?.state).toBe('escalating');
    expect(JSON.parse(alert!.reasons)).toContain('wearer pressed help');
  });
});
