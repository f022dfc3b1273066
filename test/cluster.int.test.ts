// Node roles (issue 14): two real servers in one process on one throwaway PostgreSQL database, each on its own
// virtual clock. The first holds the core lease (epoch 1) and is the active core; the second serves HTTP as a
// standby. /healthz and /metrics say which is which; when the active node stops renewing, the standby takes over
// within 10 s with a new epoch and the old node, once it notices, steps down. The embedded single node is active.
import { afterEach, expect, it } from 'vitest';
import { VirtualClock } from '../server/src/clock.js';
import { describePostgres } from './helpers/postgres.js';
import { startTestServer, T0, type TestServer } from './helpers/server.js';

interface Health {
  status: string;
  role: string;
  nodeId: string;
  epoch: number | null;
  holder: string | null;
  coreActive: boolean;
  leaseAgeMs: number | null;
}

async function health(ts: TestServer): Promise<Health> {
  return (await fetch(`${ts.base}/healthz`)).json() as Promise<Health>;
}

async function metric(ts: TestServer, name: string): Promise<number> {
  const text = await (await fetch(`${ts.base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1]);
}

/** Moves a node's clock forward in renewal-sized steps, letting each lease attempt finish. */
async function run(ts: TestServer, ms: number, step = 1000): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    ts.clock.advance(Math.min(step, ms - t));
    await ts.server.core.settled();
  }
}

const open: TestServer[] = [];
afterEach(async () => {
  for (const ts of open.splice(0)) await ts.close();
});

it('the embedded single node is the active core', async () => {
  const ts = await startTestServer();
  open.push(ts);
  expect(await health(ts)).toMatchObject({ status: 'ok', role: 'active', epoch: null, coreActive: true });
  expect(await metric(ts, 'odart_core_active')).toBe(1);
});

describePostgres('two nodes on one PostgreSQL', (cluster) => {
  it('one active core, one standby; the standby takes over within 10 s of the active node going silent', async () => {
    const pg = await cluster();
    const url = await pg.createDatabase();
    try {
      const a = await startTestServer({ env: { DATABASE_URL: url, NODE_ID: 'node-a' }, clock: new VirtualClock(T0) });
      open.push(a);
      const b = await startTestServer({ env: { DATABASE_URL: url, NODE_ID: 'node-b' }, clock: new VirtualClock(T0) });
      open.push(b);
      expect(await health(a)).toMatchObject({ status: 'ok', role: 'active', nodeId: 'node-a', epoch: 1, coreActive: true });
      expect(await health(b)).toMatchObject({
        status: 'ok',
        role: 'standby',
        nodeId: 'node-b',
        epoch: null,
        holder: 'node-a',
        coreActive: true,
      });
      expect(await metric(a, 'odart_core_active')).toBe(1);
      expect(await metric(b, 'odart_core_active')).toBe(0);
      expect(await metric(a, 'odart_core_epoch')).toBe(1);

      // both renew side by side: the roles hold
      for (let i = 0; i < 5; i++) {
        await run(a, 1000);
        await run(b, 1000);
      }
      expect(a.server.core.active).toBe(true);
      expect(b.server.core.active).toBe(false);

      // A goes silent (its clock stops: no renewals). B takes over once A's lease has run out: within 10 s.
      const silentAt = b.clock.now();
      let tookOver: number | null = null;
      for (let ms = 0; ms <= 10_000 && tookOver === null; ms += 500) {
        await run(b, 500);
        if (b.server.core.active) tookOver = b.clock.now() - silentAt;
      }
      expect(tookOver).not.toBeNull();
      expect(tookOver!).toBeLessThanOrEqual(10_000);
      expect(await health(b)).toMatchObject({ role: 'active', epoch: 2, holder: 'node-b' });
      // A's escalation claims are fenced off (its epoch is stale), and at its next attempt it steps down
      await expect(a.server.repos.esc.claimDueJobs(a.clock.now(), 30_000, 10, a.server.core.fence())).rejects.toMatchObject({
        name: 'FencedWriteError',
        op: 'job_claim',
      });
      await run(a, 2000);
      expect(a.server.core.active).toBe(false);
      expect(await health(a)).toMatchObject({ role: 'standby', holder: 'node-b', coreActive: true });

      // B shuts down in order: it lets the lease go and A takes over at its next attempt, epoch 3
      open.splice(open.indexOf(b), 1);
      await b.close();
      await run(a, 2000);
      expect(await health(a)).toMatchObject({ role: 'active', epoch: 3 });
    } finally {
      for (const ts of open.splice(0)) await ts.close();
      await pg.dropDatabase(url);
    }
  }, 120_000);
});
