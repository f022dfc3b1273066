// Arousals (a context rule): obstructive sleep apnoea ends each event with an arousal, a brief
// surge of heart rate (sympathetic burst, +8-20 bpm within seconds) and often a small movement, so
// its desaturations come in cycles that the sleeper ends themselves. An opioid overdose has none:
// the wrist stays still and the pulse flat or falling. A wearer who keeps rousing (several
// arousals in the last minutes, the latest one recent) is not the still, unrousable person the
// moderate signs (a desaturation short of spo2CriticalDrop, stillness alone) are looking for.
import { z } from 'zod';
import type { Picture, Reading, Rule } from './rule.js';

/** An arousal: the pulse this far above its slow average (bpm) ... */
export const AROUSAL_HR_RISE = 8;
/** ... or a small wrist movement (activity at least this, below the motion-artefact gate). */
export const AROUSAL_ACTIVITY = 8;
/**
 * An arousal rouses a sleeper: it counts only out of a quiet wrist, the activity's average over the
 * last AROUSAL_QUIET_MS (before this reading) below AROUSAL_QUIET. An awake wearer moving about, pulse
 * rising with each move, is not rousing from anything; a sleeper's lone twitches and a noisy sensor
 * keep the average low (a run of readings without any at 8 was too strict: sensor noise x2 broke it).
 */
export const AROUSAL_QUIET_MS = 30_000;
export const AROUSAL_QUIET = 4;
/** Arousals closer than this count once. */
const AROUSAL_REFRACTORY_MS = 20_000;
/** The decaying count's time constant, and how many make a rousing wearer. */
const AROUSAL_DECAY_MS = 600_000;
export const AROUSAL_COUNT = 3;
/** The latest arousal must be this recent: most sleep-apnoea cycles (event and recovery) last 30-90 s; longer cycles are not covered (150 s cost model 1 its p90: 58 -> 61 s). */
export const AROUSAL_RECENT_MS = 90_000;
/** The pulse's slow average (time constant): the rule's evidence window (the count and the last arousal are in the snapshot). */
export const HR_SLOW_MS = 60_000;

const Learnt = z.object({ count: z.number().finite().min(0).max(1e6), lastT: z.number().finite().nullable() });

export class ArousalPattern implements Rule {
  readonly value = 0;
  private hrSlow: number | null = null;
  private hrT = 0;
  private count = 0;
  /** the last arousal (ms; -Infinity: none) */
  lastT = Number.NEGATIVE_INFINITY;
  /** arousals at or before this were counted before a takeover (the snapshot's time): a replay does not count them again */
  private countedTo = Number.NEGATIVE_INFINITY;
  /** the activity's average over ~AROUSAL_QUIET_MS (null: none yet) */
  private actAvg: number | null = null;

  observe(x: Reading, p: Picture): void {
    if (x.kind !== 'hr') return;
    const dt = this.hrSlow === null ? 0 : Math.max(0, x.t - this.hrT);
    this.hrT = x.t;
    const hrRise = this.hrSlow !== null && x.value >= this.hrSlow + AROUSAL_HR_RISE;
    this.hrSlow = this.hrSlow === null ? x.value : this.hrSlow + (x.value - this.hrSlow) * Math.min(1, dt / HR_SLOW_MS);
    const a = p.activity;
    const moved = a !== null && a >= AROUSAL_ACTIVITY && a < p.th.activityGate;
    const quiet = this.actAvg !== null && this.actAvg < AROUSAL_QUIET;
    if (a !== null) this.actAvg = this.actAvg === null ? a : this.actAvg + (a - this.actAvg) * Math.min(1, dt / AROUSAL_QUIET_MS);
    if ((hrRise || moved) && quiet && x.t > this.countedTo && x.t - this.lastT >= AROUSAL_REFRACTORY_MS) {
      this.count = this.count * Math.exp(-(x.t - this.lastT) / AROUSAL_DECAY_MS) + 1;
      this.lastT = x.t;
    }
  }

  /** Publishes whether the wearer keeps rousing, at `p.now`. */
  score(p: Picture): number {
    p.rousing = this.rousing(p.now);
    return 0;
  }

  rousing(now: number): boolean {
    if (now - this.lastT > AROUSAL_RECENT_MS) return false;
    return this.count * Math.exp(-(now - this.lastT) / AROUSAL_DECAY_MS) >= AROUSAL_COUNT;
  }

  reason(): null {
    return null;
  }

  learnt(): z.infer<typeof Learnt> {
    return { count: Math.round(this.count * 1e4) / 1e4, lastT: Number.isFinite(this.lastT) ? this.lastT : null };
  }

  restore(data: unknown, at: number): boolean {
    const r = Learnt.safeParse(data);
    if (!r.success) return false;
    this.count = r.data.count;
    this.lastT = r.data.lastT ?? Number.NEGATIVE_INFINITY;
    this.countedTo = at;
    return true;
  }

  /** Arousals span minutes: a gap does not end the pattern (it fades), but the pulse average starts over. */
  reset(): void {
    this.hrSlow = null;
    this.actAvg = null;
  }
}
