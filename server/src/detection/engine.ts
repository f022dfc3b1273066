// Detection engine: one WearerDetector per wearer, fed by every device of that wearer.
// Used identically by the live server (system clock) and by `evaluate` (virtual time).
import { WearerDetector, type Calibration, type DetectorOptions } from './wearer-detector.js';
import { rebuildWindowMs, restoreSnapshot, snapshotOf, type DetectorSnapshot, type RestoreOutcome } from './snapshot.js';
import { DEFAULT_THRESHOLDS, type Decision, type Sample, type Thresholds } from './types.js';

export type WearerDecision = Decision & { wearerId: string };

/** The live 1 s tick is spread over this many parts (server.ts ticks one part every 1000 / TICK_PARTS ms). */
export const TICK_PARTS = 10;

export class DetectionEngine {
  private readonly wearers = new Map<string, WearerDetector>();
  /**
   * The wearers of each tick part, filled round-robin as detectors are made: at 10,000 wearers one tick of them all
   * held the event loop for tens of ms once a second (issue 14's p99), a part holds it a tenth as long.
   */
  private readonly parts: Set<string>[] = Array.from({ length: TICK_PARTS }, () => new Set());
  private nextPart = 0;

  constructor(
    private readonly thresholdsFor: (wearerId: string) => Partial<Thresholds> = () => ({}),
    /** the rules every wearer's detector runs (default: the production registry; the report's operating points swap one) */
    private readonly options: DetectorOptions = {},
  ) {}

  detector(wearerId: string): WearerDetector {
    let d = this.wearers.get(wearerId);
    if (!d) {
      d = new WearerDetector(this.thresholdsFor(wearerId), this.options);
      this.wearers.set(wearerId, d);
      this.parts[this.nextPart]!.add(wearerId);
      this.nextPart = (this.nextPart + 1) % TICK_PARTS;
    }
    return d;
  }

  ingest(wearerId: string, sample: Sample): WearerDecision[] {
    const ds = this.detector(wearerId).onSample(sample);
    return ds.length === 0 ? (ds as WearerDecision[]) : ds.map((d) => ({ ...d, wearerId }));
  }

  tick(now: number): WearerDecision[] {
    const out: WearerDecision[] = [];
    for (const [wearerId, d] of this.wearers) for (const x of d.tick(now)) out.push({ ...x, wearerId });
    return out;
  }

  /** Ticks the wearers of one part (0 <= part < TICK_PARTS); TICK_PARTS calls in turn tick every wearer once. */
  tickPart(now: number, part: number): WearerDecision[] {
    const out: WearerDecision[] = [];
    for (const wearerId of this.parts[part] ?? []) {
      const d = this.wearers.get(wearerId);
      if (d) for (const x of d.tick(now)) out.push({ ...x, wearerId });
    }
    return out;
  }

  closeEpisode(wearerId: string): void {
    this.wearers.get(wearerId)?.closeEpisode();
  }

  /** Re-read a wearer's thresholds (the service changed them); the running episode is kept. */
  retune(wearerId: string): void {
    this.wearers.get(wearerId)?.retune(this.thresholdsFor(wearerId));
  }

  /** What the wearer's detector has learnt (null: no data from this wearer since the server started). */
  calibration(wearerId: string): Calibration | null {
    return this.wearers.get(wearerId)?.calibration() ?? null;
  }

  /** The detector snapshot of a wearer at `at` (null: no detector, or too large to keep). */
  snapshot(wearerId: string, at: number): DetectorSnapshot | null {
    const d = this.wearers.get(wearerId);
    return d ? snapshotOf(d, at) : null;
  }

  /**
   * A fresh detector for the wearer with `s` restored (replacing any it had). A snapshot it cannot read leaves the
   * wearer with no detector (never a half-restored one); the outcome says which.
   */
  restore(wearerId: string, s: DetectorSnapshot): RestoreOutcome {
    this.forget(wearerId);
    const outcome = restoreSnapshot(this.detector(wearerId), s);
    if (outcome !== 'restored') this.forget(wearerId);
    return outcome;
  }

  /** The wearers with a detector, in the order they were made (a live iterator: made and forgotten ones show). */
  ids(): IterableIterator<string> {
    return this.wearers.keys();
  }

  /** How far back a new core replays this wearer's stored vitals, for their thresholds and devices (snapshot.ts). */
  rebuildWindowMs(wearerId: string, sources?: number): number {
    return rebuildWindowMs({ ...DEFAULT_THRESHOLDS, ...this.thresholdsFor(wearerId) }, sources, this.options.rules);
  }

  /** Drop a wearer's state (opt-out, deletion). */
  forget(wearerId: string): void {
    this.wearers.delete(wearerId);
    for (const p of this.parts) p.delete(wearerId);
  }

  get size(): number {
    return this.wearers.size;
  }
}
