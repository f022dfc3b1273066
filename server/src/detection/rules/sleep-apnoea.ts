// Sleep-apnoea pattern: decaying counts of pauses and desaturations that ended by themselves. A
// wearer with the pattern is given longer before an apnoea counts, and no "steep fall" shortcut.
import type { Thresholds } from '../types.js';

/** Breathing pauses at least this long that end by themselves count towards the sleep-apnoea pattern. */
export const SELF_RESOLVED_MIN_MS = 8_000;
/** The pattern fades with this time constant (ms): about three self-ended pauses in 15 min keep it. */
const RECURRENT_DECAY_MS = 900_000;
const RECURRENT_COUNT = 3;

export class SleepApnoeaPattern {
  /** decaying count of apnoeas that ended by themselves and when it was last bumped */
  private recurrent = 0;
  private recurrentT = 0;
  /** the same for desaturations below the line that ended by themselves (oximetry ODI, for wearers without RR) */
  private recurrentDesat = 0;
  private recurrentDesatT = 0;

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
