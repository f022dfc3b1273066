// A rebuild read that times out (issue 14): with CORE_LEASE_S=3 each PostgreSQL query is bounded at 2 s (the renew
// window), and one page of a new core's detector rebuild read past it (a lock, a slow moment) failed the whole
// rebuild: that page's wearers and every later page's were left with empty detectors, said only as "detector rebuild
// failed". Now the page is read once more after the others, and what could not be read is counted and listed.
// Real PostgreSQL and the real vitals store; another session holds an ACCESS EXCLUSIVE lock on vitals_blocks while
// one page is read, so that read waits past the store's bound (pg's own timer, real time: a short bound here).
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DeviceMessage } from '@odart/protocol';
import { DetectionEngine } from '../server/src/detection/index.js';
import { rebuildDetectors } from '../server/src/ingest/index.js';
import { openStore, type Store } from '../server/src/store/index.js';
import type { VitalsStore } from '../server/src/store/vitals.js';
import { describePostgres, type PgCluster } from './helpers/postgres.js';

const TIMEOUT_MS = 300;
const WEARERS = 600; // three pages of 200
const NOW = Date.UTC(2026, 0, 1, 12);
const ids = Array.from({ length: WEARERS }, (_, i) => `w${String(i).padStart(3, '0')}`);

describePostgres('a new core whose rebuild read times out', (cluster) => {
  let pgc: PgCluster;
  let url: string;
  let store: Store;
  let vitals: VitalsStore;
  let locker: pg.Client;
  let timeouts = 0;

  beforeAll(async () => {
    pgc = await cluster();
    url = await pgc.createDatabase();
    store = await openStore(':memory:', url, { queryTimeoutMs: TIMEOUT_MS, onQueryTimeout: () => timeouts++ });
    vitals = store.vitals((err) => {
      throw err;
    });
    // 30 s of 1 Hz wearable vitals per wearer, through the real block writer
    for (let t = NOW - 30_000; t < NOW; t += 1000) {
      for (const [i, id] of ids.entries()) {
        const msg = { stream: 'vitals', data: { hr: 70, spo2: 97, rr: 14, activity: 0, onBody: true } } as DeviceMessage;
        vitals.record(id, `d${i}`, msg, t);
      }
      await vitals.idle();
    }
    await vitals.flush();
    locker = new pg.Client({ connectionString: url });
    await locker.connect();
  }, 60_000);

  afterAll(async () => {
    await locker?.end();
    vitals?.stop();
    await store?.close();
    if (url) await pgc.dropDatabase(url);
  }, 60_000);

  /** pages (their first wearers) whose stored samples were read */
  const read: string[] = [];
  /** What server.ts gives the rebuild, on this store; `beforeRead` runs before each page's read of stored samples. */
  const rebuild = (engine: DetectionEngine, beforeRead: (first: string) => Promise<void>, failed: string[], onFailed = () => {}) =>
    rebuildDetectors({
      engine,
      now: NOW,
      windows: async (page, from, to) => {
        await beforeRead(page[0]!);
        const got = await vitals.windows(page, from, to);
        read.push(page[0]!);
        return got;
      },
      snapshots: (page) => store.repos.snapshots.read(page),
      readFailed: (err) => {
        failed.push((err as Error).message);
        onFailed();
      },
      wearers: () => ids,
      openAlert: async (id) => (await store.repos.openAlertForWearer(id))?.state ?? null,
      closedSince: async () => [],
    });

  it("one page's read times out: it is read again after the others, and every wearer is rebuilt", async () => {
    const engine = new DetectionEngine();
    const failed: string[] = [];
    let releaseLock = () => {};
    const lockReleased = new Promise<void>((resolve) => (releaseLock = resolve));
    let locked = false;
    const t0 = timeouts;
    const res = await rebuild(
      engine,
      async (first) => {
        if (first === 'w000') return;
        if (first === 'w200' && !locked) {
          // page 1 reads unhindered; page 2 reads under the lock (once page 1's read is done: it would block it too)
          locked = true;
          while (!read.includes('w000')) await new Promise((resolve) => setImmediate(resolve));
          await locker.query('begin');
          await locker.query('lock table vitals_blocks in access exclusive mode');
          return;
        }
        // page 3 (read ahead while page 2 waits) reads once the lock is gone, so only page 2's read fails
        await lockReleased;
      },
      failed,
      // the lock is let go once the read under it has timed out
      () => void locker.query('rollback').then(releaseLock),
    );
    expect(failed).toEqual([expect.stringContaining(`PostgreSQL did not answer within ${TIMEOUT_MS} ms`)]);
    expect(timeouts - t0).toBe(1);
    // page 2 read again after page 3
    expect(read.slice(-3)).toEqual(['w000', 'w400', 'w200']);
    expect(res).toMatchObject({ wearers: WEARERS, samples: WEARERS * 30, failedReads: 1, unrebuilt: [], unchecked: [] });
    expect([...engine.ids()].sort()).toEqual(ids);
  });

  it('the database answers no read: the rebuild ends after a few failed reads, every wearer listed as not rebuilt', async () => {
    const engine = new DetectionEngine();
    const failed: string[] = [];
    await locker.query('begin');
    await locker.query('lock table vitals_blocks in access exclusive mode');
    try {
      const res = await rebuild(engine, () => Promise.resolve(), failed);
      expect(res.wearers).toBe(0);
      expect(engine.size).toBe(0);
      expect(res.failedReads).toBeGreaterThanOrEqual(1);
      expect(failed.length).toBe(res.failedReads);
      expect([...res.unrebuilt].sort()).toEqual(ids);
    } finally {
      await locker.query('rollback');
    }
  });
});
