// The active core's detector snapshots (snapshots.ts, issue 14): every detector once a minute, a sixtieth of them a
// second (no pass holds the loop or the store for all wearers), only while this node is the core, every batch under
// the fence; a refused write steps the node down, a failed one is counted and written again the next minute.
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../clock.js';
import { DetectionEngine } from '../detection/index.js';
import { createLogger } from '../log.js';
import { FencedWriteError, type CoreWrite, type SnapshotRow } from '../store/index.js';
import { DetectorSnapshotter } from './snapshots.js';

const T = Date.UTC(2026, 0, 1, 12);

function rig(o: { wearers: number; fail?: (n: number) => Error | null; core?: () => boolean }) {
  const clock = new VirtualClock(T);
  const engine = new DetectionEngine();
  for (let i = 0; i < o.wearers; i++)
    engine.ingest(`w${i}`, {
      t: T,
      deviceId: `d${i}`,
      message: { stream: 'vitals', data: { hr: 70, spo2: 97, rr: 14, activity: 0, onBody: true } },
    });
  const batches: { rows: readonly SnapshotRow[]; core?: CoreWrite }[] = [];
  const refused: string[] = [];
  const counts: Record<string, number> = {};
  let n = 0;
  const s = new DetectorSnapshotter({
    engine,
    clock,
    write: async (rows, core) => {
      const err = o.fail?.(n++) ?? null;
      if (err) throw err;
      batches.push({ rows, ...(core ? { core } : {}) });
    },
    isCore: o.core ?? (() => true),
    fence: () => ({ fence: { nodeId: 'n1', epoch: 7 }, now: clock.now() }),
    refused: (op) => refused.push(op),
    count: (outcome, k = 1) => (counts[outcome] = (counts[outcome] ?? 0) + k),
    log: createLogger('silent'),
  });
  s.start();
  const advance = async (ms: number) => {
    for (let t = 0; t < ms; t += 1000) {
      clock.advance(1000);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  };
  return { engine, clock, batches, refused, counts, advance };
}

describe('detector snapshots of the active core', () => {
  it('every wearer once a minute, in batches of a sixtieth a second, each under the fence', async () => {
    const r = rig({ wearers: 600 });
    await r.advance(60_000);
    expect(r.batches).toHaveLength(60);
    expect(r.batches.every((b) => b.rows.length === 10 && b.core?.fence.epoch === 7)).toBe(true);
    const ids = r.batches.flatMap((b) => b.rows.map((x) => x.wearerId));
    expect(new Set(ids).size).toBe(600);
    expect(r.counts).toEqual({ written: 600 });
    // the second minute goes round again, with newer snapshots
    await r.advance(60_000);
    expect(
      r.batches
        .slice(60)
        .flatMap((b) => b.rows.map((x) => x.wearerId))
        .sort(),
    ).toEqual([...ids].sort());
    expect(r.batches[60]!.rows[0]!.at).toBe(r.batches[0]!.rows[0]!.at + 60_000);
  });

  it('a few wearers: one batch a second until each is written, then round again', async () => {
    const r = rig({ wearers: 3 });
    await r.advance(6_000);
    expect(r.batches.map((b) => b.rows.map((x) => x.wearerId))).toEqual([['w0'], ['w1'], ['w2'], ['w0'], ['w1'], ['w2']]);
  });

  it('writes nothing on a standby', async () => {
    const r = rig({ wearers: 100, core: () => false });
    await r.advance(10_000);
    expect(r.batches).toEqual([]);
  });

  it('a write the fence refused steps the node down; a failed write is counted and logged, never thrown', async () => {
    const fenced = rig({ wearers: 60, fail: () => new FencedWriteError('snapshot_write', { nodeId: 'n1', epoch: 7 }) });
    await fenced.advance(3_000);
    expect(fenced.refused).toEqual(['snapshot_write', 'snapshot_write', 'snapshot_write']);
    const failing = rig({ wearers: 60, fail: (i) => (i === 0 ? new Error('disk full') : null) });
    await failing.advance(3_000);
    expect(failing.counts).toEqual({ write_failed: 1, written: 2 });
  });
});
