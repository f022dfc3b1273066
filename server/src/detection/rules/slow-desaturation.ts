// Slow desaturation (the oximeter's view of a slow overdose): breathing 3-5/min that never stops
// lets SpO2 slide 0.02-0.06 points a second, towards the mid-80s, while the wrist lies still. The
// desaturation rule waits for saturation-seconds below baseline - spo2Drop, which a slide of 0.03/s
// takes some 2.5 min to gather. This rule reads the slide itself: a fall from the wearer's own
// baseline along a straight line over the last minute (5 s means fitted by least squares: falling
// at >= 0.01 points/s and fitting well, so a step from a probe that shifts or a dip that ends does
// not count), a still wrist for the whole minute, no heart-rate surge (exercise recovery, an arousal from an obstructive dip) and no
// breathing seen by the wearable. Sleep drifts are slower than 0.01/s and obstructive dips end by
// themselves (the sleep-apnoea pattern vetoes too). A burst of lost samples holds slots rather than
// restarting the minute, and a lone activity spike is sensor noise, not movement. A lower, sustained
// trigger (a fall kept up over 90 s) exists for the report's trade-off table and is off by default.
import { z } from 'zod';
import { TRIGGER_SCORE, WATCH_SCORE, calm, learnHrBase, learntHrBase, type Picture, type Reading, type Rule } from './rule.js';
import { SlotMeans } from './slot-means.js';

/** SpO2 is averaged over slots of this length; the last SLOTS slot means (60 s) are fitted with a line. */
const SLOT_MS = 5_000;
const SLOTS = 12;
/** The fitted line must fall at least this fast (points/s: faster than sleep drift) ... */
export const SLIDE_RATE = 0.012;
/** ... but not faster than this (apnoea desaturates at 0.2-0.3/s: the steep-fall predicate's; probe dips faster still) ... */
export const SLIDE_MAX_RATE = 0.1;
/** ... and fit the slot means this well (RMS residual, points): a step (a probe that shifts) or a dip that ends fits a line badly. */
export const MAX_RESIDUAL = 0.5;
/**
 * Points below the personal baseline before the slide triggers (a check-in). The operating point with
 * no false responder alert in the detection report's trade-off table (at 2 points, sleep-onset
 * settling of 2-2.5 points in still sleepers was read as a slide and alerted).
 */
export const SLIDE_FALL = 3;
/**
 * The sustained trigger: a slide kept up over 90 s triggers from this many points below the baseline.
 * Slow breaths deepen, so a slow overdose may be only ~1 point down when breathing reaches 6/min and
 * slide 0.02 points/s from there: 2-2.5 points by the deadline, short of SLIDE_FALL. The fitted level
 * must have fallen at least SUSTAINED_DROP points in each of the last two 45 s, the later not slowing
 * (an exponential settling slows), along a straight line now, the wearer not rousing. Off by default
 * (Infinity): at 1.5-2 points it also reads sleep-onset settling (1.5-3 points, time constant 1-3 min)
 * as a slide, whose first 100 s look the same; the report's trade-off table shows what it would buy.
 */
export const SUSTAINED_FALL = Infinity;
/** Fits (5 s apart) in each half of the sustained fall, and the points the fitted level falls in each (SLIDE_RATE for 45 s). */
const SUSTAINED_HALF = 9;
const SUSTAINED_DROP = (SLIDE_RATE * SUSTAINED_HALF * SLOT_MS) / 1000;
/** The later half's fall is at least this share of the earlier's (an exponential settling slows). */
const SUSTAINED_KEEP = 0.8;
/** Fitted levels kept: one per fit over the two halves and the present one. */
const LEVELS = 2 * SUSTAINED_HALF + 1;
/** Watched from this far below SLIDE_FALL. */
const WATCH_MARGIN = 0.5;
/** The wrist must be still (activity <= this) for this long. */
const STILL_ACTIVITY = 4;
const STILL_MS = 60_000;
/** A lone reading above STILL_ACTIVITY (below MOVE_ACTIVITY) is noise; another within TWITCH_MS makes movement. */
const MOVE_ACTIVITY = 8;
const TWITCH_MS = 10_000;
/** SpO2 silent longer than this: the slide is read afresh (shorter bursts of loss leave slots held). */
const SLIDE_GAP_MS = 20_000;
/** Heart rate this far above its calm baseline is a surge (exercise, arousal): no slide is read. */
const HR_SURGE = 20;

/** Evidence window: a full ring of slot means and two fits more (a ramp that lasts), and the still wrist's minute. */
export const SLIDE_EVIDENCE_MS = Math.max(STILL_MS, (SLOTS + 2) * SLOT_MS);
/** The same with the sustained trigger on (a registry that enables it gives this as the rule's evidence window): the fits of 90 s more. */
export const SUSTAINED_EVIDENCE_MS = (SLOTS + LEVELS + 1) * SLOT_MS;
const Learnt = z.object({ hrBase: learntHrBase });

export interface SlideOptions {
  /** points below the personal baseline at which the slide triggers (default SLIDE_FALL; the report's trade-off table tries others) */
  fall?: number;
  /** points below the baseline at which a slide sustained over 90 s triggers (default SUSTAINED_FALL, Infinity: never; the report's trade-off table tries others) */
  sustainedFall?: number;
}

export class SlowDesaturationRule implements Rule {
  value = 0;
  private readonly slideFall: number;
  private readonly watchFall: number;
  private readonly sustainedFall: number;

  constructor(o: SlideOptions = {}) {
    this.slideFall = o.fall ?? SLIDE_FALL;
    this.sustainedFall = o.sustainedFall ?? SUSTAINED_FALL;
    this.watchFall = this.slideFall - WATCH_MARGIN;
  }
  /** SpO2: the last minute's 5 s means */
  private readonly spo2Means = new SlotMeans(SLOT_MS, SLOTS);
  /** the fit of the last full ring: the level at the newest slot, points/s, RMS residual; a ramp */
  level: number | null = null;
  rate = 0;
  residual = 0;
  ramp = false;
  private rampRun = 0;
  /** the fall over the fitted minute (points) */
  drop = 0;
  /** the fitted levels of the last LEVELS fits (ring, newest at `li - 1`), how many; the last fit continues a sustained fall */
  private readonly levels = new Float64Array(LEVELS);
  private ln = 0;
  private li = 0;
  sustained = false;
  /** the slide under way was seen sustained (the lower trigger holds while the slide does) */
  private long = false;
  /** a slide is under way (latched while the line keeps falling at half the rate) */
  sliding = false;
  /** wrist still for this long (and the last reading above the still line); heart-rate calm baseline */
  stillMs = 0;
  private twitchT = Number.NEGATIVE_INFINITY;
  /** the last SpO2 reading */
  private lastT = Number.NEGATIVE_INFINITY;
  hrBase: number | null = null;
  /** at the last score: the fall of the fitted level below the personal baseline */
  fall = 0;

  observe(x: Reading, p: Picture): void {
    if (x.kind === 'hr') {
      if (calm(p)) this.hrBase = learnHrBase(this.hrBase, x.value);
      return;
    }
    if (x.kind !== 'spo2') return;
    const dt = x.dt;
    // A burst of lost samples is a missing slot or two, not a new start; a longer silence is.
    if (x.t - this.lastT > SLIDE_GAP_MS || x.t < this.lastT) this.restart();
    this.lastT = x.t;
    const a = p.activity;
    if (a !== null && a <= STILL_ACTIVITY) this.stillMs += dt;
    else {
      // A lone reading above the still line is the sensor's noise; a second within TWITCH_MS, or one
      // at an arousal's level, is the wearer moving.
      if (a === null || a >= MOVE_ACTIVITY || x.t - this.twitchT <= TWITCH_MS) this.stillMs = 0;
      this.twitchT = x.t;
    }
    const mean = this.spo2Means.add(x.t, x.value);
    if (mean === null) return;
    // slots the gap left empty hold the last mean (a flatter line: never a steeper one)
    const slots = Math.min(SLOTS, this.spo2Means.span);
    for (let k = 0; k < slots; k++) this.push(mean);
  }

  /** One slot mean into the ring; a full ring is fitted with a line (least squares over the slot index). */
  private push(mean: number): void {
    const m = this.spo2Means;
    m.push(mean);
    if (!m.full) return;
    const mx = (SLOTS - 1) / 2;
    let my = 0;
    for (let i = 0; i < SLOTS; i++) my += m.mean(i);
    my /= SLOTS;
    let sxy = 0;
    let sxx = 0;
    for (let i = 0; i < SLOTS; i++) {
      sxy += (i - mx) * (m.mean(i) - my);
      sxx += (i - mx) * (i - mx);
    }
    const b = sxy / sxx;
    let ss = 0;
    for (let i = 0; i < SLOTS; i++) {
      const r = m.mean(i) - (my + b * (i - mx));
      ss += r * r;
    }
    this.rate = b / (SLOT_MS / 1000);
    this.residual = Math.sqrt(ss / SLOTS);
    this.level = my + b * mx;
    // ... falling in each half too: a ramp through the minute, not a flat stretch then a drop (a
    // breathing pause in sleep, 0.25 points/s for 10 s) nor a drop then flat (the tail of a step)
    const early = this.halfRate(0);
    const late = this.halfRate(SLOTS / 2);
    this.drop = -b * (SLOTS - 1);
    const was = this.ramp;
    this.ramp =
      this.rate <= -SLIDE_RATE &&
      this.rate >= -SLIDE_MAX_RATE &&
      this.residual <= MAX_RESIDUAL &&
      early <= -SLIDE_RATE / 2 &&
      late <= -SLIDE_RATE / 2 &&
      late >= -SLIDE_MAX_RATE;
    // Two fits in a row (5 s apart) make a ramp that lasts: a 2-point dip that ends by itself (a
    // breathing pause in sleep) fits a line for one of them at most.
    this.rampRun = this.ramp && was ? this.rampRun + 1 : this.ramp ? 1 : 0;
    // Under way, the slide holds while the line keeps falling (the fit of a long fall stays straight).
    if (this.sliding) this.sliding = this.rate <= -SLIDE_RATE / 2 && this.residual <= 1.5 * MAX_RESIDUAL;
    if (!this.sliding) this.long = false;
    this.levels[this.li] = this.level;
    this.li = (this.li + 1) % LEVELS;
    if (this.ln < LEVELS) this.ln++;
    this.sustained = false;
    if (this.ln === LEVELS && this.ramp) {
      const l0 = this.levels[this.li]!; // the oldest kept
      const l1 = this.levels[(this.li + SUSTAINED_HALF) % LEVELS]!; // half-way
      const d0 = l0 - l1;
      const d1 = l1 - this.level;
      this.sustained = d0 >= SUSTAINED_DROP && d1 >= SUSTAINED_DROP && d1 >= SUSTAINED_KEEP * d0;
    }
  }

  /** Points/s of the least-squares line through the SLOTS / 2 slot means from `from` (0: the older half). */
  private halfRate(from: number): number {
    const h = SLOTS / 2;
    const hx = (h - 1) / 2;
    let hy = 0;
    const m = this.spo2Means;
    for (let i = from; i < from + h; i++) hy += m.mean(i);
    hy /= h;
    let hxy = 0;
    let hxx = 0;
    for (let i = 0; i < h; i++) {
      hxy += (i - hx) * (m.mean(from + i) - hy);
      hxx += (i - hx) * (i - hx);
    }
    return hxy / hxx / (SLOT_MS / 1000);
  }

  private restart(): void {
    this.spo2Means.reset();
    this.ln = 0;
    this.ramp = this.sliding = this.sustained = this.long = false;
    this.rampRun = 0;
    this.level = null;
  }

  score(p: Picture): number {
    let v = 0;
    const base = p.spo2Base;
    const level = this.level;
    this.fall = base !== null && level !== null ? base - level : 0;
    const hrSurge = p.hr !== null && this.hrBase !== null && p.hr > this.hrBase + HR_SURGE;
    // A slide starts from a good straight fall that carries most of the fall below the baseline
    // (the tail of a step leaving the window fits a gentle line but carries little of the fall).
    if (!this.sliding && this.rampRun >= 2 && this.fall >= this.watchFall && this.drop >= 0.5 * this.fall) this.sliding = true;
    // A sustained fall starts (or joins) a slide from the lower trigger; a rousing sleeper is not the still wearer it looks for.
    if (this.sustained && this.fall >= this.sustainedFall && !p.rousing) this.sliding = this.long = true;
    const sliding =
      this.sliding && p.spo2Fresh && p.spo2Line !== null && this.stillMs >= STILL_MS && !hrSurge && !p.breathingSeen && !p.desatPattern;
    if (sliding) {
      if (this.fall >= this.slideFall) v = Math.min(80, 62 + 4 * (this.fall - this.slideFall));
      else if (this.fall >= this.watchFall) v = WATCH_SCORE + 25 * ((this.fall - this.watchFall) / (this.slideFall - this.watchFall));
      if (this.long && !p.rousing && this.fall >= this.sustainedFall)
        v = Math.max(v, Math.min(80, 62 + 4 * (this.fall - this.sustainedFall)));
    }
    // A slide that triggers is a breathing sign for fusion (stillness in the room counts sooner).
    if (v >= TRIGGER_SCORE) p.respSign = true;
    this.value = v;
    return v;
  }

  reason(p: Picture): string | null {
    if (this.value < WATCH_SCORE || p.spo2 === null) return null;
    const from = p.spo2Base !== null ? Math.round(p.spo2Base) : null;
    return `SpO2 sliding${from !== null ? ` from ${from}` : ''} to ${Math.round(this.level ?? p.spo2)}%, ${(-this.rate * 60).toFixed(1)} points a minute, wrist still`;
  }

  learnt(): z.infer<typeof Learnt> {
    return { hrBase: this.hrBase === null ? null : Math.round(this.hrBase * 1000) / 1000 };
  }

  restore(data: unknown): boolean {
    const r = Learnt.safeParse(data);
    if (r.success) this.hrBase = r.data.hrBase;
    return r.success;
  }

  /** Running evidence goes (a gap, off-body, sustained movement); the heart-rate baseline stays. */
  reset(): void {
    this.restart();
    this.stillMs = 0;
  }
}
