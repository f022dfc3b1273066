// The core's session socket under a backlog (issue 14): what Mosquitto kept for the persistent session arrives at
// once when a core opens it. mqtt.js acknowledges every QoS 1 message with a PUBACK of its own, one socket write each
// (mqtt-packet corks and uncorks on process.nextTick), and handles a whole TCP read in nextTicks. Real Mosquitto 2,
// a device account publishing QoS 1, the real ExternalBroker and the real socket's write calls counted.
import type { MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ExternalBroker, mqttLogOption } from '../server/src/broker/external.js';
import { createLogger } from '../server/src/log.js';
import { HAVE_MOSQUITTO, startMosquitto, type TestMosquitto } from './helpers/mosquitto.js';

const DEVICE = { username: 'dev-writes', password: 'device-secret-writes' };
let mosq: TestMosquitto;
let mosqUnbounded: TestMosquitto;
beforeAll(async () => {
  if (!HAVE_MOSQUITTO) return;
  const accounts = [
    {
      ...DEVICE,
      role: {
        rolename: 'dev-writes',
        acls: [{ acltype: 'publishClientSend', topic: `odart/v1/devices/${DEVICE.username}/#`, allow: true }],
      },
    },
  ];
  mosq = await startMosquitto({ accounts });
  // no limit on QoS 1 messages in flight to one client (the default is 20): the whole backlog comes at once
  mosqUnbounded = await startMosquitto({ accounts, conf: ['max_inflight_messages 0'] });
});
afterAll(async () => {
  await mosq?.close();
  await mosqUnbounded?.close();
});
afterEach(() => {
  vi.restoreAllMocks();
});

function node(m: TestMosquitto, name: string, got: string[]) {
  return ExternalBroker.connect({
    url: m.url,
    username: m.username,
    password: m.password,
    clientId: `odart-core-writes-${name}`,
    controlClientId: `odart-core-writes-${name}-control`,
    log: createLogger('silent'),
    maxPayloadBytes: 65_536,
    onDeviceMessage: (_topic, payload) => got.push(payload.toString()),
  });
}

const sessionOf = (b: ExternalBroker) => (b as unknown as { session: MqttClient | null }).session;

describe.skipIf(!HAVE_MOSQUITTO)('the core session socket under a backlog', () => {
  it('mqtt.js logging is a no-op unless DEBUG asks for mqttjs', async () => {
    expect(mqttLogOption(undefined).log).toBeTypeOf('function');
    expect(mqttLogOption('odart:*,-mqttjs*').log).toBeTypeOf('function');
    expect(mqttLogOption('mqttjs*')).toEqual({});
    expect(mqttLogOption('foo, mqttjs:client')).toEqual({});
    expect(mqttLogOption('*')).toEqual({});
    const b = await node(mosq, 'log', []);
    try {
      await b.openSession();
      const session = sessionOf(b)!;
      // the client's own logger is the option given (mqtt.js: options.log || debug('mqttjs:client'))
      for (const c of [b.client, session]) {
        expect(c.options.log).toBeTypeOf('function');
        expect(c.log).toBe(c.options.log);
      }
    } finally {
      await b.close();
    }
  });
});
