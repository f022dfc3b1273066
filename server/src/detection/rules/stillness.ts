// Stillness rule (Brave): an occupied room without movement; a breathing sign shortens the timer,
// deep stillness (not even breathing movement) counts after half of it.
import type { Thresholds } from '../types.js';
import { WATCH_SCORE, secs, type Picture, type Reading, type Rule } from './rule.js';

/** Time constant (ms) of the room motion average that decides deep stillness (Brave averages its radar index too). */
const MOTION_AVG_MS = 10_000;

export class StillnessRule implements Rule {
  occupied = false;
  stillMs = 0;
  private stillRun = false;
  private motionHits = 0;
  /** averaged room motion and seconds of deep stillness (average below deepStillMotion) */
  private motionAvg: number | null = null;
  private deepStillMs = 0;
  doorClosed: boolean | null = null;
  value = 0;
  /** at the last score(): stillness counted with a breathing sign / counted through deep stillness */
  fused = false;
  deep = false;

  /** Presence readings, and door events (someone came or went: stillness starts over). */
  observe(x: Reading, p: Picture): void {
    if (x.kind === 'room') this.presence(x.occupied, x.value, x.dt, p.th);
    else if (x.kind === 'door') this.door(x.open);
  }

  /** One presence reading `dt` ms after the last (0 = not bridged). */
  presence(occupied: boolean, motion: number, dt: number, th: Thresholds): void {
    this.occupied = occupied;
    this.motionAvg =
      this.motionAvg === null || dt === 0 ? motion : this.motionAvg + (motion - this.motionAvg) * Math.min(1, dt / MOTION_AVG_MS);
    if (!occupied) {
      this.stillMs = this.deepStillMs = 0;
      this.stillRun = false;
      this.motionHits = 0;
      return;
    }
    if (motion < th.stillMotion) {
      if (this.stillRun) {
        this.stillMs += dt;
        // Deep stillness: the averaged index shows not even the micro-movement of breathing.
        // (a stillMotion lowered below the default deep line leaves deep stillness no looser than still)
        if (this.motionAvg < Math.min(th.deepStillMotion, th.stillMotion / 2)) this.deepStillMs += dt;
        else this.deepStillMs = 0;
      }
      this.stillRun = true;
      this.motionHits = 0;
      return;
    }
    // One stray reading (a curtain, a pet) does not end stillness; clear movement does.
    this.deepStillMs = 0;
    this.motionHits++;
    if (motion >= 2 * th.stillMotion || this.motionHits >= 2) {
      this.stillMs = 0;
      this.stillRun = false;
    } else if (this.stillRun) this.stillMs += dt;
  }

  /** Someone came or went: stillness starts over. */
  door(open: boolean): void {
    this.doorClosed = !open;
    this.reset();
  }

  reset(): void {
    this.stillMs = 0;
    this.deepStillMs = 0;
    this.stillRun = false;
  }

  /**
   * Scored after the wearable's signs: `p.respSign` (a breathing sign) shortens the timer to a third;
   * `p.breathingSeen` (fresh normal breathing) vetoes it; `p.saturating` (fresh normal saturation)
   * vetoes stillness alone (minutes of apnoea would show) but not stillness with a breathing sign
   * (SpO2 lags 15-30 s behind the breathing).
   */
  score(p: Picture): number {
    const { th, roomFresh, respSign, breathingSeen, saturating } = p;
    let v = 0;
    this.fused = false;
    this.deep = false;
    if (this.occupied && this.stillMs > 0 && roomFresh) {
      const base = this.doorClosed === true ? th.stillnessClosedSeconds : th.stillnessSeconds;
      const needed = (respSign ? base / 3 : base) * 1000;
      // Deep stillness (no micro-movement) counts after half the time (Brave's high-confidence stillness).
      const deepNeeded = (base / 2) * 1000;
      const progress = Math.max(this.stillMs / needed, this.deepStillMs / deepNeeded);
      if (!breathingSeen && (respSign || !saturating)) {
        if (progress >= 1) {
          v = respSign ? 75 : 65;
          this.fused = respSign;
          this.deep = this.stillMs < needed;
        } else if (progress >= 0.5) v = WATCH_SCORE + 25 * ((progress - 0.5) / 0.5);
      }
    }
    this.value = v;
    p.stillS = this.stillMs / 1000;
    return v;
  }

  reason(): string {
    const door = this.doorClosed === true ? ', door closed' : '';
    const deep = this.deep ? `, not even breathing movement for ${secs(this.deepStillMs)} s` : '';
    return `no movement in occupied room for ${secs(this.stillMs)} s${door}${deep}${this.fused ? ' with a breathing sign' : ''}`;
  }
}
