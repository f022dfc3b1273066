// A room sensor's own motion scale, learnt while the room is occupied. Radars do not share a scale
// (one reads 20-60 while the person moves and a noisy 0-6 when they are still, another 6-40 and
// 0-4), so the stillness rule judges readings against what "occupied and moving" and "occupied and
// still" look like for this sensor. A fixed log-spaced histogram of occupied readings (decayed by
// halving, so it covers the last few hours of occupied time) is split into its two classes
// (Otsu's method on log motion: the split that best separates them); each class's median is its
// level. Bounded memory (one small array per sensor), O(1) per reading, O(bins) every 32 readings.

/** The reference scale the thresholds table (stillMotion, deepStillMotion) is written on: the project radar's occupied levels. */
export const REF_MOVING = 25;
export const REF_STILL = 2;
/** Histogram: log2 motion from 2^-2 to 2^12 (0.25 .. 4096), three bins an octave. */
const LO = -2;
/**
 * Readings below this share the lowest bin it falls in. Radars report whole numbers: a 0 means
 * "under half a step", so 0 and 1 of a quiet occupant on a small-scale radar are one state (half a
 * step against one), not two states an octave and more apart that the split would take for
 * still and moving.
 */
export const FLOOR = 0.5;
const PER_OCTAVE = 3;
export const BINS = 42;
/**
 * Moving readings before the moving level is trusted (16 s at the usual 2 s cadence, 24 s at 3 s):
 * the median of eight readings is within a few tens of percent of the level, and a radar on another
 * scale judged on the reference prior meanwhile reads movement as stillness (x0.25) or stillness as
 * movement (x2, x4); waiting a minute cost the room-only overdoses and the normal visits both.
 */
export const MIN_CLASS = 8;
/**
 * The still class needs fewer (16 s): the factor comes from the moving level alone, the still level
 * only shows that the sensor sees two states. Waiting a minute of stillness before a radar on another
 * scale counts any stillness put a minute on every room-only overdose it watched.
 */
export const MIN_STILL = 8;
/** Moving must read at least this many times the still level before the scale counts as learnt. */
export const MIN_SPREAD = 3;
/** The histogram is halved when it holds this many readings (about 4 h of occupied time at 2 s). */
const CAP = 7_200;
/** Learnt levels are recomputed every this many readings (every few while not learnt yet, so a new sensor is learnt within seconds of showing both states). */
const EVERY = 32;
const EVERY_UNLEARNT = 4;
/**
 * Readings at the start of an occupancy (the room was seen empty, then occupied: someone walked in)
 * that give a sensor with no learnt scale its prior: their median is taken for its moving level,
 * so a radar x0.1 that reads a person walking about as 2-3 is not read on the reference scale,
 * where 2-3 is stillness. The prior only ever makes a sensor look more sensitive than the reference
 * (a factor below 1): it can end stillness sooner, never count it sooner.
 */
export const ENTRY = 5;
/** Occupied readings (2 min at 2 s) after which a sensor still on the reference prior is named in the calibration view. */
export const PRIOR_WARN = 60;
/** The scale factor stays within this of the reference (a sensor 16 times smaller or larger). */
const MAX_FACTOR = 16;
/**
 * Time structure. A person moving about a room moves in bouts (walking in, undressing, washing: seconds
 * of readings at the moving level, each well above the still level) between still stretches of many
 * seconds; sensor noise around one still state interleaves high and low reading by reading, and a still
 * person who stops breathing shows one long high run (breathing) then one low run. A moving bout is
 * BOUT_HI consecutive readings at or above a level (6 s at the usual 2 s cadence, 9 s at 3 s: the
 * 10 s of moving between two quiet spells of a bathroom visit read every 3 s); a still stretch is
 * BOUT_LO consecutive readings below it (16 s at 2 s). A moving bout counts only after a still stretch
 * (or as the first): noise split into two states where the low one is the smaller class (uniform 1-4
 * split as 1 against 2-4; a radar x4's apnoea, 0-6) rarely shows eight low readings in a row.
 */
export const BOUT_HI = 3;
export const BOUT_LO = 8;
/** Moving bouts (at the learnt moving level) that confirm a learnt scale: two, with a still stretch between. */
export const CONFIRM_BOUTS = 2;

const binOf = (v: number): number => {
  const b = Math.floor((Math.log2(Math.max(v, FLOOR)) - LO) * PER_OCTAVE);
  return b < 0 ? 0 : b >= BINS ? BINS - 1 : b;
};
const centre = (b: number): number => 2 ** (LO + (b + 0.5) / PER_OCTAVE);

export class RoomScale {
  private readonly hist = new Float64Array(BINS);
  /** when (the caller's clock, ms) a reading last fell in each bin, learnt or not (-Infinity: never) */
  private readonly lastAt = new Float64Array(BINS).fill(Number.NEGATIVE_INFINITY);
  private total = 0;
  private sinceUpdate = 0;
  /** readings seen while occupied (not decayed; learnt or not), for the calibration view */
  samples = 0;
  /** the learnt levels (null: not enough readings of that class yet) and the weight of each class */
  moving: number | null = null;
  still: number | null = null;
  movingN = 0;
  stillN = 0;
  /** the factor readings are divided by to reach the reference scale (until learnt: the entry prior, else 1) */
  factor = 1;
  /** the first readings of the current occupancy (someone came in: they were moving), for the entry prior */
  private readonly entry = new Float64Array(ENTRY);
  private entryN = -1;
  /** the factor has been learnt at least once (it is then kept) */
  known = false;
  /** the entry prior was taken (someone was seen walking into the empty room) */
  entered = false;
  /** the sensor's step: 1 while every reading has been a whole number, else 0 (a sensor with fractions) */
  quantum: 0 | 1 = 1;
  /**
   * The time structure of the readings, for each level (the lower edge of each bin): the current run of
   * consecutive readings at or above it (hi) and below it (lo), capped; whether the sensor is in a
   * moving (2) or still (1) stretch at that level (0: neither seen yet); and how many moving stretches
   * began there (capped at CONFIRM_BOUTS). A stretch changes after BOUT_HI (to moving) or BOUT_LO (to
   * still) readings on the other side. Small typed arrays, allocated once (168 bytes a sensor).
   */
  private readonly hiRun = new Uint8Array(BINS);
  private readonly loRun = new Uint8Array(BINS);
  private readonly mode = new Uint8Array(BINS);
  private readonly bouts = new Uint8Array(BINS);
  /** the bin the last split put at the top of the still class (-1: no split) */
  private split = -1;
  /**
   * The learnt scale is confirmed: moving bouts were seen at least twice at its moving level (with a
   * still stretch between), or someone was seen walking into the empty room. A scale learnt from what a fresh sensor
   * saw of a still person (breathing then apnoea: one long high run then one low run; or one noisy still
   * state split in two) is not: on it the stillness rule keeps the bounded fallback in force. Kept once set.
   */
  confirmed = false;

  constructor(readonly device: string) {}

  /** One occupied reading. */
  learn(v: number): void {
    if (this.entryN >= 0 && this.entryN < ENTRY) {
      this.entry[this.entryN++] = v;
      if (this.entryN === ENTRY) {
        const m = [...this.entry].sort((a, b) => a - b)[ENTRY >> 1]!;
        // someone walked into the empty room: they were moving, whatever the scale (it is confirmed)
        if (m > 0) this.confirmed = true;
        if (m > 0 && !this.known) {
          this.factor = Math.min(1, Math.max(1 / MAX_FACTOR, m / REF_MOVING));
          this.entered = true;
        }
      }
    }
    if (this.quantum !== 0 && !Number.isInteger(v)) this.quantum = 0;
    this.hist[binOf(v)]! += 1;
    this.total++;
    if (this.total >= CAP) {
      for (let i = 0; i < BINS; i++) this.hist[i]! *= 0.5;
      this.total *= 0.5;
    }
    if (++this.sinceUpdate >= (this.learnt ? EVERY : EVERY_UNLEARNT)) this.update();
  }

  /** The room was seen empty and is now occupied: the next ENTRY readings are someone moving in. */
  enter(): void {
    this.entryN = 0;
  }

  /** Notes when a reading was seen (every occupied reading, learnt or not; `count`: not already in a snapshot's count). */
  seen(v: number, at: number, count = true): void {
    const bv = binOf(v);
    this.lastAt[bv] = at;
    if (!count) return;
    this.samples++;
    this.track(bv);
  }

  /** The readings' runs at every level (O(BINS) per reading): see hiRun, and `confirmed`. */
  private track(bv: number): void {
    for (let b = 1; b < BINS; b++) {
      if (bv >= b) {
        this.loRun[b] = 0;
        if (this.hiRun[b]! < BOUT_HI) this.hiRun[b]!++;
        if (this.hiRun[b] === BOUT_HI && this.mode[b] !== 2) {
          this.mode[b] = 2;
          if (this.bouts[b]! < CONFIRM_BOUTS) this.bouts[b]!++;
        }
      } else {
        this.hiRun[b] = 0;
        if (this.loRun[b]! < BOUT_LO) this.loRun[b]!++;
        if (this.loRun[b] === BOUT_LO) this.mode[b] = 1;
      }
    }
    this.confirm();
  }

  /**
   * Moving bouts seen at the moving level: at or above the lower edge of the bin above half the learnt
   * moving level (and above the split). "At the moving level" is within a factor 2 of its median, not
   * merely in the moving class: a fresh radar x2 that learnt breathing (3-7) as moving put the split
   * between 1 and 2, and its apnoea's 2s would make moving bouts there.
   */
  get movingBouts(): number {
    if (this.split < 0 || this.moving === null) return 0;
    return this.bouts[Math.min(BINS - 1, Math.max(this.split + 1, binOf(this.moving / 2) + 1))]!;
  }

  private confirm(): void {
    if (!this.confirmed && this.known && this.learnt && this.movingBouts >= CONFIRM_BOUTS) this.confirmed = true;
  }

  /** When a reading at or above `v` (on the sensor's own scale) was last seen, to a bin (-Infinity: never). */
  lastAtOrAbove(v: number): number {
    let t = Number.NEGATIVE_INFINITY;
    // bins whose lower edge is at or above v: every reading counted there was >= v
    for (let b = Math.min(BINS - 1, Math.ceil((Math.log2(Math.max(v, FLOOR)) - LO) * PER_OCTAVE)); b < BINS; b++)
      if (this.lastAt[b]! > t) t = this.lastAt[b]!;
    return t;
  }

  /** Both states seen, far enough apart: the scale is learnt (else the reference scale is used). */
  get learnt(): boolean {
    return this.moving !== null && this.still !== null && this.moving >= MIN_SPREAD * this.still;
  }

  /** Recomputes the split, the two levels and the factor. */
  update(): void {
    this.sinceUpdate = 0;
    const h = this.hist;
    let n = 0;
    let sum = 0;
    for (let i = 0; i < BINS; i++) {
      n += h[i]!;
      sum += h[i]! * i;
    }
    if (n === 0) return;
    // Otsu: the split maximising the between-class variance of the bin index (log motion).
    let best = -1;
    let split = -1;
    let n0 = 0;
    let s0 = 0;
    for (let k = 0; k < BINS - 1; k++) {
      n0 += h[k]!;
      s0 += h[k]! * k;
      const n1 = n - n0;
      if (n0 === 0 || n1 === 0) continue;
      const d = s0 / n0 - (sum - s0) / n1;
      const between = n0 * n1 * d * d;
      if (between > best) {
        best = between;
        split = k;
      }
    }
    this.split = split;
    if (split < 0) {
      // one bin only: a sensor showing one state
      this.stillN = this.movingN = 0;
      this.moving = this.still = null;
      return;
    }
    let lower = 0;
    for (let i = 0; i <= split; i++) lower += h[i]!;
    this.stillN = lower;
    this.movingN = n - lower;
    this.still = lower >= MIN_STILL ? this.median(0, split, lower) : null;
    this.moving = n - lower >= MIN_CLASS ? this.median(split + 1, BINS - 1, n - lower) : null;
    // The factor comes from the moving level only: the still readings of an overdose in progress
    // (not even breathing movement) must not teach the sensor that such stillness is its normal.
    // Once learnt, the factor is kept while the two states are not in view (hours of stillness, a
    // still class that drifts up to the moving one): a radar's scale does not change with what it
    // sees, and falling back to the reference prior made a radar x0.1 read movement as stillness again.
    if (this.learnt) {
      this.factor = Math.min(MAX_FACTOR, Math.max(1 / MAX_FACTOR, this.moving! / REF_MOVING));
      this.known = true;
      this.confirm();
    }
  }

  /** Median of bins a..b holding weight n (interpolated inside the bin, on the log scale). */
  private median(a: number, b: number, n: number): number {
    let acc = 0;
    for (let i = a; i <= b; i++) {
      const w = this.hist[i]!;
      if (acc + w >= n / 2) {
        const f = w > 0 ? (n / 2 - acc) / w : 0.5;
        return 2 ** (LO + (i + f) / PER_OCTAVE);
      }
      acc += w;
    }
    return centre(b);
  }

  /** What the detector snapshot keeps of this scale. */
  save(): LearntScale {
    return {
      device: this.device,
      hist: Array.from(this.hist, (v) => Math.round(v * 1000) / 1000),
      total: this.total,
      samples: this.samples,
      factor: this.factor,
      known: this.known,
      entered: this.entered,
      quantum: this.quantum,
      confirmed: this.confirmed,
      // per level: the stretch (0-2) and the moving bouts begun there (0-2), as one digit
      runs: Array.from(this.mode, (m, b) => m + 3 * this.bouts[b]!),
    };
  }

  /** A scale back from a snapshot, its levels recomputed from the histogram; null when `l` is not one. */
  static from(l: LearntScale): RoomScale | null {
    if (l.hist.length !== BINS || l.hist.some((v) => !(v >= 0 && Number.isFinite(v)))) return null;
    const s = new RoomScale(l.device);
    s.hist.set(l.hist);
    s.total = l.total;
    s.samples = l.samples;
    // the learnt factor is kept once learnt, and an entry prior stands until the scale is learnt:
    // neither can be recomputed from the histogram alone
    s.factor = l.factor;
    s.known = l.known;
    s.entered = l.entered;
    s.quantum = l.quantum;
    // a snapshot from before the time structure was kept: unconfirmed (the bounded fallback stays in force)
    s.confirmed = l.confirmed ?? false;
    if (l.runs !== undefined) {
      if (l.runs.length !== BINS || l.runs.some((v) => !(Number.isInteger(v) && v >= 0 && v <= 8))) return null;
      for (let b = 0; b < BINS; b++) {
        s.mode[b] = l.runs[b]! % 3;
        s.bouts[b] = Math.floor(l.runs[b]! / 3);
      }
    }
    s.update();
    return s;
  }

  /**
   * A scale that looks wrong: after an hour of occupied readings, no spread between moving and still;
   * before that, from PRIOR_WARN occupied readings, a sensor still on the reference prior (no scale
   * learnt, no one seen walking in), on which stillness alone raises watch, and a check-in only on
   * the longer bounded timer `priorStillnessSeconds` (stillness.ts).
   */
  get warning(): string | null {
    if (this.samples >= 1_800) {
      if (this.moving === null || this.still === null)
        return 'only one motion level seen in an hour of occupied readings: check the sensor placement';
      if (this.moving < MIN_SPREAD * this.still)
        return `moving (${round(this.moving)}) barely above still (${round(this.still)}): the sensor may not see the person, check its placement`;
    }
    if (this.samples >= PRIOR_WARN && !this.known && !this.entered)
      return `scale not learnt yet: ${this.samples} occupied readings without both moving and still seen; until it is, stillness on this sensor raises watch, and a check-in only on the longer timer for an unlearnt sensor, unless it reads 0: check its placement`;
    if (this.samples >= PRIOR_WARN && this.known && !this.confirmed)
      return `scale not confirmed yet: learnt without a person seen moving about (${this.movingBouts} of ${CONFIRM_BOUTS} moving bouts) or walking in; until it is, long stillness with nothing at the line on either scale also raises a check-in`;
    return null;
  }
}

const round = (v: number) => Math.round(v * 10) / 10;

/** A sensor's scale as the detector snapshot keeps it (the histogram is the whole of what was learnt). */
export interface LearntScale {
  device: string;
  hist: number[];
  total: number;
  samples: number;
  factor: number;
  known: boolean;
  entered: boolean;
  quantum: 0 | 1;
  /** absent in a snapshot from before the time structure was kept (then unconfirmed) */
  confirmed?: boolean;
  runs?: number[];
}
