// `npm run bench -- --only=rebuild`: the detector rebuild of a new core (server/src/ingest/rebuild.ts) at scale. A
// throwaway PostgreSQL cluster (the cluster's store) holds 10 minutes of 1 Hz vitals of N wearers, written through the
// real block writer (store/vitals.ts, SHARED_BLOCK_SPAN_MS blocks), and each wearer's detector snapshot as the old
// core left it (store/snapshots.ts); then a fresh engine rebuilds every wearer's detector from them, as server.ts does
// on takeover (snapshot restored, the wearable rules' evidence window replayed), timed. Device messages wait
// (ingest.hold) for all of it, so the figure is how long device data waits, and how many messages a node holds at
// 1 Hz meanwhile. BENCH_REBUILD_KIT=room: each wearer has a room radar instead of a wearable (presence and breathing
// at 1 Hz each; the room rules' evidence window, longer: stillness). BENCH_REBUILD_AB=1: on the same stored data,
// the rebuild as it was before issue 14's read work (one row per block, pages read one after another), as it is, and
// with two pages read ahead, in turn, BENCH_REBUILD_REPEAT times (default 3). The rebuild reads on a pool bounded
// as a node's (BENCH_REBUILD_QUERY_TIMEOUT_MS, default 2000: the renew window with CORE_LEASE_S=3); each round
// reports its longest read of stored samples and of snapshots, the reads past the bound, and this process's CPU
// (replay and the rows' decoding; the database's is not in it), which a shared machine's load shakes less than the
// time. BENCH_REBUILD_READS=1: then, twice, the stored samples of every page read one page after another with no
// replay, timed with this process's CPU (how much of the rebuild the reads alone take).
import os from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { DeviceMessage } from '@odart/protocol';
import { DetectionEngine, ROOM, WEARABLE } from '../../server/src/detection/index.js';
import { rebuildDetectors, sampleOf } from '../../server/src/ingest/index.js';
import { openStore } from '../../server/src/store/index.js';
import { postgresBin, startPostgres } from '../helpers/postgres.js';
import { watchStalls } from '../bench/stalls.mjs';

export type RebuildKit = 'wearable' | 'room';

interface Variant {
  name: string;
  query: 'per-stream' | 'per-block';
  prefetch: number;
}
/** BENCH_REBUILD_AB: before (one row per block, pages read one after another), now, and two pages read ahead. */
const VARIANTS: Variant[] = [
  { name: 'before', query: 'per-block', prefetch: 0 },
  { name: 'now', query: 'per-stream', prefetch: 1 },
  { name: 'prefetch 2', query: 'per-stream', prefetch: 2 },
];
const engine0 = new DetectionEngine();

export async function benchRebuild(o: { wearers: number; kit?: RebuildKit; ab?: boolean; repeat?: number; log: (s: string) => void }) {
  if (!postgresBin()) return null;
  const kit = o.kit ?? 'wearable';
  const sources = kit === 'room' ? ROOM : WEARABLE;
  /** What the store holds of each wearer: 10 minutes, or a minute more than the kit's rebuild window. */
  const STORED_MS = Math.max(10 * 60_000, new DetectionEngine().rebuildWindowMs('w0', sources) + 60_000);
  const cluster = await startPostgres();
  try {
    const url = await cluster.createDatabase();
    const store = await openStore('', url);
    // The new core reads on a pool bounded as a node's is (the renew window: 2 s with CORE_LEASE_S=3, the faults
    // suites'; BENCH_REBUILD_QUERY_TIMEOUT_MS): a read past it fails as on that node, counted, and is read again.
    const boundMs = Number(process.env.BENCH_REBUILD_QUERY_TIMEOUT_MS ?? 2000);
    let timeouts = 0;
    const reader = await openStore('', url, { queryTimeoutMs: boundMs, onQueryTimeout: () => timeouts++ });
    const errors: unknown[] = [];
    const vitals = store.vitals((err) => errors.push(err));
    const readVitals = reader.vitals((err) => errors.push(err));
    try {
      const ids = Array.from({ length: o.wearers }, (_, i) => `w${i}`);
      const now = Date.UTC(2026, 0, 1);
      const from = now - STORED_MS;
      o.log(`rebuild: storing ${STORED_MS / 60_000} min of 1 Hz ${kit} data of ${o.wearers} wearers in PostgreSQL, and their snapshots`);
      const w0 = performance.now();
      let x = 1;
      const noise = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 2;
      for (let t = from; t < now; t += 1000) {
        for (let i = 0; i < ids.length; i++) {
          if (kit === 'room') {
            // a still, breathing occupant: presence and the radar's breathing rate
            const presence = { stream: 'presence', data: { occupied: true, motion: Math.max(0, 0.05 + 0.02 * noise()) } } as DeviceMessage;
            const breathing = { stream: 'vitals', data: { rr: Math.round(14 + noise()) } } as DeviceMessage;
            vitals.record(ids[i]!, `r${i}`, presence, t + (i % 1000));
            vitals.record(ids[i]!, `r${i}`, breathing, t + (i % 1000) + 1);
            continue;
          }
          const msg: DeviceMessage = {
            stream: 'vitals',
            data: {
              hr: Math.round(72 + 4 * noise()),
              spo2: Math.round(97 + noise()),
              rr: Math.round(14 + noise()),
              activity: 0.1,
              onBody: true,
            },
          } as DeviceMessage;
          vitals.record(ids[i]!, `d${i}`, msg, t + (i % 1000));
        }
        // the writer's queue is bounded (it drops past it): let it drain every few seconds of samples
        if ((t - from) % 4000 === 0) await vitals.idle();
      }
      await vitals.flush();
      // The old core's snapshot of each wearer: a detector that learnt from the first wearer's stored minutes.
      const old = new DetectionEngine();
      for (const p of (await vitals.windows(['w0'], from, now)).get('w0') ?? []) old.ingest('w0', sampleOf(p));
      const snap = old.snapshot('w0', now - 30_000)!;
      await store.repos.snapshots.write(ids.map((id) => ({ wearerId: id, ...snap })));
      const storeSeconds = (performance.now() - w0) / 1000;
      if (vitals.dropped > 0 || errors.length > 0) throw new Error(`storing dropped ${vitals.dropped} samples, ${errors.length} errors`);
      o.log(`  stored in ${Math.round(storeSeconds)} s; rebuilding`);
      /** how long one call took, from asking to its rows parsed (ms) */
      const timed = async <T>(into: number[], f: () => Promise<T>): Promise<T> => {
        const t0 = performance.now();
        try {
          return await f();
        } finally {
          into.push(performance.now() - t0);
        }
      };
      const rebuild = async (v: Variant) => {
        readVitals.windowsQuery = v.query;
        const rowsBefore = readVitals.windowsRows;
        const timeoutsBefore = timeouts;
        const windowsMs: number[] = [];
        const snapshotsMs: number[] = [];
        const engine = new DetectionEngine();
        const loop = monitorEventLoopDelay({ resolution: 5 });
        loop.enable();
        const stalls = watchStalls({ thresholdMs: 50 });
        stalls.mark('rebuild');
        const r0 = performance.now();
        const c0 = process.cpuUsage();
        const res = await rebuildDetectors({
          engine,
          now,
          windows: (page, f, t) => timed(windowsMs, () => readVitals.windows(page, f, t)),
          snapshots: (page) => timed(snapshotsMs, () => reader.repos.snapshots.read(page)),
          // as server.ts: the wearers have one kind of device, so that kind's rules' window
          windowFor: (id) => engine.rebuildWindowMs(id, sources),
          wearers: () => ids,
          openAlert: () => Promise.resolve(null),
          closedSince: () => Promise.resolve([]),
          prefetch: v.prefetch,
        });
        const seconds = (performance.now() - r0) / 1000;
        const cpu = process.cpuUsage(c0);
        loop.disable();
        const stallList = await stalls.report();
        stalls.stop();
        return {
          variant: v.name,
          wearers: res.wearers,
          samples: res.samples,
          restored: res.restored,
          seconds: Math.round(seconds * 10) / 10,
          /** this process's CPU meanwhile (replay, decoding the rows; the database's is not in it): less shaken by load */
          cpuSeconds: Math.round((cpu.user + cpu.system) / 1e5) / 10,
          samplesPerSec: Math.round(res.samples / seconds),
          /** rows the vitals reads returned */
          rows: readVitals.windowsRows - rowsBefore,
          /** the longest read of a page's stored samples and of its snapshots (ms, asked to parsed), against the bound */
          longestReadMs: { windows: Math.round(Math.max(0, ...windowsMs)), snapshots: Math.round(Math.max(0, ...snapshotsMs)), boundMs },
          /** all the page reads of stored samples together (s; they overlap the replay, a page read ahead) */
          windowsReadSeconds: Math.round(windowsMs.reduce((a, b) => a + b, 0) / 100) / 10,
          /** reads past the bound (each read again once), and the wearers not rebuilt */
          timeouts: timeouts - timeoutsBefore,
          failedReads: res.failedReads,
          unrebuilt: res.unrebuilt.length,
          /**
           * device messages a node holds meanwhile with each of a wearer's streams at 1 Hz (one a second with a
           * wearable, two with a room radar: presence and breathing; ingest's MAX_HELD is 100,000)
           */
          heldAt1Hz: Math.round(seconds * o.wearers * (kit === 'room' ? 2 : 1)),
          loopMaxMs: Math.round(loop.max / 1e6),
          /** every loop stall over 50 ms during the rebuild, longest first */
          stalls: stallList.map((x) => ({ ms: x.ms, gcMs: x.gcMs })),
          load: os.loadavg().map((l) => Math.round(l * 10) / 10),
        };
      };
      // A/B on the same stored data: the variants in turn, `repeat` times (the machine's load drifts meanwhile)
      const variants = o.ab ? VARIANTS : VARIANTS.filter((v) => v.name === 'now');
      const runs: Awaited<ReturnType<typeof rebuild>>[] = [];
      for (let k = 0; k < (o.repeat ?? 1); k++) {
        for (const v of variants) {
          const r = await rebuild(v);
          o.log(
            `  ${v.name}: ${r.seconds} s (CPU ${r.cpuSeconds} s), ${r.rows} rows, longest read ${r.longestReadMs.windows} ms (snapshots ${r.longestReadMs.snapshots} ms; ` +
              `all reads ${r.windowsReadSeconds} s; ${r.timeouts} past ${boundMs} ms, ${r.unrebuilt} unrebuilt), longest stall ${r.loopMaxMs} ms, load ${r.load.join(' ')}`,
          );
          runs.push(r);
        }
      }
      if (process.env.BENCH_REBUILD_READS === '1') {
        for (let k = 0; k < 2; k++) {
          const r0 = performance.now();
          const c0 = process.cpuUsage();
          let n = 0;
          for (let i = 0; i < ids.length; i += 200) {
            const got = await readVitals.windows(ids.slice(i, i + 200), now - engine0.rebuildWindowMs('w0', sources), now);
            for (const ps of got.values()) n += ps.length;
          }
          const cu = process.cpuUsage(c0);
          o.log(
            `  reads only: ${((performance.now() - r0) / 1000).toFixed(2)} s, this process's CPU ${((cu.user + cu.system) / 1e6).toFixed(2)} s, ${n} samples, load ${os.loadavg()[0]!.toFixed(1)}`,
          );
        }
      }
      const last = runs.filter((r) => r.variant === 'now').at(-1)!;
      return {
        kit,
        ...last,
        windowS: engine0.rebuildWindowMs('w0', sources) / 1000,
        snapshotBytes: snap.data.length,
        storeSeconds: Math.round(storeSeconds),
        runs,
      };
    } finally {
      vitals.stop();
      readVitals.stop();
      await store.close();
      await reader.close();
    }
  } finally {
    await cluster.stop();
  }
}
