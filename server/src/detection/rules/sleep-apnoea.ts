// Sleep-apnoea pattern: decaying counts of pauses and desaturations that ended by themselves. A
// wearer with the pattern is given longer before an apnoea counts, and no "steep fall" shortcut.
// A context rule: it hears the pauses and dips the apnoea and desaturation rules publish (so it
// comes after them in the registry), and is scored before every sign (it scores nothing itself).
import { z } from 'zod';
import type { Thresholds } from '../types.js';
import type { Picture, Reading, Rule } from './rule.js';

/** Breathing pauses at least this long that end by themselves count towards the sleep-apnoea pattern. */
export const SELF_RESOLVED_MIN_MS = 8_000;
/** The pattern fades with this time constant (ms): about three self-ended pauses in 15 min keep it. */
const RECURRENT_DECAY_MS = 900_000;
const RECURRENT_COUNT = 3;

const count = z.number().finite().min(0).max(1e6);
const Learnt = z.object({ recurrent: count, recurrentT: z.number().finite(), recurrentDesat: count, recurrentDesatT: z.number().finite() });

export class SleepApnoeaPattern implements Rule {
  readonly value = 0;
  /** decaying count of apnoeas that ended by themselves and when it was last bumped */
  private recurrent = 0;
  private recurrentT = 0;
  /** the same for desaturations below the line that ended by themselves (oximetry ODI, for wearers without RR) */
  private recurrentDesat = 0;
  private recurrentDesatT = 0;
  /** events at or before this were counted before a takeover (the snapshot's time): a replay does not count them again */
  private countedTo = Number.NEGATIVE_INFINITY;

  /** Pauses and dips that ended by themselves, outside an alert (an alert's own recovery is no pattern). */
  observe(x: Reading, p: Picture): void {
    if (x.endedMs < 0 || p.alerted || x.t <= this.countedTo) return;
    if (x.kind === 'rr' && x.endedMs >= SELF_RESOLVED_MIN_MS) this.apnoeaEnded(x.t);
    else if (x.kind === 'spo2') this.desaturationEnded(x.t);
  }

  /** Publishes how long an apnoea needs and whether the dips make a pattern, at `p.now`. */
  score(p: Picture): number {
    p.apneaNeeded = this.apneaNeeded(p.now, p.th);
    p.desatPattern = this.desatPattern(p.now);
    return 0;
  }

  reason(): null {
    return null;
  }

  /** The pattern spans many pauses: a gap does not end it (it fades). */
  reset(): void {}

  learnt(): z.infer<typeof Learnt> {
    const r4 = (v: number) => Math.round(v * 1e4) / 1e4;
    return {
      recurrent: r4(this.recurrent),
      recurrentT: this.recurrentT,
      recurrentDesat: r4(this.recurrentDesat),
      recurrentDesatT: this.recurrentDesatT,
    };
  }

  restore(data: unknown, at: number): boolean {
    const r = Learnt.safeParse(data);
    if (!r.success) return false;
    ({
      recurrent: this.recurrent,
      recurrentT: this.recurrentT,
      recurrentDesat: this.recurrentDesat,
      recurrentDesatT: this.recurrentDesatT,
    } = r.data);
    this.countedTo = at;
    return true;
  }

  apnoeaEnded(t: number): void {
    this.recurrent = this.recurrent * Math.exp(-(t - this.recurrentT) / RECURRENT_DECAY_MS) + 1;
    this.recurrentT = t;
  }

  desaturationEnded(t: number): void {
    this.recurrentDesat = this.recurrentDesat * Math.exp(-(t - this.recurrentDesatT) / RECURRENT_DECAY_MS) + 1;
    this.recurrentDesatT = t;
  }

  /**
   * Seconds of apnoea before it counts. A wearer whose pauses keep ending by themselves (obstructive
   * sleep apnoea) is given criticalApneaSeconds instead, so a night of 10-25 s apnoeas does not
   * prompt every minute; a pause that long is still acted on, and depressed breathing is not affected.
   */
  apneaNeeded(now: number, th: Thresholds): number {
    if (this.recurrent === 0) return th.apneaSeconds;
    const level = this.recurrent * Math.exp(-(now - this.recurrentT) / RECURRENT_DECAY_MS);
    return level >= RECURRENT_COUNT ? Math.max(th.apneaSeconds, th.criticalApneaSeconds) : th.apneaSeconds;
  }

  /** Three or more desaturations that ended by themselves within ~15 min (an ODI-style sleep-apnoea pattern). */
  desatPattern(now: number): boolean {
    return this.recurrentDesat > 0 && this.recurrentDesat * Math.exp(-(now - this.recurrentDesatT) / RECURRENT_DECAY_MS) >= RECURRENT_COUNT;
  }
}
