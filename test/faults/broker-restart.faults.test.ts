// Broker restart (the whole server, embedded broker included): devices reconnect by themselves and
// QoS 1 messages published while it was down are delivered afterwards, so a help press is not lost.
import { afterEach, describe, expect, it } from 'vitest';
import { connectDevice, type VirtualDevice } from '../../simulator/src/devices.js';
import { DEMO_PASSWORD, settle, startTestServer, until, type TestServer } from '../helpers/server.js';

let ts: TestServer | null = null;
let dev: VirtualDevice | null = null;
afterEach(async () => {
  dev?.client.end(true);
  await ts?.close();
});

describe('broker restart', () => {
  it('QoS 1 messages sent during the outage arrive after restart; a help press raises its alert', async () => {
    ts = await startTestServer();
    const { httpPort, mqttPort } = ts.server;
    dev = await connectDevice({ id: 'demo-wrist', secret: DEMO_PASSWORD }, { url: ts.mqttUrl });
    const vitals = (seq: number) => JSON.stringify({ seq, hr: 70, spo2: 97, rr: 14 });
    for (let seq = 0; seq < 20; seq++) await dev.client.publishAsync('odart/v1/devices/demo-wrist/vitals', vitals(seq), { qos: 1 });
    const firstRun = ts.server.ingest.handled;

    const down = new Promise<void>((r) => dev!.client.once('close', () => r()));
    await ts.close({ keepData: true });
    await down;
    // Published while no broker is there: mqtt.js keeps QoS 1 messages until they are acknowledged.
    const pending: Promise<unknown>[] = [];
    for (let seq = 20; seq < 60; seq++) pending.push(dev.client.publishAsync('odart/v1/devices/demo-wrist/vitals', vitals(seq), { qos: 1 }));
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
