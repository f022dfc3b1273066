// Low-RR rule: seconds of depressed breathing (RR <= lowRr, apnoea included), and the breathing
// trend (a fast average against a slow personal baseline learnt while calm).
import type { Thresholds } from '../types.js';
import { RR_CLEAR_MS, TRIGGER_SCORE, WATCH_SCORE, secs, type Rule } from './rule.js';

export class LowRrRule implements Rule {
  on = false;
  ms = 0;
  private aboveRunMs = -1;
  minRr = Number.POSITIVE_INFINITY;
  rrFast: number | null = null;
  rrBase: number | null = null;
  value = 0;
  /** "breathing slowed" at the last score(): fast average at most 60 % of a baseline of 10/min or more */
  slowed = false;

  /** One RR reading. `apnoeaOn` is the apnoea rule's state before this reading. Returns true when depressed breathing cleared. */
  observe(rr: number, dt: number, apnoeaOn: boolean, th: Thresholds): boolean {
    if (apnoeaOn || this.on) this.minRr = Math.min(this.minRr, rr);
    if (this.on) this.ms += dt;
    if (rr <= th.lowRr) {
      if (!this.on) {
        this.on = true;
        this.ms = 0;
        this.minRr = rr;
      }
      this.aboveRunMs = -1;
    } else if (this.on) {
      this.aboveRunMs = this.aboveRunMs < 0 ? 0 : this.aboveRunMs + dt;
      if (this.aboveRunMs >= RR_CLEAR_MS) {
        this.on = false;
        this.ms = 0;
        return true;
      }
    }
    return false;
  }

  /** Level and trend; the baseline learns only while calm (`idle`: no episode running). */
  trend(rr: number, dt: number, idle: boolean): void {
    this.rrFast = this.rrFast === null ? rr : this.rrFast + (rr - this.rrFast) * Math.min(1, dt / 10_000);
    if (!this.on && idle) {
      this.rrBase = this.rrBase === null ? rr : this.rrBase + (rr - this.rrBase) * Math.min(1, dt / 300_000);
    }
  }

  reset(): void {
    this.on = false;
    this.ms = 0;
    this.aboveRunMs = -1;
    this.minRr = Number.POSITIVE_INFINITY;
  }

  seconds(rrFresh: boolean): number {
    return rrFresh && this.on ? this.ms / 1000 : 0;
  }

  score(lowS: number, rrFresh: boolean, th: Thresholds): number {
    let v = 0;
    if (lowS > 0) {
      if (lowS >= th.lowRrSeconds) v = Math.min(90, 65 + (this.minRr <= th.criticalRr ? 5 : 0) + (lowS - th.lowRrSeconds) / 3);
      else if (lowS >= 10) v = WATCH_SCORE + 25 * ((lowS - 10) / Math.max(1, th.lowRrSeconds - 10));
    }
    this.value = v;
    this.slowed = rrFresh && this.rrBase !== null && this.rrFast !== null && this.rrBase >= 10 && this.rrFast <= this.rrBase * 0.6;
    return v;
  }

  /** `rr` is the latest filtered reading. */
  reason(rr: number | null, th: Thresholds): string {
    const shown = rr !== null && rr > 0 && rr <= th.lowRr ? rr : th.lowRr;
    const now0 = rr === 0 ? ', stopped now' : rr !== null && rr > th.lowRr ? `, ${Math.round(rr)}/min now` : '';
    return `breathing ${Math.round(shown)}/min or less for ${secs(this.ms)} s${now0}`;
  }

  /** The trend reason, when the picture is raised and breathing has slowed; null otherwise. */
  trendReason(score: number): string | null {
    if (this.slowed && score >= TRIGGER_SCORE && this.rrBase !== null && this.rrFast !== null) {
      return `breathing slowed from ${Math.round(this.rrBase)} to ${Math.round(this.rrFast)}/min`;
    }
    return null;
  }
}
