// Apnoea rule: seconds without breathing (RR 0), cleared only by RR_CLEAR_MS of breathing again.
import { RR_CLEAR_MS, WATCH_SCORE, secs, type Rule } from './rule.js';

export class ApnoeaRule implements Rule {
  on = false;
  ms = 0;
  private breathRunMs = -1; // -1 = no run
  value = 0;

  /** One RR reading `dt` ms after the last. Returns the length (ms) of a pause that ended now, else -1. */
  observe(rr: number, dt: number): number {
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

  /** Depressed breathing cleared: the apnoea inside it ends too (the breathing run is kept). */
  stop(): void {
    this.on = false;
    this.ms = 0;
  }

  reset(): void {
    this.on = false;
    this.ms = 0;
    this.breathRunMs = -1;
  }

  /** Seconds of apnoea that count now (none unless the RR stream is fresh). */
  seconds(rrFresh: boolean): number {
    return rrFresh && this.on ? this.ms / 1000 : 0;
  }

  /** Partial evidence from 5 s ("watch"), full at the persistence time, rising a point a second. */
  score(apneaS: number, needed: number): number {
    let v = 0;
    if (apneaS > 0) {
      if (apneaS >= needed) v = Math.min(95, 70 + (apneaS - needed));
      else if (apneaS >= 5) v = WATCH_SCORE + 25 * ((apneaS - 5) / Math.max(1, needed - 5));
    }
    this.value = v;
    return v;
  }

  reason(afterPattern: boolean): string {
    return `no breathing for ${secs(this.ms)} s${afterPattern ? ' (after recurrent self-ending pauses)' : ''}`;
  }
}
