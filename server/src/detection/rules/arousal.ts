// Arousals (a context rule): obstructive sleep apnoea ends each event with an arousal, a brief
// surge of heart rate (sympathetic burst, +8-20 bpm within seconds) and often a small movement, so
// its desaturations come in cycles that the sleeper ends themselves. An opioid overdose has none:
// the wrist stays still and the pulse flat or falling. A wearer who keeps rousing (several
// arousals in the last minutes, the latest one recent) is not the still, unrousable person the
// moderate signs (a desaturation short of spo2CriticalDrop, stillness alone) are looking for.
// An arousal the pulse and the wrist miss still ends the obstruction: SpO2 climbs back by itself
// (resaturation), which opioid depression does not do, so a dip that climbs back counts too.
import { z } from 'zod';
import type { Picture, Reading, Rule } from './rule.js';
import { SlotMeans } from './slot-means.js';

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

/**
 * Resaturation: a 5 s mean of SpO2 at least RESAT_RISE points above the lowest of the last minute's,
 * that lowest at least RESAT_DEPTH below the personal baseline: a dip that climbs back (an obstructive
 * cycle's arousal shows in SpO2 within a minute, through the probe lag; sensor noise moves a 5 s mean
 * well under a point, so a ripple does not count).
 */
const RESAT_SLOT_MS = 5_000;
const RESAT_SLOTS = 12;
export const RESAT_RISE = 2;
export const RESAT_DEPTH = 2;
/** A climb back this soon after a check-in or an alert may be the intervention working (the prompt woke them, naloxone): not counted. */
export const INTERVENTION_MS = 180_000;
/** A climb back this soon after a pulse surge or movement that counted is the same cycle seen through the probe lag: it keeps the pattern recent, not counted again. */
const SAME_CYCLE_MS = 60_000;

const time = z.number().finite().nullable();
const Learnt = z.object({
  count: z.number().finite().min(0).max(1e6),
  lastT: time,
  // absent in snapshots written before resaturations counted (the same version reads them)
  surgeT: time.optional(),
  busyT: time.optional(),
});
const finite = (t: number | null | undefined) => t ?? Number.NEGATIVE_INFINITY;
const orNull = (t: number) => (Number.isFinite(t) ? t : null);

export class ArousalPattern implements Rule {
  readonly value = 0;
  private hrSlow: number | null = null;
  private hrT = 0;
  private count = 0;
  /** the last arousal evidence, a pulse surge, movement or a resaturation (ms; -Infinity: none) */
  lastT = Number.NEGATIVE_INFINITY;
  /** the last pulse surge or movement counted */
  private surgeT = Number.NEGATIVE_INFINITY;
  /** the last reading during a check-in or an alert (an intervention) */
  private busyT = Number.NEGATIVE_INFINITY;
  /** SpO2: the last minute's 5 s means */
  private readonly spo2Means = new SlotMeans(RESAT_SLOT_MS, RESAT_SLOTS);
  /** arousals at or before this were counted before a takeover (the snapshot's time): a replay does not count them again */
  private countedTo = Number.NEGATIVE_INFINITY;
  /** the activity's average over ~AROUSAL_QUIET_MS (null: none yet) */
  private actAvg: number | null = null;

  observe(x: Reading, p: Picture): void {
    if (x.kind === 'spo2') {
      this.spo2(x, p);
      return;
    }
    if (x.kind !== 'hr') return;
    const dt = this.hrSlow === null ? 0 : Math.max(0, x.t - this.hrT);
    this.hrT = x.t;
    const hrRise = this.hrSlow !== null && x.value >= this.hrSlow + AROUSAL_HR_RISE;
    this.hrSlow = this.hrSlow === null ? x.value : this.hrSlow + (x.value - this.hrSlow) * Math.min(1, dt / HR_SLOW_MS);
    const a = p.activity;
    const moved = a !== null && a >= AROUSAL_ACTIVITY && a < p.th.activityGate;
    const quiet = this.actAvg !== null && this.actAvg < AROUSAL_QUIET;
    if (a !== null) this.actAvg = this.actAvg === null ? a : this.actAvg + (a - this.actAvg) * Math.min(1, dt / AROUSAL_QUIET_MS);
    if ((hrRise || moved) && quiet && x.t > this.countedTo && x.t - this.surgeT >= AROUSAL_REFRACTORY_MS) {
      this.arousal(x.t);
      this.surgeT = x.t;
    }
  }

  private arousal(t: number): void {
    this.count = this.count * Math.exp(-(t - this.lastT) / AROUSAL_DECAY_MS) + 1;
    this.lastT = t;
  }

  /** The pattern is seen again at `t` without a new arousal: the count decayed to `t`, the latest evidence `t`. */
  private recent(t: number): void {
    if (t <= this.lastT) return;
    this.count *= Math.exp(-(t - this.lastT) / AROUSAL_DECAY_MS);
    this.lastT = t;
  }

  /** A filtered SpO2 reading: 5 s means, and a dip that climbs back by itself out of a quiet wrist. */
  private spo2(x: Reading, p: Picture): void {
    if (!p.idle) this.busyT = x.t;
    // a gap (dt 0: not continuous) starts the minute afresh
    const means = this.spo2Means;
    if (x.dt === 0) means.reset();
    // a slot that spans missed readings is kept once (no held slots: only the lowest of the minute is read)
    const mean = means.add(x.t, x.value);
    if (mean !== null) {
      const low = Math.min(mean, means.min());
      const base = p.spo2Base;
      if (base !== null && means.n > 0 && low <= base - RESAT_DEPTH && mean >= low + RESAT_RISE) {
        // counted once: the minute starts afresh from the climbed-back level
        means.clear();
        const quiet = this.actAvg !== null && this.actAvg < AROUSAL_QUIET;
        if (quiet && x.t > this.countedTo && x.t - this.busyT > INTERVENTION_MS) {
          if (x.t - this.surgeT <= SAME_CYCLE_MS) this.recent(x.t);
          else this.arousal(x.t);
        }
      }
      means.push(mean);
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
    return { count: Math.round(this.count * 1e4) / 1e4, lastT: orNull(this.lastT), surgeT: orNull(this.surgeT), busyT: orNull(this.busyT) };
  }

  restore(data: unknown, at: number): boolean {
    const r = Learnt.safeParse(data);
    if (!r.success) return false;
    this.count = r.data.count;
    this.lastT = finite(r.data.lastT);
    this.surgeT = finite(r.data.surgeT);
    this.busyT = finite(r.data.busyT);
    this.countedTo = at;
    return true;
  }

  /** Arousals span minutes: a gap does not end the pattern (it fades), but the pulse average and the SpO2 minute start over. */
  reset(): void {
    this.hrSlow = null;
    this.actAvg = null;
    this.spo2Means.reset();
  }
}
