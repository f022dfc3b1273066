// Contract suite of the detector snapshots (store/snapshots.ts, issue 14) on both dialects: SQLite (a file, two
// connections) and PostgreSQL (one database, two pools). A snapshot row is replaced in place; a core write with a
// stale fencing epoch stores nothing (FencedWriteError), like every other core write.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describePostgres } from '../../../test/helpers/postgres.js';
import { CONTRACT_T } from '../../../test/helpers/store-contract.js';
import { openDatabase } from './db.js';
import { createRepos, type Repos } from './repos.js';

const T = CONTRACT_T;
const LEASE = 6000;

interface Two {
  a: Repos;
  b: Repos;
  close(): Promise<void>;
}

const row = (wearerId: string, at: number, data = '{"rules":{}}') => ({ wearerId, version: 1, at, data });

export function snapshotContract(name: string, open: () => Promise<Two>) {
  describe(`detector snapshot contract: ${name}`, () => {
    let s: Two | null = null;
    afterEach(async () => {
      await s?.close();
      s = null;
    });

    it('writes, replaces in place and reads back by wearer; a wearer without one has none', async () => {
      s = await open();
      const { a, b } = s;
      await a.snapshots.write([row('w1', T), row('w2', T, '{"rules":{"bradycardia":{"base":61}}}')]);
      await a.snapshots.write([row('w1', T + 60_000, '{"rules":{"rr-trend":{"rrBase":14}}}')]);
      const got = await b.snapshots.read(['w1', 'w2', 'w3']);
      expect([...got.keys()].sort()).toEqual(['w1', 'w2']);
      expect(got.get('w1')).toEqual(row('w1', T + 60_000, '{"rules":{"rr-trend":{"rrBase":14}}}'));
      expect(got.get('w2')?.data).toBe('{"rules":{"bradycardia":{"base":61}}}');
      await a.snapshots.remove('w2');
      expect([...(await b.snapshots.read(['w1', 'w2'])).keys()]).toEqual(['w1']);
      // retention: a snapshot not renewed since the cut-off goes
      await a.snapshots.write([row('w2', T)]);
      await a.snapshots.purgeBefore(T + 1);
      expect([...(await b.snapshots.read(['w1', 'w2'])).keys()]).toEqual(['w1']);
    });

    it('a snapshot written with a stale epoch stores nothing (FencedWriteError); the holder writes', async () => {
      s = await open();
      const { a, b } = s;
      await a.lease.acquire('node-a', null, T, LEASE);
      await a.snapshots.write([row('w1', T)], { fence: { nodeId: 'node-a', epoch: 1 }, now: T + 1000 });
      await b.lease.acquire('node-b', null, T + LEASE, LEASE); // A's lease ran out: B is the core, epoch 2
      const now = T + LEASE + 1;
      await expect(a.snapshots.write([row('w1', now), row('w2', now)], { fence: { nodeId: 'node-a', epoch: 1 }, now })).rejects.toEqual(
        expect.objectContaining({ name: 'FencedWriteError', op: 'snapshot_write' }),
      );
      // nothing of the refused batch landed: w1 keeps A's earlier one, w2 has none
      const after = await b.snapshots.read(['w1', 'w2']);
      expect([...after.keys()]).toEqual(['w1']);
      expect(after.get('w1')?.at).toBe(T);
      await b.snapshots.write([row('w1', now)], { fence: { nodeId: 'node-b', epoch: 2 }, now });
      expect((await a.snapshots.read(['w1'])).get('w1')?.at).toBe(now);
    });

    it('a batch of hundreds of wearers is one write (and one read)', async () => {
      s = await open();
      const ids = Array.from({ length: 1234 }, (_, i) => `w${i}`);
      await s.a.snapshots.write(ids.map((id) => row(id, T)));
      expect((await s.b.snapshots.read(ids)).size).toBe(1234);
    });
  });
}

snapshotContract('SQLite (file, two connections)', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'odart-snapshots-'));
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
  snapshotContract('PostgreSQL (one database, two pools)', async () => {
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
