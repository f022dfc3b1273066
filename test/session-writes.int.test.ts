// The core's session socket under a backlog (issue 14): what Mosquitto kept for the persistent session arrives at
// once when a core opens it. mqtt.js acknowledges every QoS 1 message with a PUBACK of its own, one socket write each
// (mqtt-packet corks and uncorks on process.nextTick), and handles a whole TCP read in nextTicks. Real Mosquitto 2,
// a device account publishing QoS 1, the real ExternalBroker and the real socket's write calls counted.
import net from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ExternalBroker, mqttLogOption } from '../server/src/broker/external.js';
import { DURABLE_STREAMS } from '../server/src/ingest/ingest.js';
import { SESSION_MAX_PER_TURN } from '../server/src/broker/session-turns.js';
import { createLogger } from '../server/src/log.js';
import { HAVE_MOSQUITTO, deviceAccount, startMosquitto, type TestMosquitto } from './helpers/mosquitto.js';
import { until } from './helpers/server.js';

const DEVICE = { username: 'dev-writes', password: 'device-secret-writes' };
const TOPIC = `odart/v1/devices/${DEVICE.username}/vitals`;
let mosq: TestMosquitto;
let mosqUnbounded: TestMosquitto;
beforeAll(async () => {
  if (!HAVE_MOSQUITTO) return;
  const accounts = [deviceAccount(DEVICE.username, DEVICE.password)];
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

function node(m: TestMosquitto, name: string, got: string[], mayAct?: () => boolean) {
  return ExternalBroker.connect({
    url: m.url,
    username: m.username,
    password: m.password,
    clientId: `odart-core-writes-${name}`,
    controlClientId: `odart-core-writes-${name}-control`,
    discreteStreams: DURABLE_STREAMS,
    log: createLogger('silent'),
    maxPayloadBytes: 65_536,
    onDeviceMessage: (_topic, payload) => {
      got.push(payload.toString());
    },
    ...(mayAct ? { mayAct } : {}),
  });
}

/** the session of the continuous streams (the device here publishes vitals) */
const sessionOf = (b: ExternalBroker) =>
  (b as unknown as { sessions: { clientId: string; client: MqttClient }[] | null }).sessions?.find((o) => !o.clientId.endsWith('/discrete'))
    ?.client;

/** Creates the session, closes it, and has the device publish `n` QoS 1 messages for it meanwhile. */
async function backlog(m: TestMosquitto, name: string, n: number): Promise<void> {
  const a = await node(m, name, []);
  await a.openSession();
  await a.close();
  const dev = await mqtt.connectAsync(m.url, { ...DEVICE, clientId: DEVICE.username, protocolVersion: 4, reconnectPeriod: 0 });
  await Promise.all(Array.from({ length: n }, (_, i) => dev.publishAsync(TOPIC, `{"n":${i}}`, { qos: 1 })));
  await dev.endAsync();
}

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

  it('PUBACKs of one loop turn go out in one write; every message of a 1,000 backlog is acknowledged', async () => {
    const N = 1000;
    await backlog(mosq, 'puback', N);
    const writev = vi.spyOn(net.Socket.prototype as unknown as { _writev: () => void }, '_writev');
    const write = vi.spyOn(net.Socket.prototype as unknown as { _write: () => void }, '_write');
    const got: string[] = [];
    const b = await node(mosq, 'puback', got);
    let writes: number;
    try {
      await b.openSession();
      await until(() => got.length >= N);
      const socket = sessionOf(b)!.stream;
      // the acknowledgements of the last turn leave on its setImmediate
      await new Promise<void>((r) => setImmediate(r));
      writes = [...writev.mock.contexts, ...write.mock.contexts].filter((s) => s === socket).length;
    } finally {
      await b.close();
    }
    expect(got).toEqual(Array.from({ length: N }, (_, i) => `{"n":${i}}`));
    expect(writes).toBeLessThan(N / 4);
    // acknowledged: a new session gets nothing again, only what is published after it opened
    const again: string[] = [];
    const c = await node(mosq, 'puback', again);
    try {
      await c.openSession();
      const dev = await mqtt.connectAsync(mosq.url, { ...DEVICE, clientId: DEVICE.username, protocolVersion: 4, reconnectPeriod: 0 });
      await dev.publishAsync(TOPIC, '{"marker":1}', { qos: 1 });
      await dev.endAsync();
      await until(() => again.includes('{"marker":1}'));
      expect(again).toEqual(['{"marker":1}']);
    } finally {
      await c.close();
    }
  });

  it('a core stepping down mid-backlog: what it handled is acknowledged, what it did not reaches the next core', async () => {
    const N = 1000;
    await backlog(mosq, 'stepdown', N);
    const aGot: string[] = [];
    let stepped = false;
    // the renew deadline passes while message 499 is being handled: it is not acknowledged (mayAct), the session
    // closes, and the broker delivers it again with everything after it
    const a = await node(mosq, 'stepdown', aGot, () => !stepped);
    const bGot: string[] = [];
    let b: ExternalBroker | null = null;
    try {
      const onDevice = aGot.push.bind(aGot);
      aGot.push = (...xs: string[]) => {
        const n = onDevice(...xs);
        if (n === 500) stepped = true;
        return n;
      };
      await a.openSession();
      await until(() => !a.sessionOpen);
      b = await node(mosq, 'stepdown', bGot);
      await b.openSession();
      await until(() => bGot.length >= N - 499);
      const dev = await mqtt.connectAsync(mosq.url, { ...DEVICE, clientId: DEVICE.username, protocolVersion: 4, reconnectPeriod: 0 });
      await dev.publishAsync(TOPIC, '{"marker":1}', { qos: 1 });
      await dev.endAsync();
      await until(() => bGot.includes('{"marker":1}'));
    } finally {
      await b?.close();
      await a.close();
    }
    // Failed once in a clean-clone CI run (B got 27-999: A's acknowledgements of 27-498 not taken) and not again in
    // 95 runs at load 1-9: what each node got and the broker's log say which side lost them, if it comes back.
    const seen = (xs: string[]) => `${xs.length} (${xs[0]} .. ${xs.at(-1)})`;
    const context = `A got ${seen(aGot)}, B got ${seen(bGot)}; the broker's log:\n${mosq.log().slice(-6000)}`;
    expect([...aGot], context).toEqual(Array.from({ length: 500 }, (_, i) => `{"n":${i}}`));
    expect(bGot, context).toEqual([...Array.from({ length: N - 499 }, (_, i) => `{"n":${i + 499}}`), '{"marker":1}']);
  });

  it('a backlog of 5,000 yields to timers: a timer set at the first message runs long before the last; order kept', async () => {
    const N = 5000;
    await backlog(mosqUnbounded, 'yield', N);
    const got: string[] = [];
    let atTimer = -1;
    let inTurn = 0;
    let maxInTurn = 0;
    let done = false;
    const turn = () => {
      maxInTurn = Math.max(maxInTurn, inTurn);
      inTurn = 0;
      if (!done) setImmediate(turn);
    };
    turn();
    const b = await node(mosqUnbounded, 'yield', got);
    const push = got.push.bind(got);
    got.push = (...xs: string[]) => {
      // a detection tick or a WebSocket push due meanwhile: here a timer set when the backlog starts
      if (got.length === 0) setTimeout(() => (atTimer = got.length), 0);
      inTurn += xs.length;
      return push(...xs);
    };
    try {
      await b.openSession();
      await until(() => got.length >= N);
    } finally {
      done = true;
      await b.close();
    }
    expect([...got]).toEqual(Array.from({ length: N }, (_, i) => `{"n":${i}}`));
    expect(atTimer).toBeGreaterThan(0);
    expect(atTimer).toBeLessThan(N / 4);
    // the message whose acknowledgement is put off was handled already (the 'message' event comes first), and this
    // counter's turn is not the session's to the message: a little over the bound, never the backlog
    expect(maxInTurn).toBeLessThanOrEqual(SESSION_MAX_PER_TURN + 2);
  });
});
