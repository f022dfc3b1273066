// Breathing-trend support: a fast RR average (10 s) against a slow personal baseline (5 min) learnt
// only while calm. "Breathing slowed from 14 to 6/min" adds 3 to a raised picture, never starts one.
import { z } from 'zod';
import { TRIGGER_SCORE, type Picture, type Reading, type Rule } from './rule.js';

const Learnt = z.object({ rrBase: z.number().finite().min(0).max(60).nullable() });
/** Evidence window: the fast average's (10 s); the baseline is in the snapshot. */
export const RR_FAST_MS = 10_000;

export class BreathingTrendRule implements Rule {
  rrFast: number | null = null;
  rrBase: number | null = null;
  value = 0;
  /** at the last score(): fast average at most 60 % of a baseline of 10/min or more */
  slowed = false;

  /** Level and trend; the baseline learns only with no episode and no depressed breathing (low-rr publishes it first). */
  observe(x: Reading, p: Picture): void {
    if (x.kind !== 'rr') return;
    const rr = x.value;
    this.rrFast = this.rrFast === null ? rr : this.rrFast + (rr - this.rrFast) * Math.min(1, x.dt / RR_FAST_MS);
    if (!p.lowRrOn && p.idle) {
      this.rrBase = this.rrBase === null ? rr : this.rrBase + (rr - this.rrBase) * Math.min(1, x.dt / 300_000);
    }
  }

  score(p: Picture): number {
    this.slowed = p.rrFresh && this.rrBase !== null && this.rrFast !== null && this.rrBase >= 10 && this.rrFast <= this.rrBase * 0.6;
    this.value = this.slowed && p.top >= TRIGGER_SCORE ? 3 : 0;
    return this.value;
  }

  /** Said when the picture is raised and breathing has slowed. */
  reason(p: Picture): string | null {
    if (this.slowed && p.score >= TRIGGER_SCORE && this.rrBase !== null && this.rrFast !== null) {
      return `breathing slowed from ${Math.round(this.rrBase)} to ${Math.round(this.rrFast)}/min`;
    }
    return null;
  }

  /** A trend is not running evidence: it survives a gap. */
  reset(): void {}

  learnt(): z.infer<typeof Learnt> {
    return { rrBase: this.rrBase === null ? null : Math.round(this.rrBase * 1000) / 1000 };
  }

  restore(data: unknown): boolean {
    const r = Learnt.safeParse(data);
    if (r.success) this.rrBase = r.data.rrBase;
    return r.success;
  }
}
