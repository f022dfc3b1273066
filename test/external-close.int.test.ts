// ExternalBroker.close() is bounded (issue 14): a node stopped while Mosquitto is unreachable, with a device command
// or a dynamic-security request in flight, ends its connections at once instead of waiting for a PUBACK that cannot
// come (mqtt.js's graceful end waits for every in-flight packet). Real Mosquitto 2, stopped under the client.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ExternalBroker, MosquittoDynsec } from '../server/src/broker/index.js';
import { CLOSE_GRACE_MS } from '../server/src/broker/external.js';
import { DURABLE_STREAMS } from '../server/src/ingest/ingest.js';
import { VirtualClock } from '../server/src/clock.js';
import { DYNSEC_TOPIC } from '../server/src/broker/provisioning.js';
import { createLogger } from '../server/src/log.js';
import { HAVE_MOSQUITTO, startMosquitto, type TestMosquitto } from './helpers/mosquitto.js';
import { until } from './helpers/server.js';
import { startTcpProxy } from './helpers/tcp-proxy.js';

let mosq: TestMosquitto;
beforeEach(async () => {
  if (HAVE_MOSQUITTO) mosq = await startMosquitto();
});
afterEach(async () => {
  await mosq?.close();
});

const connect = () =>
  ExternalBroker.connect({
    url: mosq.url,
    username: mosq.username,
    password: mosq.password,
    clientId: 'odart-core-close',
    controlClientId: 'odart-core-close-node',
    discreteStreams: DURABLE_STREAMS,
    log: createLogger('silent'),
    maxPayloadBytes: 65_536,
    onDeviceMessage: () => undefined,
  });

/** close() resolves while the broker stays down: polled for turns of the event loop, never a timer */
async function closesWhileDown(b: ExternalBroker): Promise<void> {
  let closed = false;
  const closing = b.close().then(() => (closed = true));
  await until(() => closed);
  await closing;
  expect(b.closed).toBe(true);
}

it.skipIf(!HAVE_MOSQUITTO)('closes with a device command in flight while the broker is down', async () => {
  const b = await connect();
  await b.openSession();
  await mosq.stop();
  await until(() => !b.client.connected);
  b.sendCommand('dev-1', { type: 'vibrate', ms: 200 });
  await closesWhileDown(b);
});

it.skipIf(!HAVE_MOSQUITTO)('closes with a dynamic-security request in flight while the broker is down', async () => {
  const b = await connect();
  await mosq.stop();
  await until(() => !b.client.connected);
  b.client.publish(DYNSEC_TOPIC, JSON.stringify({ commands: [{ command: 'listClients' }] }), { qos: 1 });
  await closesWhileDown(b);
});

it.skipIf(!HAVE_MOSQUITTO)(
  'a dynamic-security request made while the broker is down fails at its timeout (virtual time), not never',
  async () => {
    const b = await connect();
    const clock = new VirtualClock(0);
    const dynsec = await MosquittoDynsec.start({
      client: b.client,
      repos: { deviceById: async () => null, allDevices: async () => [], gateways: async () => [] } as never,
      clock,
      log: createLogger('silent'),
      timeoutMs: 10_000,
    });
    await mosq.stop();
    await until(() => !b.client.connected);
    let outcome: unknown = null;
    dynsec.deviceChanged('dev-down').then(
      () => (outcome = 'resolved'),
      (err: unknown) => (outcome = err),
    );
    await until(() => clock.nextTimerAt() !== null);
    clock.advance(10_000);
    await until(() => outcome !== null);
    expect(String(outcome)).toMatch(/no answer to getClient within 10000 ms/);
    await closesWhileDown(b);
  },
);

it.skipIf(!HAVE_MOSQUITTO)(
  'closes within its grace (virtual time) when the broker is connected but silent, a command in flight',
  async () => {
    // a link that drops every byte both ways while the TCP connection stays open: only keepalive (45 s) would notice
    const proxy = await startTcpProxy(mosq.port);
    const clock = new VirtualClock(0);
    try {
      const b = await ExternalBroker.connect({
        url: `mqtt://127.0.0.1:${proxy.port}`,
        username: mosq.username,
        password: mosq.password,
        clientId: 'odart-core-close',
        controlClientId: 'odart-core-close-silent',
        discreteStreams: DURABLE_STREAMS,
        log: createLogger('silent'),
        maxPayloadBytes: 65_536,
        onDeviceMessage: () => undefined,
        clock,
      });
      proxy.cut();
      b.sendCommand('dev-1', { type: 'vibrate', ms: 200 });
      expect(b.client.connected).toBe(true);
      let closed = false;
      const closing = b.close().then(() => (closed = true));
      await until(() => clock.nextTimerAt() !== null);
      expect(closed).toBe(false); // waiting for the PUBACK, within the grace
      clock.advance(CLOSE_GRACE_MS);
      await until(() => closed);
      await closing;
      expect(b.closed).toBe(true);
    } finally {
      await proxy.close();
    }
  },
);
