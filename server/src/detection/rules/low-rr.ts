// Low-RR rule: seconds of depressed breathing (RR <= lowRr, apnoea included), cleared only by
// RR_CLEAR_MS above the line. The breathing trend is a support of its own (rr-trend.ts).
import type { Thresholds } from '../types.js';
import { RR_CLEAR_MS, WATCH_SCORE, secs, type Picture, type Reading, type Rule } from './rule.js';

/** Evidence window: the score tops out 75 s past lowRrSeconds (the critical predicate needs 30), then the clearing. */
export const lowRrEvidenceMs = (th: Thresholds): number => (th.lowRrSeconds + 75) * 1000 + RR_CLEAR_MS;

export class LowRrRule implements Rule {
  on = false;
  ms = 0;
  private aboveRunMs = -1;
  /** lowest rate of the running event (an apnoea inside it counts: it starts the event with RR 0) */
  minRr = Number.POSITIVE_INFINITY;
  value = 0;

  observe(x: Reading, p: Picture): void {
    if (x.kind !== 'rr') return;
    this.breath(x.value, x.dt, p.th.lowRr);
    p.lowRrOn = this.on;
  }

  /** One RR reading `dt` ms after the last. Returns true when depressed breathing cleared. */
  breath(rr: number, dt: number, lowRr: number): boolean {
    if (this.on) this.minRr = Math.min(this.minRr, rr);
    if (this.on) this.ms += dt;
    if (rr <= lowRr) {
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

  reset(p: Picture): void {
    this.on = false;
    this.ms = 0;
    this.aboveRunMs = -1;
    this.minRr = Number.POSITIVE_INFINITY;
    p.lowRrOn = false;
  }

  seconds(rrFresh: boolean): number {
    return rrFresh && this.on ? this.ms / 1000 : 0;
  }

  score(p: Picture): number {
    const th = p.th;
    const lowS = this.seconds(p.rrFresh);
    let v = 0;
    if (lowS > 0) {
      if (lowS >= th.lowRrSeconds) v = Math.min(90, 65 + (this.minRr <= th.criticalRr ? 5 : 0) + (lowS - th.lowRrSeconds) / 3);
      else if (lowS >= 10) v = WATCH_SCORE + 25 * ((lowS - 10) / Math.max(1, th.lowRrSeconds - 10));
    }
    this.value = v;
    p.lowS = lowS;
    p.minRr = this.minRr;
    // A breathing sign for fusion is slow-but-present breathing: a pause alone is what sleep does.
    if (lowS >= th.lowRrSeconds / 2 && lowS - p.apneaS >= 10) p.respSign = true;
    // Fresh breathing above the line and no event running: a still person who breathes is asleep.
    p.breathingSeen = p.rrFresh && p.rr !== null && p.rr > th.lowRr && !this.on;
    return v;
  }

  /** `p.rr` is the latest filtered reading; an apnoea at watch level already says "no breathing". */
  reason(p: Picture): string | null {
    const rr = p.rr;
    const th = p.th;
    if (p.apnoeaScore >= WATCH_SCORE && rr === 0) return null;
    const shown = rr !== null && rr > 0 && rr <= th.lowRr ? rr : th.lowRr;
    const now0 = rr === 0 ? ', stopped now' : rr !== null && rr > th.lowRr ? `, ${Math.round(rr)}/min now` : '';
    return `breathing ${Math.round(shown)}/min or less for ${secs(this.ms)} s${now0}`;
  }
}
