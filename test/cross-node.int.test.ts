// Events across nodes (issue 14): two real servers (two HTTP ports, two embedded brokers, one virtual clock)
// on one throwaway PostgreSQL, their buses joined by LISTEN/NOTIFY (events/cluster-bus.ts, store/pg-notify.ts).
// An admin change on B reaches A's caches, an alert raised on A reaches a responder's /api/live on B and an
// ack on B is seen on A (each live message once on each node), an app page from the core on A to a responder
// connected only to B counts as delivered (live.presence) and B's "seen" spares the reminder, and a LISTEN connection killed with
// pg_terminate_backend comes back, reloads the caches (what was missed in the gap) and hears the next event.
// Nothing waits on a timer: on events, promises and the event loop.
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type WebSocket from 'ws';
import type { EventName, Events } from '../server/src/events/index.js';
import { VirtualClock } from '../server/src/clock.js';
import type { VirtualDevice } from '../simulator/src/devices.js';
import { describePostgres, type PgCluster } from './helpers/postgres.js';
import {
  CSRF,
  api,
  connectDemoDevices,
  disconnectAll,
  driveDemoOverdose,
  liveClient,
  login,
  startTestServer,
  T0,
  until,
  type TestServer,
} from './helpers/server.js';

type Live = Awaited<ReturnType<typeof liveClient>>;
type LiveMessage = Live['messages'][number];

/** Resolves with the next `name` that reached `ts` from another node (subscribe before causing it). */
function nextRemote<K extends EventName>(ts: TestServer, name: K, pred: (p: Events[K]) => boolean = () => true): Promise<Events[K]> {
  return new Promise((resolve) => {
    const off = ts.server.bus.subscribe(name, (p, from) => {
      if (!from.remote || !pred(p)) return;
      off();
      resolve(p);
    });
  });
}

/** Resolves with the first message (already received or next) that matches. */
function liveMessage(c: Live, pred: (m: LiveMessage) => boolean): Promise<LiveMessage> {
  const seen = c.messages.find(pred);
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve) => {
    const on = (data: WebSocket.RawData) => {
      const m = JSON.parse(String(data)) as LiveMessage;
      if (!pred(m)) return;
      c.ws.off('message', on);
      resolve(m);
    };
    c.ws.on('message', on);
  });
}

const alertMessages = (c: Live, alertId: string) =>
  c.messages
    .filter((m) => (m.type === 'alert' || m.type === 'page') && (m.alert as { id: string } | undefined)?.id === alertId)
    .map((m) => `${m.type}:${String(m.change ?? m.step)}`);

async function metric(ts: TestServer, re: RegExp): Promise<number> {
  const m = re.exec(await (await fetch(`${ts.base}/metrics`)).text());
  return m ? Number(m[1]) : 0;
}

async function publishVitals(ts: TestServer, device: VirtualDevice): Promise<void> {
  const before = ts.server.ingest.handled;
  await device.client.publishAsync('odart/v1/devices/demo-wrist/vitals', JSON.stringify({ hr: 70, spo2: 97, rr: 14, onBody: true }), {
    qos: 1,
  });
  await until(() => ts.server.ingest.handled > before);
}

/** Opts the demo wearer out through their personal link, all on node `ts` (admin link, then the wearer's page). */
async function optOutOn(ts: TestServer): Promise<void> {
  const admin = await login(ts.base, 'admin');
  const link = await api<{ url: string }>(ts.base, admin, 'POST', '/api/admin/wearers/demo-wearer/consent-link', {});
  expect(link.status).toBe(200);
  const res = await fetch(`${ts.base}/api/consent/act`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...CSRF },
    body: JSON.stringify({ token: link.body.url.split('/').pop()!, action: 'opt_out' }),
  });
  expect(res.status).toBe(200);
}

describePostgres('events across nodes (two servers on one PostgreSQL)', (cluster) => {
  let pgc: PgCluster;
  let url: string;
  let a: TestServer;
  let b: TestServer;
  let devicesOnA: Map<string, VirtualDevice>;

  beforeAll(async () => {
    pgc = await cluster();
    url = await pgc.createDatabase();
    // One virtual clock for both, as NTP keeps real nodes' clocks together: B's timers (its presence every 5 s)
    // run while a test moves A's time on.
    const clock = new VirtualClock(T0);
    a = await startTestServer({ env: { DATABASE_URL: url }, clock });
    b = await startTestServer({ env: { DATABASE_URL: url }, clock });
    devicesOnA = await connectDemoDevices(a);
  }, 120_000);

  afterAll(async () => {
    if (devicesOnA) await disconnectAll(devicesOnA);
    await b?.close();
    await a?.close();
    if (url) await pgc.dropDatabase(url);
  }, 60_000);

  it('joins both nodes: distinct node ids, each LISTENing on its own connection', () => {
    expect(a.server.crossNode).not.toBeNull();
    expect(b.server.crossNode).not.toBeNull();
    expect(a.server.crossNode!.nodeId).not.toBe(b.server.crossNode!.nodeId);
    expect(a.server.crossNode!.transport.backendPid).not.toBe(b.server.crossNode!.transport.backendPid);
  });

  it('an alert raised on A reaches a responder on B live; the ack on B is seen on A; every live message once on each node', async () => {
    const alexA = await login(a.base, 'alex');
    const alexB = await login(b.base, 'alex');
    const onA = await liveClient(a.base, alexA);
    const onB = await liveClient(b.base, alexB);
    try {
      const alertId = await driveDemoOverdose(a, devicesOnA, alexA, 7);
      // B did no detection: the alert came over the bus as live messages
      expect(b.server.ingest.handled).toBe(0);
      await liveMessage(onB, (m) => m.type === 'alert' && m.change === 'escalating' && (m.alert as { id: string }).id === alertId);

      const seenOnA = liveMessage(
        onA,
        (m) => m.type === 'alert' && m.change === 'acknowledged' && (m.alert as { id: string }).id === alertId,
      );
      const ack = await api<{ attending: boolean; alert: { state: string } }>(b.base, alexB, 'POST', `/api/alerts/${alertId}/ack`, {});
      expect(ack.status).toBe(200);
      expect(ack.body).toMatchObject({ attending: true, alert: { state: 'acknowledged' } });
      expect(await seenOnA).toMatchObject({ alert: { state: 'acknowledged', attendingResponderId: 'alex' } });
      // A's own view of the alert (its store is the same database)
      expect((await api<{ state: string }>(a.base, alexA, 'GET', `/api/alerts/${alertId}`)).body.state).toBe('acknowledged');

      // Both of alex's connections got the same messages about this alert, none twice: a bus event that turns
      // into live messages stays on its node, only `live.sent` crosses.
      await a.server.bus.idle();
      await b.server.bus.idle();
      await until(() => alertMessages(onB, alertId).length >= alertMessages(onA, alertId).length);
      expect(alertMessages(onA, alertId)).toContain('alert:acknowledged');
      expect(alertMessages(onB, alertId)).toEqual(alertMessages(onA, alertId));
      expect(await metric(b, /odart_cluster_events_received_total\{event="live.sent"\} (\d+)/)).toBeGreaterThan(0);
      expect(await metric(a, /odart_cluster_events_sent_total\{event="live.sent"\} (\d+)/)).toBeGreaterThan(0);
      expect(await metric(a, /odart_cluster_events_received_total\{event="live.sent"\} (\d+)/)).toBeGreaterThan(0);
      expect(a.server.crossNode!.bus.stats.dropped + b.server.crossNode!.bus.stats.dropped).toBe(0);
      // and the cancel: resolve on B so the episode closes on A's detector too
      const closed = nextRemote(a, 'alert.episodeClosed');
      expect((await api(b.base, alexB, 'POST', `/api/alerts/${alertId}/resolve`, { outcome: 'overdose_naloxone_given' })).status).toBe(200);
      expect(await closed).toEqual({ wearerId: 'demo-wearer' });
    } finally {
      onA.ws.close();
      onB.ws.close();
    }
  }, 120_000);

  it("an app page from the core on A reaches a responder connected only to B, counts as delivered there, and B's seen spares the reminder SMS", async () => {
    const alexA = await login(a.base, 'alex');
    const alexB = await login(b.base, 'alex');
    const onB = await liveClient(b.base, alexB);
    try {
      // A hears from B that alex has the app open there (live.presence), and has no connection of alex itself
      await until(() => a.server.live.connectionsElsewhere('alex') === 1);
      expect(a.server.live.connectionsOf('alex')).toBe(0);
      expect(a.server.core.active).toBe(true);
      const alertId = await driveDemoOverdose(a, devicesOnA, alexA, 11);
      await liveMessage(onB, (m) => m.type === 'page' && (m.alert as { id: string }).id === alertId);
      await a.server.escalator.idle();
      const appPage = async () =>
        (await a.server.repos.esc.notificationsForAlert(alertId)).find(
          (n) => n.channel === 'app' && n.user_id === 'alex' && n.kind === 'page',
        );
      expect(await appPage()).toMatchObject({ step_index: 0, state: 'sent', status: 'delivered', error_code: null });
      const notified = (await a.server.repos.timeline(alertId)).find((e) => e.type === 'notified' && e.data.channel === 'app');
      expect(notified?.data).toMatchObject({ target: 'responder:alex', result: 'delivered', connections: 1 });

      // alex's app says it saw the page, to B: the shared row is marked, the timeline says so
      onB.ws.send(JSON.stringify({ type: 'seen', alertId }));
      await until(async () => (await a.server.repos.timeline(alertId)).some((e) => e.type === 'seen'));
      expect((await appPage())?.status).toBe('seen');
      expect((await a.server.repos.timeline(alertId)).filter((e) => e.type === 'seen').map((e) => e.data)).toEqual([
        { by: 'alex', via: 'live', step: 0 },
      ]);
      // the step's seen check (PAGE_REMINDER_S, 30 s) on the core texts nobody who saw it
      for (let t = 0; t < 31_000; t += 1000) {
        a.clock.advance(1000);
        await a.server.core.settled();
        await b.server.core.settled();
      }
      await a.server.escalator.runDue();
      await a.server.escalator.idle();
      const timeline = await a.server.repos.timeline(alertId);
      expect(timeline.some((e) => e.type === 'escalation_step' && e.data.step === 0)).toBe(true);
      expect(timeline.filter((e) => e.type === 'reminder_sms')).toEqual([]);
      const check = (await a.server.repos.esc.jobsForAlert(alertId)).find((j) => j.kind === 'seen_check' && j.step_index === 0);
      expect(check?.state).toBe('done');
      expect(a.server.core.active).toBe(true);

      const closed = nextRemote(a, 'alert.episodeClosed');
      expect((await api(b.base, alexB, 'POST', `/api/alerts/${alertId}/resolve`, { outcome: 'overdose_naloxone_given' })).status).toBe(200);
      await closed;
    } finally {
      onB.ws.close();
    }
    // B says alex's connection is gone: A counts none
    await until(() => a.server.live.connectionsElsewhere('alex') === 0);
  }, 120_000);

  it("a sign-out on B closes that sign-in's live connection on A, and only that one", async () => {
    const first = await login(a.base, 'sam');
    const second = await login(a.base, 'sam');
    const ended = await liveClient(a.base, first);
    const kept = await liveClient(a.base, second);
    try {
      const closed = new Promise<number>((resolve) => ended.ws.once('close', (code) => resolve(code)));
      const out = await fetch(`${b.base}/api/auth/logout`, { method: 'POST', headers: { cookie: first, ...CSRF } });
      expect(out.status).toBeLessThan(300);
      expect(await closed).toBe(4401);
      expect(kept.ws.readyState).toBe(kept.ws.OPEN);
    } finally {
      ended.ws.close();
      kept.ws.close();
    }
  }, 60_000);

  it("consent withdrawn on B: A's ingest treats the wearer as not monitored at once", async () => {
    const wrist = devicesOnA.get('demo-wrist')!;
    const accepted = /odart_mqtt_messages_total\{stream="vitals"\} (\d+)/;
    const refused = /odart_mqtt_dropped_total\{reason="no_consent"\} (\d+)/;
    const before = await metric(a, accepted);
    await publishVitals(a, wrist);
    expect(await metric(a, accepted)).toBe(before + 1);

    const applied = nextRemote(a, 'consent.applied');
    await optOutOn(b);
    expect(await applied).toEqual({ wearerId: 'demo-wearer' });
    await a.server.bus.idle();
    const dropped = await metric(a, refused);
    await publishVitals(a, wrist);
    expect(await metric(a, refused)).toBe(dropped + 1);
    expect(await metric(a, accepted)).toBe(before + 1);
  }, 60_000);

  it('a LISTEN connection killed by pg_terminate_backend reconnects, reloads what it missed, and hears the next event', async () => {
    const wrist = devicesOnA.get('demo-wrist')!;
    const accepted = /odart_mqtt_messages_total\{stream="vitals"\} (\d+)/;
    const node = a.server.crossNode!;
    const killedPid = node.transport.backendPid!;
    const sql = new pg.Client({ connectionString: url });
    await sql.connect();
    try {
      // A change that A never hears of (as if told while A was not listening): the wearer opted in again.
      await sql.query(`update wearers set consent = 'active' where id = 'demo-wearer'`);
      const resynced = node.bus.nextResync();
      const killed = await sql.query<{ ok: boolean }>('select pg_terminate_backend($1) as ok', [killedPid]);
      expect(killed.rows[0]!.ok).toBe(true);
      await resynced;
      expect(node.transport.backendPid).not.toBeNull();
      expect(node.transport.backendPid).not.toBe(killedPid);
      expect(await metric(a, /odart_cluster_bus_reconnects_total (\d+)/)).toBe(1);

      // The reload found the change made in the gap: A monitors the wearer again.
      const before = await metric(a, accepted);
      await publishVitals(a, wrist);
      expect(await metric(a, accepted)).toBe(before + 1);

      // And the next event from B still arrives on the new connection.
      const applied = nextRemote(a, 'consent.applied');
      await optOutOn(b);
      expect(await applied).toEqual({ wearerId: 'demo-wearer' });
    } finally {
      await sql.end();
    }
  }, 60_000);
});
