// Every core write is fenced (issue 14): two real servers in one process on one throwaway PostgreSQL database,
// each on its own virtual clock. A holds the core lease, goes silent (its clock stops), and B takes over with a
// new epoch while A still believes it is the core (its renew deadline has not passed on its own clock). A's
// detector then decides an overdose: the store refuses the raise (nothing of it is stored), A counts it in
// `odart_fenced_writes_total{op}` and steps down at once. B raises the same decision and escalates it; a
// responder acknowledging over HTTP on A, now a standby, is not a core write and works.
// Then a core whose renewals fail while PostgreSQL still answers everything else (a trigger refuses A's lease
// UPDATE): A stops acting at its renew deadline, before its lease runs out, B takes over after expiry, and what A's
// detector decides in between is stored and paged once, by B.
import { expect, it } from 'vitest';
import type { WearerDecision } from '../server/src/detection/index.js';
import { usePgPair } from './helpers/pg-pair.js';
import { describePostgres } from './helpers/postgres.js';
import { api, login, type TestServer } from './helpers/server.js';

async function metric(ts: TestServer, re: RegExp): Promise<number> {
  const m = re.exec(await (await fetch(`${ts.base}/metrics`)).text());
  return m ? Number(m[1]) : 0;
}

/** Moves a node's clock forward in steps, letting each lease attempt finish. */
async function run(ts: TestServer, ms: number, step = 500): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    ts.clock.advance(Math.min(step, ms - t));
    await ts.server.core.settled();
  }
}

const overdose = (t: number): WearerDecision => ({
  kind: 'responder_alert',
  wearerId: 'demo-wearer',
  t,
  score: 90,
  reasons: ['test: no breathing for 30 s'],
  news2: null,
});

describePostgres('core writes across a takeover (two nodes on one PostgreSQL)', (cluster) => {
  const pair = usePgPair(cluster);

  it("a stale core's raise is refused, counted and ends its turn; the current core raises it; a person's ack works on the standby", async () => {
    const { a, b } = pair;
    expect(a.server.core.status()).toMatchObject({ role: 'active', epoch: 1 });
    // A goes silent; B takes the lease once it ran out (epoch 2). A's own clock says it may still act.
    for (let ms = 0; ms <= 10_000 && !b.server.core.active; ms += 500) await run(b, 500);
    expect(b.server.core.status()).toMatchObject({ role: 'active', epoch: 2, holder: 'node-b' });
    expect(a.server.core.active).toBe(true);
    expect(a.server.core.fence()).toEqual({ nodeId: 'node-a', epoch: 1 });

    // A's detector decides an overdose: the raise is refused by the store, nothing is stored, A steps down.
    await a.server.bus.publish('detection.decisions', { decisions: [overdose(a.clock.now())] });
    await a.server.alerts.idle();
    await a.server.core.settled();
    expect(await a.server.repos.openAlerts()).toEqual([]);
    expect(await metric(a, /odart_fenced_writes_total\{op="alert_insert"\} (\d+)/)).toBe(1);
    expect(await metric(a, /odart_alert_errors_total (\d+)/)).toBe(0);
    expect(a.server.core.active).toBe(false);
    expect((await (await fetch(`${a.base}/healthz`)).json()) as { role: string }).toMatchObject({ role: 'standby' });

    // B, the core, raises the same decision: the alert escalates and step 0 pages, all under epoch 2.
    await b.server.bus.publish('detection.decisions', { decisions: [overdose(b.clock.now())] });
    await b.server.alerts.idle();
    await b.server.escalator.idle();
    const [alert] = await b.server.repos.openAlerts();
    expect(alert).toMatchObject({ wearer_id: 'demo-wearer', state: 'escalating', escalation_token: 1 });
    expect((await b.server.repos.esc.notificationsForAlert(alert!.id)).filter((n) => n.kind === 'page').length).toBeGreaterThan(0);
    expect(await metric(b, /odart_fenced_writes_total\{op="[a-z_]+"\} (\d+)/)).toBe(0);

    // A responder acknowledges on A (a standby): people's writes carry no fence.
    const alex = await login(a.base, 'alex');
    const ack = await api<{ attending: boolean; alert: { state: string } }>(a.base, alex, 'POST', `/api/alerts/${alert!.id}/ack`, {});
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({ attending: true, alert: { state: 'acknowledged' } });
    expect((await b.server.repos.alertById(alert!.id))!.state).toBe('acknowledged');
    expect(await metric(a, /odart_fenced_writes_total\{op="alert_insert"\} (\d+)/)).toBe(1);
  }, 120_000);
});

describePostgres('a core whose lease renewals fail (two nodes on one PostgreSQL)', (cluster) => {
  const pair = usePgPair(cluster);

  it('A stops acting at its renew deadline, before its lease can pass; B takes over; the decision in between is acted on once, by B', async () => {
    const { a, b, sql } = pair;
    expect(a.server.core.status()).toMatchObject({ role: 'active', epoch: 1 });
    expect(b.server.core.status()).toMatchObject({ role: 'standby', holder: 'node-a' });
    // Both clocks move together; A renews every 2 s (CORE_LEASE_S 6).
    const both = async (ms: number) => {
      for (let t = 0; t < ms; t += 500) {
        await run(a, 500);
        await run(b, 500);
      }
    };
    await both(4000);
    expect(a.server.core.active && !b.server.core.active).toBe(true);
    // From now on PostgreSQL refuses A's lease UPDATE (reads and every other write still work).
    await sql.query(`CREATE FUNCTION refuse_node_a() RETURNS trigger AS $$
      BEGIN IF NEW.holder = 'node-a' THEN RAISE EXCEPTION 'lease renewal of node-a refused (test)'; END IF; RETURN NEW; END
      $$ LANGUAGE plpgsql`);
    await sql.query('CREATE TRIGGER refuse_node_a BEFORE UPDATE ON core_lease FOR EACH ROW EXECUTE FUNCTION refuse_node_a()');
    const lease = (await sql.query<{ expires_at: string }>('SELECT expires_at FROM core_lease')).rows[0]!;
    const expiresAt = Number(lease.expires_at);
    const deadline = expiresAt - 2000; // its last good renewal + lease - renew interval
    let stoppedAt: number | null = null;
    while (a.clock.now() < expiresAt) {
      await both(500);
      if (stoppedAt === null && !a.server.core.active) stoppedAt = a.clock.now();
      if (a.clock.now() < deadline) expect(a.server.core.active).toBe(true);
    }
    expect(stoppedAt).toBe(deadline);
    // Between A's deadline and its lease's expiry nobody is the core: what A decides then is not stored (its
    // fence names no lease), although the row still names A with an unexpired lease.
    expect(a.clock.now()).toBeLessThan(expiresAt + 500);
    await a.server.bus.publish('detection.decisions', { decisions: [overdose(a.clock.now())] });
    await a.server.alerts.idle();
    await a.server.escalator.idle();
    expect(await a.server.repos.openAlerts()).toEqual([]);
    for (let ms = 0; ms < 4000 && !b.server.core.active; ms += 500) await both(500);
    expect(b.server.core.status()).toMatchObject({ role: 'active', epoch: 2, holder: 'node-b' });
    expect(a.server.core.status()).toMatchObject({ role: 'standby', epoch: null });
    expect(await metric(b, /odart_fenced_writes_total\{op="[a-z_]+"\} (\d+)/)).toBe(0);
    // B decides the same and acts on it: one alert, each page stored once
    await b.server.bus.publish('detection.decisions', { decisions: [overdose(b.clock.now())] });
    await b.server.alerts.idle();
    await b.server.escalator.idle();
    const alerts = await b.server.repos.openAlerts();
    expect(alerts).toHaveLength(1);
    const pages = (await b.server.repos.esc.notificationsForAlert(alerts[0]!.id)).filter((n) => n.kind === 'page');
    expect(pages.length).toBeGreaterThan(0);
    expect(new Set(pages.map((n) => n.idempotency_key)).size).toBe(pages.length);
  }, 120_000);
});
