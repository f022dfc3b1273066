// Desaturation rule: the wearer's own SpO2 baseline, saturation-seconds below the desaturation line
// (baseline - spo2Drop: depth x duration), the absolute floor, and the steep-fall predicate. A dip
// that shows soon after breathing is seen again is the probe's late tail of the pause that just ended.
import { z } from 'zod';
import type { Thresholds } from '../types.js';
import { TRIGGER_SCORE, WATCH_SCORE, calm, secs, type Picture, type Reading, type Rule } from './rule.js';

/** SpO2 must stay above the desaturation line this long before the saturation-seconds clear. */
export const SPO2_CLEAR_MS = 5_000;
/** SpO2 seen this long before the personal baseline is trusted (before: population rules only). */
const BASELINE_WARMUP_MS = 60_000;
/** What a snapshot keeps: the personal baseline and how long SpO2 was seen (the warm-up). */
const Learnt = z.object({ base: z.number().finite().min(50).max(100).nullable(), seenMs: z.number().finite().min(0) });
/** Evidence window (detection/snapshot.ts): saturation-seconds at one point below the line, the floor's seconds, the clearing. */
export const desaturationEvidenceMs = (th: Thresholds): number =>
  Math.max(th.satSeconds, th.spo2CriticalSeconds, 10) * 1000 + SPO2_CLEAR_MS;

/**
 * Points per second below the desaturation line that make a fall "steep": apnoea desaturates at
 * 0.2-0.3 points/s, hypoventilation (bradypnoea) and obstructive dips mostly slower.
 */
const STEEP_DESAT_RATE = 0.15;

/**
 * The probe's late tail: a finger probe shows SpO2 10-35 s late, smoothed over 3-12 s, so the dip of a
 * breathing pause that has ended shows after breathing is seen again. A desaturation that starts within
 * PROBE_TAIL_MS after depressed breathing cleared (breathing above the line again) is watched, not a
 * sign, while breathing stays seen and for at most TAIL_HOLD_MS after it came back: lasting longer, it
 * is no tail of that pause.
 */
export const PROBE_TAIL_MS = 45_000;
export const TAIL_HOLD_MS = 90_000;

export class DesaturationRule implements Rule {
  base: number | null = null;
  private seenMs = 0;
  satArea = 0;
  belowMs = 0;
  private aboveRunMs = -1;
  critLowMs = 0;
  private minSpo2 = Number.POSITIVE_INFINITY;
  value = 0;
  /** fall below the baseline at the last score(), when fresh; null otherwise */
  fall: number | null = null;
  /** a steep, sustained fall at the last score() */
  steep = false;
  /** depressed breathing (or apnoea) at the last reading, when breathing was last seen again after it, the run under way began as a tail */
  private eventOn = false;
  private backT = Number.NEGATIVE_INFINITY;
  private tail = false;

  /** A filtered SpO2 reading; a desaturation that ended by itself is published as `x.endedMs` (for the sleep-apnoea pattern). */
  observe(x: Reading, p: Picture): void {
    if (x.kind !== 'spo2') return;
    const on = p.lowRrOn;
    if (this.eventOn && !on) this.backT = x.t;
    this.eventOn = on;
    const below = this.belowMs;
    if (this.saturation(x.value, x.dt, calm(p), p.th)) x.endedMs = below;
    // a run that starts now is the tail of a pause that just ended, or not; breathing depressed again ends the tail
    if (below === 0 && this.belowMs > 0) this.tail = !on && x.t - this.backT <= PROBE_TAIL_MS;
    else if (on || this.belowMs === 0) this.tail = false;
  }

  /**
   * One filtered SpO2 reading `dt` ms after the last; `calm` = no episode and no breathing event.
   * Returns true when a desaturation of at least SPO2_CLEAR_MS ended by itself.
   */
  saturation(v: number, dt: number, calm: boolean, th: Thresholds): boolean {
    this.seenMs += dt;
    // Personal baseline: quick to learn at first, then slow; it rises readily but a desaturation
    // never drags it down, so a long fall keeps counting as a fall.
    if (this.base === null) this.base = v;
    else if (this.seenMs < BASELINE_WARMUP_MS) this.base += (v - this.base) * Math.min(1, dt / 15_000);
    else if (v >= this.base) this.base += (v - this.base) * Math.min(1, dt / 120_000);
    else if (calm && this.base - v < 2) this.base += (v - this.base) * Math.min(1, dt / 600_000);

    let ended = false;
    const line = this.line(th);
    if (line !== null && v < line) {
      this.satArea += (line - v) * (dt / 1000);
      this.belowMs += dt;
      this.aboveRunMs = -1;
      this.minSpo2 = Math.min(this.minSpo2, v);
    } else if (this.belowMs > 0 || this.satArea > 0) {
      this.aboveRunMs = this.aboveRunMs < 0 ? 0 : this.aboveRunMs + dt;
      if (this.aboveRunMs >= SPO2_CLEAR_MS) {
        // A desaturation that ended by itself (an obstructive dip): part of the sleep-apnoea pattern.
        ended = this.belowMs >= SPO2_CLEAR_MS;
        this.satArea = 0;
        this.belowMs = 0;
        this.minSpo2 = Number.POSITIVE_INFINITY;
      }
    }
    // Absolute floor, whatever the baseline (a wearable put on during an event learns a low baseline).
    if (v <= th.spo2Critical) this.critLowMs += dt;
    else this.critLowMs = 0;
    return ended;
  }

  learnt(): z.infer<typeof Learnt> {
    return { base: this.base === null ? null : Math.round(this.base * 1000) / 1000, seenMs: Math.min(this.seenMs, BASELINE_WARMUP_MS) };
  }

  restore(data: unknown): boolean {
    const r = Learnt.safeParse(data);
    if (!r.success) return false;
    this.base = r.data.base;
    this.seenMs = r.data.seenMs;
    return true;
  }

  line(th: Thresholds): number | null {
    if (this.base === null || this.seenMs < BASELINE_WARMUP_MS) return null;
    return this.base - th.spo2Drop;
  }

  reset(): void {
    this.tail = this.eventOn = false;
    this.satArea = this.belowMs = this.critLowMs = 0;
    this.aboveRunMs = -1;
    this.minSpo2 = Number.POSITIVE_INFINITY;
  }

  /** Scores the latest filtered reading `p.spo2`; the steep-fall predicate needs low-rr's `breathingSeen` and the pattern. */
  score(p: Picture): number {
    const th = p.th;
    const spo2Fresh = p.spo2Fresh;
    const spo2 = p.spo2;
    const line = this.line(th);
    let v = 0;
    this.fall = spo2Fresh && this.base !== null && spo2 !== null ? this.base - spo2 : null;
    if (spo2Fresh) {
      // a moderate dip in a wearer who keeps rousing (the cycles of obstructive sleep apnoea) is watched, not a sign
      const roused = p.rousing && (this.fall === null || this.fall < th.spo2CriticalDrop);
      if (roused || this.tailing(p.now)) v = this.satArea >= th.satSeconds / 3 ? WATCH_SCORE : 0;
      else if (this.satArea >= th.satSeconds && this.belowMs >= 10_000) v = Math.min(90, 62 + this.satArea / 20);
      else if (line !== null && this.satArea >= th.satSeconds / 3) v = Math.min(55, WATCH_SCORE + 25 * (this.satArea / th.satSeconds));
      if (this.critLowMs >= th.spo2CriticalSeconds * 1000) v = Math.max(v, 75);
    }
    this.value = v;
    this.steepFall(p.breathingSeen, p.desatPattern, th);
    p.spo2Line = line;
    p.spo2Base = this.base;
    p.fall = this.fall;
    p.satArea = this.satArea;
    p.critLowMs = this.critLowMs;
    p.desatScore = v;
    p.steep = this.steep;
    // A real desaturation is a breathing sign for fusion; saturation at baseline vetoes stillness alone.
    if (spo2Fresh && this.belowMs >= 10_000 && this.satArea >= th.satSeconds / 2 && !p.rousing && !this.tailing(p.now)) p.respSign = true;
    p.saturating = spo2Fresh && line !== null && spo2 !== null && spo2 >= line && this.satArea === 0;
    return v;
  }

  /** The run under way is the probe's late tail of a pause that ended (within TAIL_HOLD_MS of breathing seen again). */
  private tailing(now: number): boolean {
    return this.tail && now - this.backT <= TAIL_HOLD_MS;
  }

  /**
   * A steep, sustained fall from the wearer's own baseline is the oximeter's view of apnoea
   * (0.2-0.3 points/s): twice spo2Drop, gained at >= STEEP_DESAT_RATE per second below the line,
   * with no breathing seen and no pattern of self-ending dips (obstructive sleep apnoea).
   */
  steepFall(breathingSeen: boolean, desatPattern: boolean, th: Thresholds): boolean {
    const fall = this.fall;
    this.steep =
      this.value >= TRIGGER_SCORE &&
      fall !== null &&
      fall >= 2 * th.spo2Drop &&
      this.belowMs >= 10_000 &&
      (fall - th.spo2Drop) / (this.belowMs / 1000) >= STEEP_DESAT_RATE &&
      !breathingSeen &&
      !desatPattern;
    return this.steep;
  }

  reason(p: Picture): string | null {
    const spo2 = p.spo2;
    if (spo2 === null) return null;
    const fall = this.fall !== null ? Math.round(this.fall) : null;
    const below = this.belowMs > 0 ? this.belowMs : this.critLowMs;
    return `SpO2 ${Math.round(spo2)}%${fall !== null && fall > 0 ? `, ${fall} below baseline` : ''}, for ${secs(below)} s${this.steep ? ', falling steeply' : ''}`;
  }
}
