// Stillness rule (Brave): an occupied room without movement, judged on each room sensor's own
// learnt scale (room-scale.ts) over a window of readings, not reading by reading; a breathing sign
// shortens the timer, deep stillness (not even breathing movement) counts after half of it.
// `stillMotion` and `deepStillMotion` (the thresholds table) are lines on the reference scale:
// a reading is divided by its sensor's factor (moving level / REF_MOVING) before it is compared.
import { z } from 'zod';
import type { Thresholds } from '../types.js';
import { BINS, RoomScale } from './room-scale.js';
import { WATCH_SCORE, secs, type Picture, type Reading, type Rule } from './rule.js';

/** Readings in the judging window (18 s at the usual 2 s cadence): stillness is its median below the line. */
export const ROOM_WINDOW = 9;
/** The most below-line time credited when the window agrees (its span at the usual cadence). */
const PENDING_MAX_MS = 2_000 * (ROOM_WINDOW - 1);
/** A learnt factor that moves by more than this (or a sensor becoming learnt) re-judges the running stillness on the new scale. */
const REJUDGE_RATIO = 1.5;
/** At most this many room sensors are learnt per wearer (more share the last one). */
const MAX_SENSORS = 4;

/** Evidence window: the longer stillness timer, the judging window filling and the below-line time credited before it agreed. */
export const stillnessEvidenceMs = (th: Thresholds): number =>
  Math.max(th.stillnessSeconds, th.stillnessClosedSeconds, th.priorStillnessSeconds) * 1000 + 2_000 * ROOM_WINDOW + PENDING_MAX_MS;

const Learnt = z.object({
  doorClosed: z.boolean().nullable(),
  scales: z
    .array(
      z.object({
        device: z.string().max(200),
        hist: z.array(z.number().finite().min(0)).length(BINS),
        total: z.number().finite().min(0),
        samples: z.number().int().min(0),
        factor: z.number().finite().min(0.01).max(100),
        known: z.boolean(),
        entered: z.boolean(),
        quantum: z.union([z.literal(0), z.literal(1)]),
        confirmed: z.boolean().optional(),
        runs: z.array(z.number().int().min(0).max(8)).length(BINS).optional(),
      }),
    )
    .max(MAX_SENSORS),
});

export class StillnessRule implements Rule {
  occupied = false;
  stillMs = 0;
  private stillRun = false;
  /** below-line time before the window's median agreed (credited when the run starts; -1: the last reading was above) */
  private pendingMs = -1;
  /** the last readings on the reference scale (ring) */
  private readonly win = new Float64Array(ROOM_WINDOW);
  private winN = 0;
  private winAt = 0;
  private deepStillMs = 0;
  /** time of the run in which most of the window read exactly 0 on a whole-number sensor (stillness on every scale) */
  private zeroMs = 0;
  /**
   * The bounded fallback's clock: occupied time with nothing at `stillMotion` on the stiller of the two
   * scales (the reference prior and the learnt one: the reading divided by the larger of 1 and the
   * factor), from the first reading below it (-1: the last reading was at the line). See score().
   */
  private belowMs = -1;
  doorClosed: boolean | null = null;
  value = 0;
  /** at the last score(): stillness counted with a breathing sign / counted through deep stillness */
  fused = false;
  deep = false;
  /** at the last score(): stillness held at watch because its sensor is still on the reference prior */
  unsure = false;
  /** at the last score(): a check-in from the bounded fallback (priorStillnessSeconds) */
  bounded = false;
  /** at the last score(): the bounded fallback's clock */
  private fallbackMs = 0;
  /** the learnt scale of each room sensor */
  readonly scales: RoomScale[] = [];
  /** the last reading's sensor is read on its own scale (learnt or entry prior), not the reference prior */
  private onScale = false;
  /** the last reading's sensor has no confirmed scale (the reference prior, or a scale learnt without moving bouts): the bounded fallback applies */
  private unconfirmed = true;
  /** the room was last seen empty (the next occupied reading starts an entry) */
  private seenEmpty = false;
  /** occupied time seen by this rule (ms), the clock of the scales' last-seen marks */
  private clockMs = 0;
  /** the factor the window's readings were divided by (one sensor: rescaled when its scale is learnt or moves) */
  private winFactor = 1;
  /** readings at or before this were learnt before a takeover (the snapshot's time): a replay does not learn them again */
  private learntTo = Number.NEGATIVE_INFINITY;

  /** Presence readings, and door events (someone came or went: stillness starts over). */
  observe(x: Reading, p: Picture): void {
    if (x.kind === 'room') this.presence(x.occupied, x.value, x.dt, p.th, x.device, x.t);
    else if (x.kind === 'door') this.door(x.open);
  }

  /** The learnt scale of `device` (made on first sight). */
  scaleOf(device: string): RoomScale {
    for (const s of this.scales) if (s.device === device) return s;
    if (this.scales.length >= MAX_SENSORS) return this.scales[this.scales.length - 1]!;
    const s = new RoomScale(device);
    this.scales.push(s);
    return s;
  }

  /** One presence reading `dt` ms after the last (0 = not bridged) from room sensor `device`, at `t`. */
  presence(occupied: boolean, motion: number, dt: number, th: Thresholds, device = 'room', t = Number.POSITIVE_INFINITY): void {
    this.occupied = occupied;
    if (dt === 0) this.winN = 0;
    if (!occupied) {
      this.seenEmpty = true;
      this.reset();
      return;
    }
    const scale = this.scaleOf(device);
    if (this.seenEmpty) scale.enter();
    this.seenEmpty = false;
    this.clockMs += dt;
    scale.seen(motion, this.clockMs, t > this.learntTo);
    const wasKnown = scale.known;
    // A learnt sensor does not learn from the still side of a stillness run: an overdose in progress
    // (breathing stillness, then not even that) would otherwise become a third, growing class that
    // pulls the split down between breathing and apnoea, so the "moving" level takes in breathing and
    // the factor falls under the run (x4: from 3.4 to 1.4 two minutes into an apnoea). Readings
    // above the line (movement) are always learnt.
    // A replay after a takeover does not learn again what the snapshot already holds.
    if (t > this.learntTo && !(wasKnown && this.stillRun && motion / scale.factor < th.stillMotion)) scale.learn(motion);
    let rejudge = false;
    if (scale.factor !== this.winFactor) {
      // the window holds readings on the old factor: put them on the new one (one sensor; several share the window)
      if (this.scales.length === 1) for (let i = 0; i < this.winN; i++) this.win[i] = (this.win[i]! * this.winFactor) / scale.factor;
      // A run counted on the reference prior (or on a factor far from the new one) is not evidence
      // on this sensor's scale: a radar x0.25 read on the prior shows a person walking in as still.
      // It is judged again from the rescaled window, which is all the evidence on the new scale.
      const ratio = scale.factor / this.winFactor;
      rejudge = scale.known !== wasKnown || ratio > REJUDGE_RATIO || ratio < 1 / REJUDGE_RATIO;
      this.winFactor = scale.factor;
    }
    const v = motion / scale.factor;
    this.win[this.winAt] = v;
    this.winAt = (this.winAt + 1) % ROOM_WINDOW;
    if (this.winN < ROOM_WINDOW) this.winN++;
    const line = th.stillMotion;
    // The bounded fallback (score()) reads the sensor on the stiller of the reference prior and its
    // learnt scale: a fresh radar x4 that learnt a still person's breathing (10) as its moving level
    // reads their apnoea (0-4) as movement on that scale, but as stillness on the reference one; a
    // radar that learnt a factor above 1 reads stillness on its own scale. Any reading at the line on
    // it restarts the clock (taken without the whole-number step's allowance): an awake reader on a
    // radar x0.25 reads 1-5, a 5 about one reading in eight. A radar x4's apnoea reads 5-6 about one
    // reading in 60, which restarts it too (that prompt comes a bound after the last such reading):
    // allowing a lone reading at the line, or charging it a minute instead, prompted that reader within
    // an hour in 1-8% of simulated runs.
    // Counted like stillness, from the first reading below the line (so never ahead of the stillness
    // timer on the same readings).
    const low = motion / Math.max(1, scale.factor);
    if (low >= line) this.belowMs = -1;
    else this.belowMs = this.belowMs < 0 ? 0 : this.belowMs + dt;
    this.unconfirmed = !scale.confirmed;
    // Clear movement (a reading at twice the line) ends stillness at once.
    if (v >= 2 * line) {
      this.clearRun();
      return;
    }
    // A whole-number reading r stands for anything in [r - 1/2, r + 1/2) on the sensor's scale: it
    // counts as still when the line reaches into its step (on a radar x0.25 a quietly breathing
    // occupant reads 1, which is 2.8-8.3 on the reference scale), and as "not even breathing" only
    // when all of its step is below the deep line (below).
    // Until its scale is learnt a sensor is read on a prior (the reference scale, or what it showed
    // as someone walked in: room-scale.ts, ENTRY); when the scale is learnt the run is judged again
    // (below) from the last clear movement.
    const half = scale.quantum / (2 * scale.factor);
    const stillLine = line + half;
    const stillNow = this.below(stillLine);
    this.onScale = scale.known || scale.entered;
    if (rejudge) {
      // On the new scale the run counts from the last reading of clear movement (twice the line):
      // a run begun on the prior through movement is cut back to it; one the prior could not begin
      // (it counts only readings of nothing) starts there once the rescaled window agrees. The
      // still readings since then are those the still class was just learnt from.
      const since = this.clockMs - scale.lastAtOrAbove(2 * line * scale.factor) - dt;
      this.deepStillMs = 0;
      if (this.stillRun) this.stillMs = Math.max(0, Math.min(this.stillMs, since));
      else if (since > 0 && stillNow) {
        this.stillRun = true;
        this.stillMs = Math.min(since, 2 * PENDING_MAX_MS);
        this.pendingMs = -1;
        return;
      } else this.pendingMs = since > 0 ? Math.min(since - dt, PENDING_MAX_MS) : -1;
    }
    if (!this.stillRun) {
      // Not yet still: time below the line waits for the window to agree, then counts from its start.
      // It starts at a reading below the line and runs on through stray readings (not clear movement).
      if (this.pendingMs >= 0) this.pendingMs = Math.min(this.pendingMs + dt, PENDING_MAX_MS);
      else if (v < stillLine) this.pendingMs = 0;
      if (stillNow) {
        this.stillRun = true;
        this.stillMs = Math.max(0, this.pendingMs);
        this.pendingMs = -1;
      }
      return;
    }
    if (!stillNow) {
      // The window's median rose above the line: the person moves.
      this.clearRun();
      return;
    }
    // Stray readings above the line (a curtain, noise) count as the stillness they interrupt.
    this.stillMs += dt;
    // A whole-number radar that reads exactly 0 sees nothing move at its resolution: whatever its
    // scale (a person moving reads above 0 on any radar that sees them), that window is stillness,
    // and it counts in full on a sensor still on the reference prior (score()). Counted while most
    // of the window reads 0 (stray readings do not stop it), restarted when most do not.
    if (scale.quantum === 1 && this.zeros()) this.zeroMs += dt;
    else this.zeroMs = 0;
    // Deep stillness: the window shows not even the micro-movement of breathing.
    // (a stillMotion lowered below the default deep line leaves deep stillness no looser than still)
    // Deep stillness rests on the sensor's calibration: an unlearnt sensor on a smaller scale than the
    // reference reads a quietly breathing person as "not even breathing" (the reference prior), so
    // until its scale is learnt only the full timer counts (no deep shortcut).
    // Deep stillness is judged on the window's mean, not its median: below a step of a whole-number
    // radar the sensor noise dithers the readings, so the mean of 0s and 1s tells an apnoea (0.3 on
    // the sensor's scale) from a quietly breathing occupant (1.2) where every median reads 1. The deep
    // line must be at least half a step on the sensor's scale: on a radar x0.25 a quietly breathing
    // occupant (0.6) and one not breathing (0.1) both read 0, and a window of 0s there is no evidence
    // of "not even breathing movement".
    const deep = Math.min(th.deepStillMotion, line / 2);
    if (scale.known && deep * scale.factor >= scale.quantum / 2 && this.mean() < deep) this.deepStillMs += dt;
    else this.deepStillMs = 0;
  }

  /** The window's mean (a full window only; else Infinity). */
  private mean(): number {
    if (this.winN < ROOM_WINDOW) return Number.POSITIVE_INFINITY;
    let sum = 0;
    for (let i = 0; i < ROOM_WINDOW; i++) sum += this.win[i]!;
    return sum / ROOM_WINDOW;
  }

  /** Most of the window read exactly 0 (a full window at least half-filled: three readings). */
  private zeros(): boolean {
    const n = this.winN;
    let k = 0;
    for (let i = 0; i < n; i++) if (this.win[i] === 0) k++;
    return n >= 3 && 2 * k > n;
  }

  /** The window's median is below `line` (a majority of its readings; a short window needs all of them). */
  private below(line: number): boolean {
    const n = this.winN;
    let k = 0;
    for (let i = 0; i < n; i++) if (this.win[i]! < line) k++;
    return n >= 3 && 2 * k > n;
  }

  /** Someone came or went: stillness starts over. */
  door(open: boolean): void {
    this.doorClosed = !open;
    this.reset();
  }

  /** The door's state and each sensor's scale: learnt over hours, and door events are not among the stored vitals. */
  learnt(): z.infer<typeof Learnt> {
    return { doorClosed: this.doorClosed, scales: this.scales.map((s) => s.save()) };
  }

  restore(data: unknown, at: number): boolean {
    const r = Learnt.safeParse(data);
    if (!r.success) return false;
    const scales = r.data.scales.map((l) => RoomScale.from(l));
    if (scales.some((s) => s === null)) return false;
    this.doorClosed = r.data.doorClosed;
    this.scales.splice(0, this.scales.length, ...(scales as RoomScale[]));
    this.learntTo = at;
    return true;
  }

  /** The stillness run ends (movement): its counters start over. */
  private clearRun(): void {
    this.stillMs = this.deepStillMs = this.zeroMs = 0;
    this.pendingMs = -1;
    this.stillRun = false;
  }

  /** Someone came or went, or the room is empty: the run, the bounded fallback's clock and the window start over. */
  reset(): void {
    this.clearRun();
    this.belowMs = -1;
    this.winN = 0;
  }

  /**
   * Scored after the wearable's signs: `p.respSign` (a breathing sign) shortens the timer to a third;
   * `p.breathingSeen` (fresh normal breathing) vetoes it; `p.saturating` (fresh normal saturation)
   * vetoes stillness alone (minutes of apnoea would show) but not stillness with a breathing sign
   * (SpO2 lags 15-30 s behind the breathing).
   */
  score(p: Picture): number {
    const { th, roomFresh, respSign, breathingSeen, saturating, rousing } = p;
    let v = 0;
    this.fused = false;
    this.deep = false;
    this.unsure = false;
    this.bounded = false;
    // The bounded fallback runs on its own clock: on a scale learnt without moving bouts the still
    // person can read as movement (no stillness run at all).
    const below = Math.max(0, this.belowMs);
    const fallbackMs = !this.unconfirmed ? 0 : this.onScale ? below : Math.min(this.stillMs, below);
    if (this.occupied && (this.stillMs > 0 || fallbackMs > 0) && roomFresh) {
      const base = this.doorClosed === true ? th.stillnessClosedSeconds : th.stillnessSeconds;
      // A breathing sign shortens the timer only on a sensor read on its own scale (learnt, or the
      // entry prior): on the reference prior a radar x0.25 reads a person fidgeting in a chair as
      // still, and a wearable misreading breathing as 5/min then alerted before the wearer could answer.
      const fuse = respSign && this.onScale;
      const needed = (fuse ? base / 3 : base) * 1000;
      // Deep stillness (no micro-movement) counts after half the time (Brave's high-confidence stillness).
      const deepNeeded = (base / 2) * 1000;
      // On the reference prior (no scale learnt, no entry seen) a reading of 1-5 is as likely a person
      // moving on a small-scale radar (an awake person reading in a chair, at x0.25) as a still one on
      // the reference radar: that stillness is a hunch. It raises watch (the console shows it, with
      // the sensor named as not learnt) but never a check-in, which an unanswered phone turns into
      // a responder alert. Stillness counts in full once the scale is learnt (the run is judged again
      // from the last clear movement), and windows of 0s count in full on any scale.
      const sure = this.onScale ? this.stillMs : this.zeroMs;
      // The bounded fallback: a room that starts occupied (a sensor installed, or the core restarted
      // without a snapshot, while the person lies in bed) never shows movement, so its scale is never
      // learnt and the hunch would stay at watch however long the person lies still. Stillness that
      // lasts `priorStillnessSeconds` (default 180 s: twice the closed-door timer, inside the ~4 min of
      // apnoea that injure the brain) with no reading even at the line raises the check-in. The line
      // is taken without the whole-number step's allowance: an awake reader on a radar x0.25 (1-5)
      // reads 5 every 16 s or so and never gets there, while a still person on the reference radar
      // (breathing 1-4, not breathing 0-1) does. Never sooner than the door's own timer.
      // The same bound stands on a learnt scale not confirmed by moving bouts (room-scale.ts, BOUT_HI, BOUT_LO):
      // a fresh radar x1-x4 that saw a still person stop breathing learns breathing as moving and
      // apnoea as still, and one noisy still state can be learnt as two; on such a scale the still
      // person reads as movement, so the fallback's clock (the stiller of the two scales, presence())
      // is the evidence.
      const bound = Math.max(th.priorStillnessSeconds, base) * 1000;
      const fallback = fallbackMs / bound;
      const progress = Math.max(sure / needed, this.deepStillMs / deepNeeded);
      const hunch = Math.min(1, this.stillMs / needed);
      // a wearer who keeps rousing (pulse surges, small movements) is not still: stillness alone waits
      if (!breathingSeen && (respSign || (!saturating && !(rousing && p.vitalsFresh)))) {
        if (progress >= 1) {
          v = fuse ? 75 : 65;
          this.fused = fuse;
          this.deep = this.stillMs < needed;
        } else if (fallback >= 1) {
          v = 65;
          this.bounded = true;
        } else if (Math.max(progress, hunch, fallback) >= 0.5) {
          const m = Math.max(progress, hunch, fallback);
          v = WATCH_SCORE + 25 * ((m - 0.5) / 0.5);
          this.unsure = Math.max(hunch, fallback) > progress;
        }
      }
    }
    this.value = v;
    this.fallbackMs = fallbackMs;
    // at the bound the fallback's clock is the stillness shown (on an unconfirmed scale there may be no run)
    p.stillS = (this.bounded ? Math.max(this.stillMs, fallbackMs) : this.stillMs) / 1000;
    return v;
  }

  reason(): string {
    const door = this.doorClosed === true ? ', door closed' : '';
    const deep = this.deep ? `, not even breathing movement for ${secs(this.deepStillMs)} s` : '';
    const which = this.onScale ? 'not confirmed by movement yet' : 'not learnt yet';
    const unsure = this.bounded
      ? `, room sensor scale ${which} (nothing at the line for ${secs(this.fallbackMs)} s)`
      : this.unsure
        ? `, room sensor scale ${which}`
        : '';
    const still = this.bounded ? Math.max(this.stillMs, this.fallbackMs) : this.stillMs;
    return `no movement in occupied room for ${secs(still)} s${door}${deep}${this.fused ? ' with a breathing sign' : ''}${unsure}`;
  }
}
