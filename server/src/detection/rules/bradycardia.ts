// Bradycardia rule: late in an overdose, so it escalates a raised picture and never starts one.
import type { Thresholds } from '../types.js';
import { TRIGGER_SCORE } from './rule.js';

export class BradycardiaRule {
  base: number | null = null;
  /** bradycardia adds to the picture at the last score() */
  present = false;

  /** One filtered heart rate; the baseline learns only while calm. */
  observe(hr: number, calm: boolean): void {
    if (calm) this.base = this.base === null ? hr : this.base + (hr - this.base) / 300;
  }

  /** `top` is the strongest primary rule score; `hr` the latest filtered reading. */
  score(top: number, fresh: boolean, hr: number | null, th: Thresholds): number {
    this.present = top >= TRIGGER_SCORE && fresh && hr !== null && (hr <= th.bradyHr || (this.base !== null && hr <= this.base * 0.75));
    return this.present ? 10 : 0;
  }

  reason(hr: number): string {
    return `heart rate ${Math.round(hr)}/min${this.base !== null ? ` (usually ${Math.round(this.base)})` : ''}`;
  }
}
