// Takeover (issue 14): two real servers in one process on one throwaway PostgreSQL database and one real Mosquitto
// 2, each node on its own virtual clock, a device publishing over MQTT with its own `ts`. Only the active core holds
// the persistent session (the shared MQTT_CLIENT_ID); a standby never connects with it. An apnoea begins while A is
// the core; A dies half-way to the alert (its clock stops, its broker connections drop, nothing is flushed, the lease
// is not released); B takes over, rebuilds its detector from the stored vitals, opens the session, is handed what
// the device published while no core ran, and alerts on the apnoea's time, not the takeover's.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { deviceTopic, parseTopic } from '@odart/protocol';
import { MAX_HELD } from '../server/src/ingest/ingest.js';
import { VirtualClock } from '../server/src/clock.js';
import type { ExternalBroker } from '../server/src/broker/index.js';
import { describePostgres } from './helpers/postgres.js';
import { HAVE_MOSQUITTO, startMosquitto, type TestMosquitto } from './helpers/mosquitto.js';
import { tryConnect } from './helpers/mqtt.js';
import { DEMO_DEVICE_SECRET, settle, startTestServer, T0, until, type TestServer } from './helpers/server.js';

/** seconds of calm breathing before the apnoea (the SpO2 and RR baselines learn) */
const ONSET = 300;
/** A dies this long into the apnoea: before the check-in (apnoea 15 s) and the responder alert (about 24 s) */
const DIES_AT = ONSET + 12;
/** Uninterrupted, the wearable's apnoea alerts responders ONSET + 24 s (server/src/ingest/rebuild.test.ts). */
const ALERT_BY = ONSET + 30;

const vitals = (s: number, at: number) =>
  JSON.stringify(
    s < ONSET
      ? { hr: 70, spo2: 97, rr: 14, activity: 0, onBody: true, ts: at }
      : { hr: 70, spo2: Math.max(80, 97 - (s - ONSET) * 0.5), rr: 0, activity: 0, onBody: true, ts: at },
  );

let mosq: TestMosquitto;
beforeAll(async () => {
  if (HAVE_MOSQUITTO) mosq = await startMosquitto();
});
afterAll(async () => {
  await mosq?.close();
});

it('device messages that arrive while a new core rebuilds wait, in order, and are placed at the time they arrived', async () => {
  const ts = await startTestServer();
  try {
    const dev = await tryConnect(ts.mqttUrl, 'demo-wrist', DEMO_DEVICE_SECRET);
    expect(dev.ok).toBe(true);
    ts.server.ingest.hold();
    const arrived = ts.clock.now();
    for (const rr of [14, 13])
      await dev.client.publishAsync('odart/v1/devices/demo-wrist/vitals', JSON.stringify({ hr: 70, rr }), { qos: 1 });
    await until(() => ts.server.ingest.heldCount === 2);
    expect(ts.server.ingest.handled).toBe(0);
    ts.clock.advance(5000);
    ts.server.ingest.release();
    expect(ts.server.ingest.handled).toBe(2);
    expect(ts.server.ingest.heldCount).toBe(0);
    const stored = await ts.server.vitals.window('demo-wearer', arrived - 1, ts.clock.now());
    expect(stored.map((p) => [p.t, p.rr])).toEqual([
      [arrived, 14],
      [arrived, 13],
    ]);
    await dev.client.endAsync();
  } finally {
    await ts.close();
  }
});

it('a help press that arrives while the hold is full is held all the same, and alerts once ingest runs again', async () => {
  // A rebuild at 10,000 room kits (two streams a wearer) holds 94,000-134,000 messages (docs/performance.md): past
  // MAX_HELD continuous samples are dropped (the next one says the same), but a discrete message is not.
  const ts = await startTestServer();
  try {
    const dev = await tryConnect(ts.mqttUrl, 'demo-wrist', DEMO_DEVICE_SECRET);
    expect(dev.ok).toBe(true);
    ts.server.ingest.hold();
    const topic = deviceTopic('demo-wrist', 'vitals');
    const sample = Buffer.from(JSON.stringify({ hr: 70, spo2: 97, rr: 14 }));
    for (let i = 0; i < MAX_HELD; i++) void ts.server.ingest.handle(parseTopic(topic), sample, topic);
    expect(ts.server.ingest.heldCount).toBe(MAX_HELD);
    // its PUBACK waits for its consequence, which waits for the release
    const press = dev.client.publishAsync(deviceTopic('demo-wrist', 'button'), JSON.stringify({ action: 'help' }), { qos: 1 });
    const handled = ts.server.ingest.handled;
    await until(() => ts.server.ingest.heldCount > MAX_HELD || ts.server.ingest.handled > handled);
    expect(ts.server.ingest.heldCount).toBe(MAX_HELD + 1);
    ts.server.ingest.release();
    await press;
    await until(async () => Boolean(await ts.server.repos.openAlertForWearer('demo-wearer')));
    await dev.client.endAsync();
  } finally {
    await ts.close();
  }
});

const sessionOpen = (ts: TestServer) => (ts.server.broker as ExternalBroker).sessionOpen;

describePostgres('takeover on PostgreSQL and Mosquitto', (cluster) => {
  it.skipIf(!HAVE_MOSQUITTO)(
    'the session follows the role; an apnoea half-way to its alert when the core dies alerts on time on the next core',
    async () => {
      const pg = await cluster();
      const url = await pg.createDatabase();
      const env = { DATABASE_URL: url, ...mosq.env, MQTT_CLIENT_ID: 'odart-core-takeover' };
      const open: TestServer[] = [];
      // Who holds the shared session: a client with its id that connects takes it from whoever held it, and Mosquitto
      // says so in its log ("already connected, closing old connection"). Watched from the first connection on.
      const takenOver = () => (mosq.log().match(/Client odart-core-takeover\b.*already connected/g) ?? []).length;
      try {
        const a = await startTestServer({ env: { ...env, NODE_ID: 'node-a' }, clock: new VirtualClock(T0) });
        open.push(a);
        const b = await startTestServer({ env: { ...env, NODE_ID: 'node-b' }, clock: new VirtualClock(T0) });
        open.push(b);
        expect(a.server.core.active).toBe(true);
        expect(b.server.core.active).toBe(false);
        expect(sessionOpen(a)).toBe(true);
        expect(sessionOpen(b)).toBe(false);

        const dev = await tryConnect(mosq.url, 'demo-wrist', DEMO_DEVICE_SECRET);
        expect(dev.ok).toBe(true);
        let published = 0;
        const second = async (s: number, nodes: TestServer[], clockOf: TestServer) => {
          await dev.client.publishAsync('odart/v1/devices/demo-wrist/vitals', vitals(s, clockOf.clock.now()), { qos: 1 });
          published++;
          for (const n of nodes) {
            n.clock.advance(1000);
            await n.server.core.settled();
          }
        };

        // 5 min of calm breathing and the first 12 s of apnoea through A
        for (let s = 0; s < DIES_AT; s++) {
          await second(s, [a, b], a);
          await until(() => a.server.ingest.handled >= published);
          await settle(a);
        }
        expect(b.server.core.active).toBe(false);
        expect(sessionOpen(b)).toBe(false);
        expect(await a.server.repos.openAlertForWearer('demo-wearer')).toBeUndefined();
        const aHandled = a.server.ingest.handled;

        // A dies: its clock stops (no renewal, no release), its vitals sweep stops with blocks unwritten, and its
        // connections to the broker drop
        a.server.vitals.stop();
        await (a.server.broker as ExternalBroker).closeSession();
        (a.server.broker as ExternalBroker).client.end(true);

        // the device keeps publishing; B takes over within the lease and is handed what was queued meanwhile
        let tookOverAt: number | null = null;
        let alertAt: number | null = null;
        for (let s = DIES_AT; s < ONSET + 60 && alertAt === null; s++) {
          await second(s, [b], b);
          if (b.server.core.active) {
            tookOverAt ??= s;
            expect(sessionOpen(b)).toBe(true);
            await until(() => b.server.ingest.handled >= published - aHandled);
            await settle(b);
            if ((await b.server.repos.openAlertForWearer('demo-wearer'))?.state === 'escalating') alertAt = s;
          } else expect(sessionOpen(b)).toBe(false);
        }
        expect(tookOverAt).not.toBeNull();
        expect(tookOverAt! - DIES_AT).toBeLessThanOrEqual(10);
        // B began from the detector snapshot A wrote (a wearer a minute, under A's fence), then replayed the evidence window
        const snapshots = async (n: TestServer, outcome: string) =>
          (await n.server.metrics.detectorSnapshots.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
        expect(await snapshots(a, 'written')).toBeGreaterThanOrEqual(5);
        expect(await snapshots(b, 'restored')).toBe(1);
        expect(await snapshots(b, 'malformed')).toBe(0);
        // every sample published while no core ran reached B
        expect(b.server.ingest.handled).toBe(published - aHandled);
        expect(alertAt, 'responder alert on B').not.toBeNull();
        expect(alertAt!).toBeLessThanOrEqual(ALERT_BY);
        expect(takenOver()).toBe(0);
        // the watch sees a takeover: a client with the shared id connecting now takes the session from B
        const intruder = await tryConnect(mosq.url, mosq.username, mosq.password, 'odart-core-takeover');
        await until(() => takenOver() === 1);
        intruder.client.end(true);
        await dev.client.endAsync();
      } finally {
        for (const ts of open.splice(0)) await ts.close();
        await pg.dropDatabase(url);
      }
    },
    180_000,
  );
});
