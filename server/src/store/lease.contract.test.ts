// Contract suite of the core lease (store/lease.ts, issue 14) and of the fenced, SKIP LOCKED job claims
// (store/escalation-repo.ts) on both dialects: SQLite (a file, two connections) and PostgreSQL (one database,
// two pools). The lease is one compare-and-set: one holder at a time, the epoch bumped on each change of
// holder, a stale holder's renewals and claims change nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pgClient from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { describePostgres } from '../../../test/helpers/postgres.js';
import { alertRow, CONTRACT_T, seedWearer } from '../../../test/helpers/store-contract.js';
import { openDatabase } from './db.js';
import { createEscalationRepo } from './escalation-repo.js';
import { createLeaseRepo } from './lease.js';
import { createRepos, type Repos } from './repos.js';

const T = CONTRACT_T;
const LEASE = 6000;

interface Two {
  a: Repos;
  b: Repos;
  close(): Promise<void>;
}

async function seedJobs(r: Repos, n: number) {
  await seedWearer(r);
  await r.insertAlert({ ...alertRow('a1', 'resolved'), escalation_token: 1 });
  for (let i = 0; i < n; i++) {
    const id = `a1.1.step.${String(i).padStart(3, '0')}`;
    await r.esc.insertJob({ id, alert_id: 'a1', kind: 'step', step_index: i, due_at: T - 1000 + i, token: 1, created_at: T });
  }
}

export function leaseContract(name: string, open: () => Promise<Two>) {
  describe(`core lease contract: ${name}`, () => {
    let s: Two | null = null;
    afterEach(async () => {
      await s?.close();
      s = null;
    });

    it('one holder; renewals keep the epoch; a takeover after expiry bumps it; the old holder cannot renew', async () => {
      s = await open();
      const { a, b } = s;
      expect(await a.lease.read()).toMatchObject({ holder: null, epoch: 0 });
      const first = await a.lease.acquire('node-a', null, T, LEASE);
      expect(first).toMatchObject({ held: true, holder: 'node-a', epoch: 1, acquiredAt: T, expiresAt: T + LEASE });
      const refused = await b.lease.acquire('node-b', null, T + 1000, LEASE);
      expect(refused).toMatchObject({ held: false, holder: 'node-a', epoch: 1 });
      const renewed = await a.lease.acquire('node-a', 1, T + 2000, LEASE);
      expect(renewed).toMatchObject({ held: true, epoch: 1, acquiredAt: T, renewedAt: T + 2000, expiresAt: T + 2000 + LEASE });
      // still valid at T+7999: B waits
      expect((await b.lease.acquire('node-b', null, T + 2000 + LEASE - 1, LEASE)).held).toBe(false);
      // A stopped renewing: at expiry B takes it with a new epoch
      const taken = await b.lease.acquire('node-b', null, T + 2000 + LEASE, LEASE);
      expect(taken).toMatchObject({ held: true, holder: 'node-b', epoch: 2 });
      // A comes back with its old epoch: nothing changes
      const stale = await a.lease.acquire('node-a', 1, T + 9000, LEASE);
      expect(stale).toMatchObject({ held: false, holder: 'node-b', epoch: 2 });
      // a renewal by the holder with a wrong epoch is no renewal either
      expect((await b.lease.acquire('node-b', 1, T + 9000, LEASE)).held).toBe(false);
      // B lets go (orderly stop): A takes over at once, epoch 3
      expect(await b.lease.release({ nodeId: 'node-b', epoch: 2 }, T + 9500)).toBe(true);
      expect(await a.lease.acquire('node-a', 1, T + 9500, LEASE)).toMatchObject({ held: true, holder: 'node-a', epoch: 3 });
    });

    it('a node that re-acquires its own expired lease starts a new epoch', async () => {
      s = await open();
      await s.a.lease.acquire('node-a', null, T, LEASE);
      expect(await s.a.lease.acquire('node-a', 1, T + LEASE, LEASE)).toMatchObject({ held: true, epoch: 2 });
    });

    it('of two nodes acquiring at once, exactly one holds the lease', async () => {
      s = await open();
      const { a, b } = s;
      for (let round = 0; round < 5; round++) {
        const at = T + round * LEASE * 2;
        const res = await Promise.all([a.lease.acquire('node-a', null, at, LEASE), b.lease.acquire('node-b', null, at, LEASE)]);
        expect(res.filter((r) => r.held)).toHaveLength(1);
        expect(new Set(res.map((r) => r.epoch))).toEqual(new Set([round + 1]));
      }
    });

    it('a claim made with a stale epoch claims nothing (FencedWriteError)', async () => {
      s = await open();
      const { a, b } = s;
      await seedJobs(a, 3);
      await a.lease.acquire('node-a', null, T, LEASE);
      await b.lease.acquire('node-b', null, T + LEASE, LEASE); // A's lease ran out: B is the core, epoch 2
      const now = T + LEASE + 1;
      const [job] = await a.esc.dueJobs(now);
      const refused = expect.objectContaining({ name: 'FencedWriteError', op: 'job_claim' });
      await expect(a.esc.claimJob(job!, now, 30_000, { nodeId: 'node-a', epoch: 1 })).rejects.toEqual(refused);
      await expect(a.esc.claimDueJobs(now, 30_000, 10, { nodeId: 'node-a', epoch: 1 })).rejects.toEqual(refused);
      expect((await a.esc.jobById(job!.id))?.state).toBe('pending');
      // the current holder's claims go through
      expect((await b.esc.claimJob(job!, now, 30_000, { nodeId: 'node-b', epoch: 2 }))?.state).toBe('running');
      const rest = await b.esc.claimDueJobs(now, 30_000, 10, { nodeId: 'node-b', epoch: 2 });
      expect(rest.map((j) => j.step_index)).toEqual([1, 2]);
      expect(rest.every((j) => j.state === 'running' && j.attempts === 1 && j.lease_until === now + 30_000)).toBe(true);
      // an unfenced claim (the embedded single node) works as before: nothing left to claim
      expect(await b.esc.claimDueJobs(now, 30_000, 10)).toEqual([]);
    });

    it('concurrent claimers on two connections: every job claimed exactly once, none left while claimers asked', async () => {
      s = await open();
      const { a, b } = s;
      await seedJobs(a, 40);
      const now = T;
      // 20 claimers at once (alternating connections), 2 jobs each: exactly the 40 due jobs
      const claims = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).esc.claimDueJobs(now, 30_000, 2)));
      const ids = claims.flat().map((j) => j.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toHaveLength(40);
    });
  });
}

leaseContract('SQLite (file, two connections)', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'odart-lease-'));
  const one = await openDatabase(dir);
  const two = await openDatabase(dir);
  return {
    a: createRepos(one.db),
    b: createRepos(two.db),
    async close() {
      await one.close();
      await two.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describePostgres('PostgreSQL', (cluster) => {
  it('SKIP LOCKED: a claimer passes over the jobs another claim holds and does not wait for it', async () => {
    const pg = await cluster();
    const url = await pg.createDatabase();
    const one = await openDatabase('', url);
    const two = await openDatabase('', url);
    try {
      const a = createRepos(one.db);
      const b = createRepos(two.db);
      await seedJobs(a, 4);
      const seen = await one.db.transaction().execute(async (trx) => {
        // A's claim of the first two stays uncommitted (row locks held) while B claims
        const mine = await createEscalationRepo(trx).claimDueJobs(T, 30_000, 2);
        const theirs = await b.esc.claimDueJobs(T, 30_000, 2);
        return { mine: mine.map((j) => j.step_index), theirs: theirs.map((j) => j.step_index) };
      });
      expect(seen).toEqual({ mine: [0, 1], theirs: [2, 3] });
      expect((await a.esc.dueJobs(T)).length).toBe(0);
    } finally {
      await one.close();
      await two.close();
      await pg.dropDatabase(url);
    }
  });

  it('a core write waits for a takeover in flight and is refused once it commits (the lease row is read FOR SHARE)', async () => {
    const pg = await cluster();
    const url = await pg.createDatabase();
    const one = await openDatabase('', url);
    const two = await openDatabase('', url);
    const probe = new pgClient.Client({ connectionString: url });
    await probe.connect();
    let commit = () => {};
    try {
      const a = createRepos(one.db);
      await seedJobs(a, 1);
      await a.lease.acquire('node-a', null, T, LEASE);
      // B takes the lease at its expiry, in a transaction held open
      let acquired = false;
      const gate = new Promise<void>((resolve) => (commit = resolve));
      const takeover = two.db.transaction().execute(async (trx) => {
        const res = await createLeaseRepo(trx).acquire('node-b', null, T + LEASE, LEASE);
        acquired = true;
        await gate;
        return res;
      });
      while (!acquired) await new Promise<void>((resolve) => setImmediate(resolve));
      // A, whose own clock says its lease has a millisecond left, writes as the core meanwhile
      const at = T + LEASE - 1;
      let settled = false;
      const write = a
        .appendTimeline('a1', at, 'late', {}, { fence: { nodeId: 'node-a', epoch: 1 }, now: at })
        .then(
          () => 'stored',
          (err: Error) => err.name,
        )
        .finally(() => (settled = true));
      for (;;) {
        const r = await probe.query<{ n: number }>(`select count(*)::int as n from pg_locks where not granted`);
        if (r.rows[0]!.n > 0 || settled) break;
      }
      expect(settled).toBe(false);
      commit();
      expect(await takeover).toMatchObject({ held: true, holder: 'node-b', epoch: 2 });
      expect(await write).toBe('FencedWriteError');
      expect(await a.timeline('a1')).toEqual([]);
    } finally {
      commit();
      await probe.end();
      await one.close();
      await two.close();
      await pg.dropDatabase(url);
    }
  });

  leaseContract('PostgreSQL (one database, two pools)', async () => {
    const pg = await cluster();
    const url = await pg.createDatabase();
    const one = await openDatabase('', url);
    const two = await openDatabase('', url);
    return {
      a: createRepos(one.db),
      b: createRepos(two.db),
      async close() {
        await one.close();
        await two.close();
        await pg.dropDatabase(url);
      },
    };
  });
});
