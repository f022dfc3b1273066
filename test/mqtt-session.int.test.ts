// A brand-new Mosquitto (issue 14): before any core ever connected with MQTT_CLIENT_ID there is no persistent session,
// so the broker drops a press published then. `npm run mqtt-session -- init` (session-init.ts) creates the session at
// set-up; a press published with no node running then alerts on the first node to start.
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { deviceAcls, deviceRole } from '../server/src/broker/provisioning.js';
import { SessionInitRefused, initDeviceSession } from '../server/src/broker/session-init.js';
import { DURABLE_STREAMS } from '../server/src/ingest/ingest.js';
import { HAVE_MOSQUITTO, startMosquitto, type TestMosquitto } from './helpers/mosquitto.js';
import { DEMO_DEVICE_SECRET, settle, startTestServer, until, type TestServer } from './helpers/server.js';

const CLIENT_ID = 'odart-core-fresh';
const help = JSON.stringify({ action: 'help' });
let mosq: TestMosquitto | null = null;
let ts: TestServer | null = null;

/** a fresh broker that already knows the demo wrist (as provisioning would have put it there) */
const freshBroker = () =>
  startMosquitto({
    accounts: [
      {
        username: 'demo-wrist',
        password: DEMO_DEVICE_SECRET,
        role: { rolename: deviceRole('demo-wrist'), acls: deviceAcls('demo-wrist', null) },
      },
    ],
  });

async function pressWithNoNode(m: TestMosquitto): Promise<void> {
  const c = await mqtt.connectAsync(m.url, {
    clientId: 'demo-wrist',
    username: 'demo-wrist',
    password: DEMO_DEVICE_SECRET,
    reconnectPeriod: 0,
  });
  await c.publishAsync('odart/v1/devices/demo-wrist/button', help, { qos: 1 });
  await c.endAsync();
}

/** starts the first node, then a marker press once its session is up; returns how many presses it handled */
async function firstNode(m: TestMosquitto): Promise<number> {
  ts = await startTestServer({ env: { ...m.env, MQTT_CLIENT_ID: CLIENT_ID } });
  const server = ts;
  const queued = server.server.ingest.handled;
  await pressWithNoNode(m); // the marker: a press while the node runs always arrives
  await until(() => server.server.ingest.handled >= queued + 1);
  await settle(server);
  return server.server.ingest.handled;
}

describe.skipIf(!HAVE_MOSQUITTO)('the persistent session on a brand-new broker (mqtt-session init)', () => {
  afterEach(async () => {
    await ts?.close();
    ts = null;
    await mosq?.close();
    mosq = null;
  });

  it('without init, a press published before any node ever ran is lost', async () => {
    mosq = await freshBroker();
    await pressWithNoNode(mosq);
    expect(await firstNode(mosq)).toBe(1); // only the marker
  });

  it('after init, a press published with no node running reaches the first node and alerts', async () => {
    mosq = await freshBroker();
    const topics = await initDeviceSession({
      url: mosq.url,
      username: mosq.username,
      password: mosq.password,
      clientId: CLIENT_ID,
      discreteStreams: DURABLE_STREAMS,
      ca: null,
      lease: null,
      now: 0,
    });
    // the continuous streams' session, and the discrete streams' on a queue of its own
    expect(topics).toEqual([
      { clientId: `${CLIENT_ID}/discrete`, topics: ['odart/v1/devices/+/door', 'odart/v1/devices/+/button'] },
      { clientId: CLIENT_ID, topics: ['odart/v1/devices/+/vitals', 'odart/v1/devices/+/presence', 'odart/v1/devices/+/status'] },
    ]);
    await pressWithNoNode(mosq);
    expect(await firstNode(mosq)).toBe(2); // the queued press and the marker
    expect((await ts!.server.repos.openAlertForWearer('demo-wearer'))?.state).toBe('escalating');
  });

  it('refuses while a core holds the lease, without connecting (it would kick the core)', async () => {
    mosq = await freshBroker();
    const now = 1_000_000;
    const attempt = initDeviceSession({
      url: mosq.url,
      username: mosq.username,
      password: mosq.password,
      clientId: CLIENT_ID,
      discreteStreams: DURABLE_STREAMS,
      ca: null,
      lease: { holder: 'node-a', expiresAt: now + 5000 },
      now,
    });
    await expect(attempt).rejects.toBeInstanceOf(SessionInitRefused);
    await expect(attempt).rejects.toThrow(/node-a holds the core lease/);
    expect(mosq.log()).not.toContain(CLIENT_ID);
    // a lease that ran out does not stop it
    await initDeviceSession({
      url: mosq.url,
      username: mosq.username,
      password: mosq.password,
      clientId: CLIENT_ID,
      discreteStreams: DURABLE_STREAMS,
      ca: null,
      lease: { holder: 'node-a', expiresAt: now },
      now,
    });
    expect(mosq.log()).toContain(CLIENT_ID);
  });
});
