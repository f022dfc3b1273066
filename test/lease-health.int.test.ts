// /healthz and /metrics tell the truth while lease attempts fail (issue 14): two real servers on one throwaway
// PostgreSQL, each on its own virtual clock. PostgreSQL starts refusing every lease UPDATE (a statement trigger: the
// lease row cannot be read as renewed or taken, by anyone). Neither node then knows who holds the lease: holder null,
// holderKnown false, lastHolder what it last saw, leaseFailures counting; the standby does not report the last holder's
// lease as a live core, and the active node reports none once it is past its own renew deadline. When PostgreSQL
// answers again, the holder is known again and the count starts over.
import { expect, it } from 'vitest';
import { usePgPair } from './helpers/pg-pair.js';
import { describePostgres } from './helpers/postgres.js';
import type { TestServer } from './helpers/server.js';

interface Health {
  role: string;
  holder: string | null;
  holderKnown: boolean;
  lastHolder: string | null;
  coreActive: boolean;
  leaseAgeMs: number | null;
  leaseFailures: number;
}
const health = async (ts: TestServer) => (await (await fetch(`${ts.base}/healthz`)).json()) as Health;

async function metric(ts: TestServer, name: string): Promise<number | undefined> {
  const line = (await (await fetch(`${ts.base}/metrics`)).text()).split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

/** Both clocks forward in 500 ms steps, letting each lease attempt finish. */
async function both(nodes: TestServer[], ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 500) {
    for (const ts of nodes) {
      ts.clock.advance(500);
      await ts.server.core.settled();
    }
  }
}

describePostgres('health while lease attempts fail (PostgreSQL refusing)', (cluster) => {
  const pair = usePgPair(cluster);

  it('reports the holder unknown, the last holder and the failures; no live core once the active node is past its deadline', async () => {
    const { a, b, sql } = pair;
    const nodes = [a, b];
    await both(nodes, 1000); // A renewed at T0 (deadline T0 + 4 s), B read it
    expect(await health(b)).toMatchObject({ role: 'standby', holder: 'node-a', holderKnown: true, coreActive: true, leaseFailures: 0 });
    expect(await metric(b, 'odart_core_holder_known')).toBe(1);
    expect(await metric(b, 'odart_core_lease_failures')).toBe(0);

    await sql.query(`CREATE FUNCTION refuse_lease() RETURNS trigger AS $$
      BEGIN RAISE EXCEPTION 'core lease refused (test)'; END $$ LANGUAGE plpgsql`);
    await sql.query('CREATE TRIGGER refuse_lease BEFORE UPDATE ON core_lease FOR EACH STATEMENT EXECUTE FUNCTION refuse_lease()');
    await both(nodes, 1500); // T0 + 2.5 s: one failed attempt each (at T0 + 2 s)
    const unknown = { holder: null, holderKnown: false, lastHolder: 'node-a', leaseFailures: 1 };
    // A still acts (its deadline, T0 + 4 s, has not passed): the core it is counts
    expect(await health(a)).toMatchObject({ ...unknown, role: 'active', coreActive: true });
    // B does not know who holds the lease now: it does not report A's last-read lease as a live core
    const hb = await health(b);
    expect(hb).toMatchObject({ ...unknown, role: 'standby', coreActive: false });
    expect(hb.leaseAgeMs).toBe(2500); // since its last good attempt, its first at T0
    expect(await metric(b, 'odart_core_holder_known')).toBe(0);
    expect(await metric(b, 'odart_core_seen')).toBe(0);
    expect(await metric(b, 'odart_core_lease_failures')).toBe(1);

    await both(nodes, 2000); // T0 + 4.5 s: A is past its renew deadline (its lease in the row runs to T0 + 6 s)
    const ha = await health(a);
    expect(ha).toMatchObject({
      holder: null,
      holderKnown: false,
      lastHolder: 'node-a',
      leaseFailures: 2,
      role: 'standby',
      coreActive: false,
    });
    expect(await metric(a, 'odart_core_active')).toBe(0);
    expect(await metric(a, 'odart_core_seen')).toBe(0);
    expect(await metric(a, 'odart_core_lease_failures')).toBe(2);

    // PostgreSQL answers again: after A's lease has run out (T0 + 6 s) one node takes it with a new epoch
    await sql.query('DROP TRIGGER refuse_lease ON core_lease');
    await both(nodes, 2000);
    for (const ts of nodes) {
      const h = await health(ts);
      expect(h).toMatchObject({ holderKnown: true, leaseFailures: 0, coreActive: true });
      expect(h.holder).toBe(h.lastHolder);
      expect(h.holder === 'node-a' || h.holder === 'node-b').toBe(true);
      expect(await metric(ts, 'odart_core_holder_known')).toBe(1);
    }
  }, 120_000);
});
