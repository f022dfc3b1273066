// Apnoea rule: seconds without breathing (RR 0), cleared only by RR_CLEAR_MS of breathing again.
// Apnoea is depressed breathing at its deepest: it starts with a low-RR run and, since 3 s of
// breathing clears both, ends no later than it (fusion counts the two as one sign).
import type { Thresholds } from '../types.js';
import { RR_CLEAR_MS, WATCH_SCORE, secs, type Picture, type Reading, type Rule } from './rule.js';

/** Evidence window: the score tops out 25 s past the longer persistence time (the sleep-apnoea pattern's), then the clearing. */
export const apnoeaEvidenceMs = (th: Thresholds): number => (Math.max(th.apneaSeconds, th.criticalApneaSeconds) + 25) * 1000 + RR_CLEAR_MS;

export class ApnoeaRule implements Rule {
  on = false;
  ms = 0;
  private breathRunMs = -1; // -1 = no run
  value = 0;

  /** An RR reading; a pause that ended with it is published as `x.endedMs` (for the sleep-apnoea pattern). */
  observe(x: Reading, p: Picture): void {
    if (x.kind !== 'rr') return;
    x.endedMs = this.breath(x.value, x.dt);
    p.apnoeaOn = this.on;
  }

  /** One RR reading `dt` ms after the last. Returns the length (ms) of a pause that ended now, else -1. */
  breath(rr: number, dt: number): number {
    if (this.on) this.ms += dt;
    if (rr === 0) {
      if (!this.on) {
        this.on = true;
        this.ms = 0;
      }
      this.breathRunMs = -1;
    } else if (this.on) {
      this.breathRunMs = this.breathRunMs < 0 ? 0 : this.breathRunMs + dt;
      if (this.breathRunMs >= RR_CLEAR_MS) {
        const ended = this.ms;
        this.on = false;
        this.ms = 0;
        return ended;
      }
    }
    return -1;
  }

  reset(p: Picture): void {
    this.on = false;
    this.ms = 0;
    this.breathRunMs = -1;
    p.apnoeaOn = false;
  }

  /** Seconds of apnoea that count now (none unless the RR stream is fresh). */
  seconds(rrFresh: boolean): number {
    return rrFresh && this.on ? this.ms / 1000 : 0;
  }

  /** Partial evidence from 5 s ("watch"), full at the persistence time (the sleep-apnoea pattern's), rising a point a second. */
  score(p: Picture): number {
    const apneaS = this.seconds(p.rrFresh);
    const needed = p.apneaNeeded;
    let v = 0;
    if (apneaS > 0) {
      if (apneaS >= needed) v = Math.min(95, 70 + (apneaS - needed));
      else if (apneaS >= 5) v = WATCH_SCORE + 25 * ((apneaS - 5) / Math.max(1, needed - 5));
    }
    this.value = v;
    p.apneaS = apneaS;
    p.apnoeaScore = v;
    // apnoea that already counts is a breathing sign for fusion
    if (apneaS >= needed) p.respSign = true;
    return v;
  }

  reason(p: Picture): string {
    const afterPattern = p.apneaNeeded > p.th.apneaSeconds;
    return `no breathing for ${secs(this.ms)} s${afterPattern ? ' (after recurrent self-ending pauses)' : ''}`;
  }
}
