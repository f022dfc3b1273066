// The raw-vitals block store against real SQLite and PostgreSQL: every sample comes back in time order whether it is
// still in memory or written, blocks stay within their limits, retention and erasure, the room lookup,
// and the 0006 migration carrying one-row-per-sample data over.
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describePostgres } from '../../../test/helpers/postgres.js';
import { openDatabase, type OpenedDb } from './db.js';
import { migrateTo, migrateToLatest } from './migrations.js';
import type { DB } from './schema.js';
import { BLOCK_SAMPLES, BLOCK_SPAN_MS, sqliteOrdersAggregates, VitalsStore } from './vitals.js';

const T0 = Date.UTC(2026, 10, 21, 12);
const vitals = (hr: number) => ({ stream: 'vitals' as const, data: { hr, spo2: 97, rr: 14, activity: 3, onBody: true } });
const presence = (occupied: boolean) => ({ stream: 'presence' as const, data: { occupied, motion: 0.5 } });

let opened: OpenedDb;
let drop: () => Promise<void>;
let store: VitalsStore;
const errors: unknown[] = [];

const rows = async () => opened.db.selectFrom('vitals_blocks').selectAll().execute();

function vitalsBlockStore(name: string, open: () => Promise<{ opened: OpenedDb; drop(): Promise<void> }>) {
  describe(`vitals block store: ${name}`, () => {
    beforeEach(async () => {
      ({ opened, drop } = await open());
      errors.length = 0;
      store = new VitalsStore(
        opened.db,
        (e) => errors.push(e),
        () => 1,
      ); // first blocks full length, for exact counts
    });
    afterEach(async () => {
      store.stop();
      await opened.close();
      await drop();
      expect(errors).toEqual([]);
    });

    it('returns every sample in time order, before and after it is written, with far fewer rows than samples', async () => {
      for (let i = 0; i < 300; i++) {
        store.record('w1', 'wrist', vitals(60 + (i % 40)), T0 + i * 1000);
        if (i % 5 === 0) store.record('w1', 'room', presence(i % 10 === 0), T0 + i * 1000 + 1);
        store.record('w2', 'wrist2', vitals(80), T0 + i * 1000);
      }
      const before = await store.window('w1', T0, T0 + 299_000);
      expect(before).toHaveLength(360);
      expect(before.filter((p) => p.stream === 'vitals').map((p) => p.hr)).toEqual(Array.from({ length: 300 }, (_, i) => 60 + (i % 40)));
      expect(before.map((p) => p.t)).toEqual([...before.map((p) => p.t)].sort((a, b) => a - b));
      expect(before[1]).toEqual({
        t: T0 + 1,
        deviceId: 'room',
        stream: 'presence',
        hr: null,
        spo2: null,
        rr: null,
        activity: null,
        onBody: null,
        occupied: true,
        motion: 0.5,
      });
      expect(before[0]).toMatchObject({ t: T0, deviceId: 'wrist', hr: 60, spo2: 97, rr: 14, activity: 3, onBody: true, occupied: null });

      await store.flush();
      expect(await store.window('w1', T0, T0 + 299_000)).toEqual(before);
      const stored = await rows();
      // 300 s of 1 Hz vitals in 30 s blocks for two wearers, plus presence: 10 + 10 + 10 rows, not 660
      expect(stored.length).toBeLessThanOrEqual(33);
      expect(stored.reduce((s, r) => s + r.n, 0)).toBe(660);
      // a sub-window cuts inside blocks
      const mid = await store.window('w1', T0 + 100_000, T0 + 109_999);
      expect(mid.filter((p) => p.stream === 'vitals').map((p) => p.t)).toEqual(
        Array.from({ length: 10 }, (_, i) => T0 + 100_000 + i * 1000),
      );
    });

    it('windows(): many wearers in one read, one stored row per device stream, the same samples as window() of each', async () => {
      const s = new VitalsStore(
        opened.db,
        (e) => errors.push(e),
        () => 1,
        4_000,
      );
      try {
        for (let i = 0; i < 120; i++) {
          for (const w of ['w1', 'w2', 'w3']) s.record(w, `${w}-wrist`, vitals(60 + (i % 30)), T0 + i * 1000);
          // w1 also has a room sensor; its presence comes 1 ms after the wrist, and one sample arrives late (out of order)
          if (i % 3 === 0) s.record('w1', 'w1-room', presence(i % 2 === 0), T0 + i * 1000 + 1);
        }
        s.record('w1', 'w1-wrist', vitals(99), T0 + 50_500);
        await s.flush();
        // some samples still in memory: the read merges them
        for (let i = 120; i < 125; i++) s.record('w2', 'w2-wrist', vitals(70), T0 + i * 1000);
        const from = T0 + 10_500; // inside a block
        const to = T0 + 122_000;
        const rowsBefore = s.windowsRows;
        const got = await s.windows(['w1', 'w2', 'w3', 'nobody'], from, to);
        // 4 s blocks: 30 stored blocks of each stream, read as one row per device stream (w1 wrist and room, w2, w3)
        expect(s.windowsRows - rowsBefore).toBe(4);
        expect([...got.keys()]).toEqual(['w1', 'w2', 'w3', 'nobody']);
        expect(got.get('nobody')).toEqual([]);
        for (const w of ['w1', 'w2', 'w3']) expect(got.get(w)).toEqual(await s.window(w, from, to));
        const w1 = got.get('w1')!;
        expect(w1.filter((p) => p.stream === 'presence')).toHaveLength(36);
        expect(w1.filter((p) => p.stream === 'vitals').map((p) => p.hr)).toContain(99);
        expect(w1.map((p) => p.t)).toEqual([...w1.map((p) => p.t)].sort((a, b) => a - b));
        expect(got.get('w2')!.at(-1)).toMatchObject({ t: T0 + 122_000, hr: 70 });
        expect(got.get('w3')!.map((p) => p.t)).toEqual(Array.from({ length: 109 }, (_, i) => T0 + 11_000 + i * 1000));
        // one row per block (old SQLite, the bench's A/B): the same samples
        s.windowsQuery = 'per-block';
        expect(await s.windows(['w1', 'w2', 'w3', 'nobody'], from, to)).toEqual(got);
      } finally {
        s.stop();
      }
    });

    it("ends a stream's first block early at random, so devices connected together do not write in step", async () => {
      const s = new VitalsStore(
        opened.db,
        (e) => errors.push(e),
        () => 0,
      );
      for (let i = 0; i < 40; i++) s.record('w1', 'wrist', vitals(70), T0 + i * 1000);
      await s.flush();
      s.stop();
      expect((await rows()).map((r) => r.n)).toEqual([6, 30, 4]); // 20% of 30 s, then full blocks
    });

    it('keeps blocks within 64 samples and 30 s, and places late samples at their own time', async () => {
      for (let i = 0; i < 1000; i++) store.record('w1', 'wrist', vitals(70), T0 + i * 100); // 10 Hz
      store.record('w1', 'wrist', vitals(55), T0 - 3600_000); // store-and-forward, an hour old
      await store.flush();
      for (const r of await rows()) {
        expect(r.n).toBeLessThanOrEqual(BLOCK_SAMPLES);
        expect(Number(r.t_max) - Number(r.t_min)).toBeLessThanOrEqual(BLOCK_SPAN_MS);
      }
      const all = await store.window('w1', 0, Number.MAX_SAFE_INTEGER);
      expect(all).toHaveLength(1001);
      expect(all[0]).toMatchObject({ t: T0 - 3600_000, hr: 55 });
    });

    it('a device gone quiet has its block written by the sweep', async () => {
      store.record('w1', 'wrist', vitals(70), T0);
      store.sweep();
      expect(await rows()).toHaveLength(0); // touched since the last sweep: still open
      store.sweep();
      await store.idle();
      expect((await rows()).map((r) => r.n)).toEqual([1]);
    });

    it('finds the room that last saw the wearer, in memory or stored, at or before a time', async () => {
      expect(await store.lastOccupiedDevice('w1', T0)).toBeNull();
      // 2 hours of presence every 10 s from the hall, then the bathroom for the last 5 minutes
      for (let t = 0; t < 7200_000; t += 10_000) store.record('w1', t < 6900_000 ? 'hall' : 'bathroom', presence(true), T0 + t);
      store.record('w1', 'bedroom', presence(false), T0 + 7200_000);
      expect(await store.lastOccupiedDevice('w1', T0 + 7200_000)).toBe('bathroom');
      await store.flush();
      expect(await store.lastOccupiedDevice('w1', T0 + 7200_000)).toBe('bathroom');
      expect(await store.lastOccupiedDevice('w1', T0 + 6000_000)).toBe('hall');
      expect(await store.lastOccupiedDevice('w1', T0 - 1)).toBeNull();
      expect(await store.lastOccupiedDevice('w2', T0 + 7200_000)).toBeNull();
    });

    it('purges whole blocks before the retention time and counts samples; erasure removes memory and storage', async () => {
      for (let i = 0; i < 120; i++) store.record('w1', 'wrist', vitals(70), T0 + i * 1000);
      store.record('w2', 'wrist2', vitals(70), T0);
      await store.flush(); // purge applies to what is stored
      expect(await store.purgeBefore(T0 + 60_000)).toBe(61); // two 30 s blocks of w1 and w2's one sample
      expect((await store.window('w1', 0, Number.MAX_SAFE_INTEGER))[0]!.t).toBe(T0 + 60_000);
      store.record('w1', 'wrist', vitals(71), T0 + 200_000); // still in memory
      await store.deleteWearer('w1');
      expect(await store.window('w1', 0, Number.MAX_SAFE_INTEGER)).toEqual([]);
      await store.flush();
      expect(await rows()).toEqual([]);
    });
  });
}

vitalsBlockStore('SQLite (memory)', async () => ({ opened: await openDatabase(':memory:'), drop: async () => {} }));
describePostgres('PostgreSQL', (cluster) =>
  vitalsBlockStore('PostgreSQL', async () => {
    const pg = await cluster();
    const url = await pg.createDatabase();
    return { opened: await openDatabase('', url), drop: () => pg.dropDatabase(url) };
  }),
);

describe('migration 0006_vitals_blocks', () => {
  it('carries one-row-per-sample vitals over into blocks with the same samples', async () => {
    const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the 0005 table is no longer in the typed schema
    const untyped = db as unknown as Kysely<any>;
    try {
      await migrateTo(db, '0005_console');
      const old = [];
      for (let i = 0; i < 100; i++) {
        old.push({
          wearer_id: 'w1',
          device_id: 'wrist',
          stream: 'vitals',
          t: T0 + i * 1000,
          hr: 60 + i,
          spo2: 97,
          rr: 14,
          activity: null,
          on_body: i % 2,
          occupied: null,
          motion: null,
        });
        if (i % 10 === 0)
          old.push({
            wearer_id: 'w1',
            device_id: 'room',
            stream: 'presence',
            t: T0 + i * 1000,
            hr: null,
            spo2: null,
            rr: null,
            activity: null,
            on_body: null,
            occupied: 1,
            motion: 0.25,
          });
      }
      await untyped.insertInto('vitals').values(old).execute();
      expect(await migrateToLatest(db)).toContain('0006_vitals_blocks');
      const s = new VitalsStore(db, (e) => errors.push(e));
      const got = await s.window('w1', 0, Number.MAX_SAFE_INTEGER);
      s.stop();
      expect(got).toHaveLength(110);
      expect(got.filter((p) => p.stream === 'vitals').map((p) => [p.t, p.hr, p.onBody, p.activity])).toEqual(
        Array.from({ length: 100 }, (_, i) => [T0 + i * 1000, 60 + i, i % 2 === 1, null]),
      );
      expect(got.filter((p) => p.stream === 'presence').map((p) => [p.t, p.deviceId, p.occupied, p.motion])).toEqual(
        Array.from({ length: 10 }, (_, i) => [T0 + i * 10_000, 'room', true, 0.25]),
      );
      expect((await db.selectFrom('vitals_blocks').selectAll().execute()).length).toBeLessThan(10);
      await expect(untyped.selectFrom('vitals').selectAll().execute()).rejects.toThrow(/no such table/);
    } finally {
      await db.destroy();
    }
  });
});

describe('which SQLite joins a stream blocks in the database', () => {
  // ORDER BY inside an aggregate came with SQLite 3.44.0 (2023-11); older ones read one row per block
  it.each([
    ['3.43.2', false],
    ['3.44.0', true],
    ['3.50.4', true],
    ['4.0.0', true],
    ['2.99.0', false],
    ['', false],
    ['not a version', false],
  ])('%s -> %s', (version, expected) => {
    expect(sqliteOrdersAggregates(version)).toBe(expected);
  });
  it('the SQLite this server ships with does', () => {
    const db = new Database(':memory:');
    try {
      const { v } = db.prepare('select sqlite_version() as v').get() as { v: string };
      expect(sqliteOrdersAggregates(v)).toBe(true);
    } finally {
      db.close();
    }
  });
});
