// The active core's detector snapshots (issue 14): every wearer's detector is snapshotted once a minute
// (detection/snapshot.ts: what its rules learnt over hours), spread over the minute in one small batch a second, so
// no pass stalls the loop or the database; each batch is one fenced write (store/snapshots.ts). The next core
// restores them on takeover (rebuild.ts) and replays only the rules' evidence window.
import type { Clock, TimerHandle } from '../clock.js';
import type { DetectionEngine, DetectorSnapshot } from '../detection/index.js';
import type { Logger } from '../log.js';
import type { CoreWrite, FencedOp, FencedWriteError, SnapshotRow } from '../store/index.js';

/** Every detector is snapshotted once in this period ... */
export const SNAPSHOT_EVERY_MS = 60_000;
/** ... in one batch each this often (a sixtieth of the wearers a second). */
const SLICE_MS = 1_000;

export interface SnapshotterDeps {
  engine: DetectionEngine;
  clock: Clock;
  /** stores a batch (repos.snapshots.write), fenced with `core` on a cluster */
  write(rows: readonly SnapshotRow[], core?: CoreWrite): Promise<void>;
  /** this node is the active core (only the core writes) */
  isCore(): boolean;
  /** the fence of core writes (undefined: the embedded single node) */
  fence(): CoreWrite | undefined;
  /** the fence refused a write: this node is no longer the core */
  refused(op: FencedOp): void;
  count(outcome: 'written' | 'too_large' | 'write_failed', n?: number): void;
  log: Logger;
}

export class DetectorSnapshotter {
  private cursor: Iterator<string> | null = null;
  private busy = false;

  constructor(private readonly d: SnapshotterDeps) {}

  start(): TimerHandle {
    return this.d.clock.setInterval(() => void this.slice(), SLICE_MS);
  }

  /** The next wearers' snapshots, one fenced write. Skipped while the previous write is still running. */
  async slice(): Promise<void> {
    if (this.busy || !this.d.isCore()) return;
    const { engine, clock } = this.d;
    const n = Math.ceil((engine.size * SLICE_MS) / SNAPSHOT_EVERY_MS);
    if (n === 0) return;
    const at = clock.now();
    const rows: SnapshotRow[] = [];
    let tooLarge = 0;
    for (const id of this.next(n)) {
      const s: DetectorSnapshot | null = engine.snapshot(id, at);
      if (s) rows.push({ wearerId: id, ...s });
      else tooLarge++;
    }
    if (tooLarge > 0) this.d.count('too_large', tooLarge);
    if (rows.length === 0) return;
    this.busy = true;
    try {
      await this.d.write(rows, this.d.fence());
      this.d.count('written', rows.length);
    } catch (err) {
      // (by name: ingest/ imports only the store's types)
      if (err instanceof Error && err.name === 'FencedWriteError') return this.d.refused((err as FencedWriteError).op);
      // the next pass a minute later writes them again; meanwhile the stored ones are a minute older
      this.d.count('write_failed', rows.length);
      this.d.log.error({ err, wearers: rows.length }, 'detector snapshot write failed');
    } finally {
      this.busy = false;
    }
  }

  /** Up to `n` wearers after the last ones taken, going round the engine's wearers. */
  private next(n: number): string[] {
    const out: string[] = [];
    for (let wrapped = false; out.length < n;) {
      this.cursor ??= this.d.engine.ids();
      const r = this.cursor.next();
      if (!r.done) {
        out.push(r.value);
        continue;
      }
      this.cursor = null;
      if (wrapped) break;
      wrapped = true;
    }
    return out;
  }
}
