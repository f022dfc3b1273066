// The core's sessions in Mosquitto while no core holds them (issue 14): Mosquitto queues QoS 1 messages for an absent
// session up to `max_queued_messages` and drops the newest past it, though it acknowledged them to the device. At
// 10,000 wearers a takeover's gap brings that many vitals in seconds; a help press made then must still reach the next
// core. Real Mosquitto 2 (a bound of 50 here), a device publishing QoS 1, the real ExternalBroker.
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExternalBroker, discreteSessionId } from '../server/src/broker/external.js';
import { DURABLE_STREAMS } from '../server/src/ingest/ingest.js';
import { createLogger } from '../server/src/log.js';
import { HAVE_MOSQUITTO, deviceAccount, startMosquitto, type TestMosquitto } from './helpers/mosquitto.js';
import { until } from './helpers/server.js';

const DEVICE = { username: 'dev-queues', password: 'device-secret-queues' };
const topic = (stream: string) => `odart/v1/devices/${DEVICE.username}/${stream}`;
const QUEUED = 50;
let mosq: TestMosquitto;
beforeAll(async () => {
  if (!HAVE_MOSQUITTO) return;
  mosq = await startMosquitto({
    accounts: [deviceAccount(DEVICE.username, DEVICE.password)],
    conf: [`max_queued_messages ${QUEUED}`],
  });
});
afterAll(async () => {
  await mosq?.close();
});

function node(clientId: string, got: string[]) {
  return ExternalBroker.connect({
    url: mosq.url,
    username: mosq.username,
    password: mosq.password,
    clientId,
    controlClientId: `${clientId}-control`,
    discreteStreams: DURABLE_STREAMS,
    log: createLogger('silent'),
    maxPayloadBytes: 65_536,
    onDeviceMessage: (t, payload) => {
      got.push(`${t.kind === 'device' ? t.stream : t.kind} ${payload.toString()}`);
    },
  });
}

/** The device, while no core holds the sessions: `vitals` QoS 1 samples, then the press, then a door opening. */
async function publishWhileNoCore(vitals: number): Promise<void> {
  const dev = await mqtt.connectAsync(mosq.url, { ...DEVICE, clientId: DEVICE.username, protocolVersion: 4, reconnectPeriod: 0 });
  for (let i = 0; i < vitals; i++) await dev.publishAsync(topic('vitals'), `{"n":${i}}`, { qos: 1 });
  await dev.publishAsync(topic('button'), '{"action":"help"}', { qos: 1 });
  await dev.publishAsync(topic('door'), '{"open":true}', { qos: 1 });
  await dev.endAsync();
}

describe.skipIf(!HAVE_MOSQUITTO)('the core sessions in the broker while no core holds them', () => {
  it("a press and a door made after the session's queue filled with vitals reach the next core", async () => {
    const clientId = 'odart-core-queues';
    const a = await node(clientId, []);
    await a.openSession();
    await a.close();
    // more vitals than the broker keeps for an absent session (the bound plus the 20 it puts in flight)
    await publishWhileNoCore(QUEUED * 4);
    const got: string[] = [];
    const b = await node(clientId, got);
    try {
      await b.openSession();
      await until(() => got.includes('button {"action":"help"}') && got.includes('door {"open":true}'));
    } finally {
      await b.close();
    }
    // the vitals past the bound are dropped by the broker (the rebuild has what the old core stored); the first kept
    const vitals = got.filter((g) => g.startsWith('vitals '));
    expect(vitals.length).toBeLessThan(QUEUED * 4);
    expect(vitals[0]).toBe('vitals {"n":0}');
    expect(mosq.log()).toContain(`Outgoing messages are being dropped for client ${clientId}`);
    expect(got.filter((g) => !g.startsWith('vitals '))).toEqual(['button {"action":"help"}', 'door {"open":true}']);
  });

  it('a session made before the split (every stream on one id) gives up the discrete ones: each press comes once', async () => {
    const clientId = 'odart-core-upgrade';
    // the old server's session: every device stream under MQTT_CLIENT_ID
    const old = await mqtt.connectAsync(mosq.url, {
      username: mosq.username,
      password: mosq.password,
      clientId,
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    await old.subscribeAsync(
      ['vitals', 'presence', 'door', 'button', 'status'].map((s) => `odart/v1/devices/+/${s}`),
      { qos: 1 },
    );
    await old.endAsync();
    const got: string[] = [];
    const b = await node(clientId, got);
    try {
      await b.openSession();
      expect(mosq.log()).toContain(`as ${discreteSessionId(clientId)} `);
      const dev = await mqtt.connectAsync(mosq.url, { ...DEVICE, clientId: DEVICE.username, protocolVersion: 4, reconnectPeriod: 0 });
      await dev.publishAsync(topic('button'), '{"action":"ok"}', { qos: 1 });
      await dev.publishAsync(topic('vitals'), '{"marker":1}', { qos: 1 });
      await dev.endAsync();
      // one session delivers in order: once the marker published after the press came, a copy of the press on the
      // continuous session would have come before it; the discrete session's copy comes on its own
      await until(() => got.includes('vitals {"marker":1}') && got.includes('button {"action":"ok"}'));
    } finally {
      await b.close();
    }
    expect(got.filter((g) => g === 'button {"action":"ok"}')).toHaveLength(1);
  });
});
