// Bradycardia rule: late in an overdose, so it escalates a raised picture and never starts one.
import { z } from 'zod';
import { TRIGGER_SCORE, calm, learnHrBase, learntHrBase, type Picture, type Reading, type Rule } from './rule.js';

const Learnt = z.object({ base: learntHrBase });

export class BradycardiaRule implements Rule {
  base: number | null = null;
  value = 0;

  /** One filtered heart rate (read before the RR of the same sample); the baseline learns only while calm. */
  observe(x: Reading, p: Picture): void {
    if (x.kind !== 'hr') return;
    if (calm(p)) this.base = learnHrBase(this.base, x.value);
  }

  /** Adds 10 when the strongest sign `p.top` triggers and the latest filtered `p.hr` is low or 25 % under the baseline. */
  score(p: Picture): number {
    const hr = p.hr;
    const present =
      p.top >= TRIGGER_SCORE && p.vitalsFresh && hr !== null && (hr <= p.th.bradyHr || (this.base !== null && hr <= this.base * 0.75));
    this.value = present ? 10 : 0;
    return this.value;
  }

  reason(p: Picture): string | null {
    if (this.value === 0 || p.hr === null) return null;
    return `heart rate ${Math.round(p.hr)}/min${this.base !== null ? ` (usually ${Math.round(this.base)})` : ''}`;
  }

  /** A baseline is not running evidence: it survives a gap. */
  reset(): void {}

  learnt(): z.infer<typeof Learnt> {
    return { base: this.base === null ? null : Math.round(this.base * 1000) / 1000 };
  }

  restore(data: unknown): boolean {
    const r = Learnt.safeParse(data);
    if (r.success) this.base = r.data.base;
    return r.success;
  }
}
