// Recent raw samples of consenting wearers, kept for the responder's vitals chart, the wearer's export
// and nothing else. Stored as blocks: one row holds up to BLOCK_SAMPLES consecutive samples of one
// device stream spanning at most BLOCK_SPAN_MS, so 10,000 wearers at 1 Hz cost a few hundred row
// inserts a second instead of 10,000 (one index entry per sample made SQLite the largest cost of
// ingest, growing with the table: docs/performance.md). The ingest hot path only appends to an
// in-memory open block; closed blocks are written behind it in bounded slices. Reads merge the open
// blocks, so they always see every sample.
import type { DeviceMessage } from '@odart/protocol';
import type { Db } from './db.js';
import type { VitalsBlocksTable } from './schema.js';
import { PostgresAdapter, sql, type Insertable } from 'kysely';

/** A block spans less than this (sample times), and holds at most BLOCK_SAMPLES samples. */
export const BLOCK_SPAN_MS = 30_000;
export const BLOCK_SAMPLES = 64;
/**
 * The block span on a shared database (PostgreSQL, several nodes): the next core rebuilds its detectors from the
 * stored samples, so a core that dies must not take more than a few seconds of them with it (MAX_BRIDGE_MS of the
 * detector's signal quality is 5 s: a gap that short does not break the evidence).
 */
export const SHARED_BLOCK_SPAN_MS = 4_000;
/** Closed blocks written per event-loop turn, so a write never holds the loop for long. */
const WRITE_SLICE = 100;
/** Above this many closed blocks waiting (the store is failing), new samples are dropped and counted. */
const MAX_WAITING = 20_000;
/** A block that received nothing for a whole sweep period is closed by the sweep. */
const SWEEP_MS = 10_000;

/** Numbers kept per sample: [t - t0, ...fields] */
const STRIDE = { vitals: 6, presence: 3 } as const;

export interface VitalsPoint {
  t: number;
  deviceId: string;
  stream: 'vitals' | 'presence';
  hr: number | null;
  spo2: number | null;
  rr: number | null;
  activity: number | null;
  onBody: boolean | null;
  occupied: boolean | null;
  motion: number | null;
}

type Stream = keyof typeof STRIDE;

interface Block {
  wearerId: string;
  deviceId: string;
  stream: Stream;
  t0: number;
  tMin: number;
  tMax: number;
  /** flat: STRIDE[stream] numbers (null for absent) per sample, times relative to t0 */
  data: (number | null)[];
  touched: boolean;
  /** this block closes once it would span this long (BLOCK_SPAN_MS, or less for a stream's first block) */
  spanMs: number;
}

const flag = (b: boolean | undefined) => (b === undefined ? null : b ? 1 : 0);
const bool = (v: number | null | undefined) => (v === null || v === undefined ? null : v === 1);

/** The samples of one block, appended to `out`. */
function points(deviceId: string, stream: Stream, t0: number, data: readonly (number | null)[], out: VitalsPoint[] = []): VitalsPoint[] {
  const k = STRIDE[stream];
  for (let i = 0; i + k <= data.length; i += k) {
    const t = t0 + (data[i] ?? 0);
    out.push(
      stream === 'vitals'
        ? {
            t,
            deviceId,
            stream,
            hr: data[i + 1] ?? null,
            spo2: data[i + 2] ?? null,
            rr: data[i + 3] ?? null,
            activity: data[i + 4] ?? null,
            onBody: bool(data[i + 5]),
            occupied: null,
            motion: null,
          }
        : {
            t,
            deviceId,
            stream,
            hr: null,
            spo2: null,
            rr: null,
            activity: null,
            onBody: null,
            occupied: bool(data[i + 1]),
            motion: data[i + 2] ?? null,
          },
    );
  }
  return out;
}

export class VitalsStore {
  /** open blocks per wearer (one per device stream) */
  private readonly open = new Map<string, Block[]>();
  /** closed blocks not yet written, oldest first */
  private waiting: Block[] = [];
  private writing: Promise<void> | null = null;
  /**
   * Reads in progress. A read and a write never overlap: a slice being written has left `waiting` but is not yet
   * visible to another connection (PostgreSQL's pool; SQLite's one connection queues the read behind it), so a read
   * waits for the write, and a write for the reads.
   */
  private readonly reads = new Set<Promise<unknown>>();
  /** devices that have had a block since start-up (see the first block's span) */
  private readonly seen = new Set<string>();
  private scheduled = false;
  private readonly sweeper: NodeJS.Timeout;
  /** samples dropped because the store could not keep up */
  dropped = 0;
  /** rows the stored-sample queries of windows() returned since start (bench, tests) */
  windowsRows = 0;
  /**
   * How windows() reads stored blocks: one row per device stream, its blocks joined by the database (string_agg on
   * PostgreSQL, group_concat with ORDER BY on SQLite >= 3.44; better-sqlite3 12 ships 3.5x), or one row per block
   * (the bench's A/B, `BENCH_REBUILD_AB`).
   */
  windowsQuery: 'per-stream' | 'per-block' = 'per-stream';
  private readonly postgres: boolean;
  /** whether the database can join a stream's blocks in order (see windowsQuery); asked once */
  private canAggregate: Promise<boolean> | null = null;

  constructor(
    private readonly db: Db,
    private readonly onError: (err: unknown) => void,
    /** source of the first block's random span (tests pass a constant) */
    private readonly random: () => number = Math.random,
    /**
     * A block closes (and is written) once it would span this long, at most BLOCK_SPAN_MS. Several nodes (PostgreSQL)
     * use less: a core that dies loses its open blocks, and the next one rebuilds its detectors from what is stored.
     */
    private readonly blockSpanMs: number = BLOCK_SPAN_MS,
  ) {
    if (!(blockSpanMs > 0 && blockSpanMs <= BLOCK_SPAN_MS)) throw new Error(`blockSpanMs must be in (0, ${BLOCK_SPAN_MS}]`);
    this.postgres = db.getExecutor().adapter instanceof PostgresAdapter;
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  /** Keeps a vitals or presence sample (placed at `at`); other streams are not health data worth keeping. */
  record(wearerId: string, deviceId: string, msg: DeviceMessage, at: number): void {
    if (msg.stream !== 'vitals' && msg.stream !== 'presence') return;
    if (this.waiting.length >= MAX_WAITING) {
      this.dropped++;
      return;
    }
    let blocks = this.open.get(wearerId);
    if (!blocks) this.open.set(wearerId, (blocks = []));
    let b: Block | undefined;
    for (const x of blocks) if (x.deviceId === deviceId && x.stream === msg.stream) b = x;
    if (b && (b.data.length >= BLOCK_SAMPLES * STRIDE[b.stream] || Math.max(b.tMax, at) - Math.min(b.tMin, at) >= b.spanMs)) {
      this.close(blocks, b, true);
      b = undefined;
    }
    if (!b) {
      // A stream's first block ends early at random, so devices that connected together (a restart)
      // do not all close their blocks in the same second ever after.
      const first = !this.seen.has(deviceId);
      if (first) this.seen.add(deviceId);
      b = {
        wearerId,
        deviceId,
        stream: msg.stream,
        t0: at,
        tMin: at,
        tMax: at,
        data: [],
        touched: false,
        spanMs: first ? Math.floor(this.blockSpanMs * (0.2 + 0.8 * this.random())) : this.blockSpanMs,
      };
      blocks.push(b);
    }
    b.touched = true;
    if (at < b.tMin) b.tMin = at;
    if (at > b.tMax) b.tMax = at;
    if (msg.stream === 'vitals') {
      const v = msg.data;
      b.data.push(at - b.t0, v.hr ?? null, v.spo2 ?? null, v.rr ?? null, v.activity ?? null, flag(v.onBody));
    } else {
      b.data.push(at - b.t0, msg.data.occupied ? 1 : 0, msg.data.motion ?? null);
    }
  }

  /** Moves an open block to the write queue; `keep` leaves the wearer's (maybe empty) list in place for a new block. */
  private close(blocks: Block[], b: Block, keep = false): void {
    blocks.splice(blocks.indexOf(b), 1);
    if (blocks.length === 0 && !keep) this.open.delete(b.wearerId);
    this.waiting.push(b);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.writeSlice().catch(this.onError);
    });
  }

  /** Closes blocks that received nothing since the last sweep (a device gone quiet); runs every SWEEP_MS. */
  sweep(): void {
    for (const blocks of [...this.open.values()]) {
      for (const b of [...blocks]) {
        if (b.touched) b.touched = false;
        else this.close(blocks, b);
      }
    }
  }

  /** Writes up to WRITE_SLICE closed blocks in one transaction; schedules the rest for the next turn. */
  private async writeSlice(): Promise<void> {
    while (this.writing || this.reads.size > 0) await (this.writing ?? Promise.allSettled([...this.reads]));
    if (this.waiting.length === 0) return;
    const slice = this.waiting.slice(0, WRITE_SLICE);
    this.waiting = this.waiting.slice(slice.length);
    if (this.waiting.length > 0) this.schedule();
    const rows: Insertable<VitalsBlocksTable>[] = slice.map((b) => ({
      wearer_id: b.wearerId,
      device_id: b.deviceId,
      stream: b.stream,
      t0: b.t0,
      t_min: b.tMin,
      t_max: b.tMax,
      n: b.data.length / STRIDE[b.stream],
      samples: JSON.stringify(b.data),
    }));
    this.writing = (async () => {
      try {
        // 9 columns per row: well inside SQLite's limit of bound variables per statement
        await this.db.transaction().execute(async (trx) => {
          for (let i = 0; i < rows.length; i += 100)
            await trx
              .insertInto('vitals_blocks')
              .values(rows.slice(i, i + 100))
              .execute();
        });
      } finally {
        this.writing = null;
      }
    })();
    await this.writing;
  }

  /** Writes every sample received so far, open blocks included (shutdown, tests). */
  async flush(): Promise<void> {
    for (const blocks of [...this.open.values()]) for (const b of [...blocks]) this.close(blocks, b);
    await this.idle();
  }

  /** Resolves when every closed block has been written (tests). */
  async idle(): Promise<void> {
    while (this.waiting.length > 0 || this.writing) await this.writeSlice();
  }

  /** Stops the sweep timer (shutdown; flush() first keeps what is buffered). */
  stop(): void {
    clearInterval(this.sweeper);
  }

  /** Samples of one wearer with from <= t <= to, in time order (at most 20,000, the oldest first). */
  async window(wearerId: string, from: number, to: number): Promise<VitalsPoint[]> {
    return this.reading(() => this.windowNow(wearerId, from, to));
  }

  /**
   * Samples of many wearers with from <= t <= to, each wearer's in time order (at most 20,000 each): one query per
   * call, for the detector rebuild of a new core (ingest/rebuild.ts), which pages through wearers with it.
   */
  async windows(wearerIds: readonly string[], from: number, to: number): Promise<Map<string, VitalsPoint[]>> {
    return this.reading(async () => {
      const out = new Map<string, VitalsPoint[]>(wearerIds.map((id) => [id, []]));
      if (wearerIds.length === 0) return out;
      const add = (wearerId: string, ps: VitalsPoint[]) => {
        const into = out.get(wearerId);
        if (into) for (const p of ps) if (p.t >= from && p.t <= to) into.push(p);
      };
      // the blocks that may hold samples in [from, to], asked for per stream or per block below
      const blocksIn = this.db
        .selectFrom('vitals_blocks')
        .where('wearer_id', 'in', [...wearerIds])
        .where('t_min', '>=', from - BLOCK_SPAN_MS)
        .where('t_min', '<=', to)
        .where('t_max', '>=', from);
      if (this.windowsQuery === 'per-stream' && (await this.aggregates())) {
        // One row per device stream: its blocks in order, each as [t0, [samples]], joined by the database (a page of
        // 200 wearers is a few hundred rows instead of tens of thousands of blocks to fetch and parse one by one).
        const blocks = this.postgres
          ? sql<string>`string_agg('[' || t0 || ',' || samples || ']', ',' order by t_min, id)`
          : sql<string>`group_concat('[' || t0 || ',' || samples || ']', ',' order by t_min, id)`;
        const rows = await blocksIn
          .select(['wearer_id', 'device_id', 'stream', blocks.as('blocks')])
          .groupBy(['wearer_id', 'device_id', 'stream'])
          .execute();
        this.windowsRows += rows.length;
        for (const r of rows) {
          const ps: VitalsPoint[] = [];
          for (const [t0, data] of JSON.parse(`[${r.blocks}]`) as [number, (number | null)[]][])
            points(r.device_id, r.stream, t0, data, ps);
          add(r.wearer_id, ps);
        }
      } else {
        const rows = await blocksIn.select(['wearer_id', 'device_id', 'stream', 't0', 'samples']).execute();
        this.windowsRows += rows.length;
        for (const r of rows) add(r.wearer_id, points(r.device_id, r.stream, Number(r.t0), JSON.parse(r.samples) as (number | null)[]));
      }
      // the blocks still in memory: the write queue in one pass for all the wearers asked for, then their open blocks
      const asked = new Set(wearerIds);
      for (const b of this.waiting) if (asked.has(b.wearerId)) add(b.wearerId, points(b.deviceId, b.stream, b.t0, b.data));
      for (const id of wearerIds) for (const b of this.open.get(id) ?? []) add(id, points(b.deviceId, b.stream, b.t0, b.data));
      for (const [id, ps] of out) {
        // the rows often come in index order (wearer, t_min): a wearer with one stream is then in order already
        let sorted = true;
        for (let i = 1; i < ps.length && sorted; i++) sorted = ps[i - 1]!.t <= ps[i]!.t;
        if (!sorted) ps.sort((a, b) => a.t - b.t);
        if (ps.length > 20_000) out.set(id, ps.slice(-20_000));
      }
      return out;
    });
  }

  /** PostgreSQL always; SQLite from 3.44 (ORDER BY inside an aggregate), else windows() reads one row per block. */
  private aggregates(): Promise<boolean> {
    this.canAggregate ??= this.postgres
      ? Promise.resolve(true)
      : sql<{ v: string }>`select sqlite_version() as v`
          .execute(this.db)
          .then((r) => sqliteOrdersAggregates(r.rows[0]?.v ?? ''))
          // not known: the per-block read works everywhere
          .catch(() => false);
    return this.canAggregate;
  }

  /** Runs a read of stored and unwritten blocks while no slice is being written (see `reads`). */
  private async reading<T>(read: () => Promise<T>): Promise<T> {
    while (this.writing) await this.writing;
    const p = read();
    this.reads.add(p);
    try {
      return await p;
    } finally {
      this.reads.delete(p);
    }
  }

  private async windowNow(wearerId: string, from: number, to: number): Promise<VitalsPoint[]> {
    const rows = await this.db
      .selectFrom('vitals_blocks')
      .select(['device_id', 'stream', 't0', 'samples'])
      .where('wearer_id', '=', wearerId)
      // a block spans at most BLOCK_SPAN_MS, so this bounds the index range
      .where('t_min', '>=', from - BLOCK_SPAN_MS)
      .where('t_min', '<=', to)
      .where('t_max', '>=', from)
      .orderBy('t_min')
      .orderBy('id')
      .execute();
    const all: VitalsPoint[] = [];
    for (const r of rows) all.push(...points(r.device_id, r.stream, Number(r.t0), JSON.parse(r.samples) as (number | null)[]));
    for (const b of this.unwritten(wearerId)) all.push(...points(b.deviceId, b.stream, b.t0, b.data));
    return all
      .filter((p) => p.t >= from && p.t <= to)
      .sort((a, b) => a.t - b.t)
      .slice(0, 20_000);
  }

  /** Blocks of a wearer still in memory: open, or closed and not yet written. */
  private unwritten(wearerId: string): Block[] {
    return [...this.waiting.filter((b) => b.wearerId === wearerId), ...(this.open.get(wearerId) ?? [])];
  }

  /** The room device that last saw the wearer present at or before `before`, or null. */
  async lastOccupiedDevice(wearerId: string, before: number): Promise<string | null> {
    return this.reading(() => this.lastOccupiedNow(wearerId, before));
  }

  private async lastOccupiedNow(wearerId: string, before: number): Promise<string | null> {
    let bestT = -Infinity;
    let best: string | null = null;
    const consider = (ps: VitalsPoint[]) => {
      for (const p of ps) {
        if (p.occupied === true && p.t <= before && p.t >= bestT) {
          bestT = p.t;
          best = p.deviceId;
        }
      }
    };
    for (const b of this.unwritten(wearerId)) if (b.stream === 'presence') consider(points(b.deviceId, b.stream, b.t0, b.data));
    // Newest stored blocks first, a page at a time, until the rest are all older than the best found.
    for (let offset = 0; ; offset += 50) {
      const rows = await this.db
        .selectFrom('vitals_blocks')
        .select(['device_id', 't0', 't_max', 'samples'])
        .where('wearer_id', '=', wearerId)
        .where('stream', '=', 'presence')
        .where('t_min', '<=', before)
        .orderBy('t_min', 'desc')
        .orderBy('id', 'desc')
        .limit(50)
        .offset(offset)
        .execute();
      for (const r of rows) {
        // t_min descending, and a block spans at most BLOCK_SPAN_MS: once one ends before the best, all later rows do.
        if (Number(r.t_max) + BLOCK_SPAN_MS < bestT) return best;
        consider(points(r.device_id, 'presence', Number(r.t0), JSON.parse(r.samples) as (number | null)[]));
      }
      if (rows.length < 50) return best;
    }
  }

  /**
   * Purges stored samples older than `before` (retention): whole blocks that ended before it. Returns
   * how many samples went. Blocks still in memory are recent (or a late replay) and are purged by a
   * later run once written; flushing them here would write every open block each hour.
   */
  async purgeBefore(before: number): Promise<number> {
    const n = await this.db
      .selectFrom('vitals_blocks')
      .select((eb) => eb.fn.sum<number>('n').as('n'))
      .where('t_max', '<', before)
      .executeTakeFirst();
    await this.db.deleteFrom('vitals_blocks').where('t_max', '<', before).execute();
    return Number(n?.n ?? 0);
  }

  /** Erasure on request: every sample of one wearer, in memory or stored. */
  async deleteWearer(wearerId: string): Promise<void> {
    for (const b of this.open.get(wearerId) ?? []) this.seen.delete(b.deviceId);
    this.open.delete(wearerId);
    this.waiting = this.waiting.filter((b) => b.wearerId !== wearerId);
    while (this.writing) await this.writing;
    await this.db.deleteFrom('vitals_blocks').where('wearer_id', '=', wearerId).execute();
  }
}

/** SQLite takes ORDER BY inside an aggregate (group_concat ... order by) from 3.44; an unreadable version: no. */
export function sqliteOrdersAggregates(version: string): boolean {
  const m = /^(\d+)\.(\d+)/.exec(version);
  if (!m) return false;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  return major > 3 || (major === 3 && minor >= 44);
}
