// What every detection rule shares: the score bands, the small interface the detector drives each
// rule through (observe, score, reason, reset), and the picture rules talk through. A rule's own
// state is plain numbers (or parts made once that hold them: room-scale.ts, slot-means.ts); what
// another rule, fusion or the episode needs from it, it publishes in the picture, so no rule holds a
// reference to another and a new rule needs no edit elsewhere.
import { z } from 'zod';
import type { Thresholds } from '../types.js';

export const WATCH_SCORE = 30;
export const TRIGGER_SCORE = 60;
export const CRITICAL_SCORE = 90;

/** Breathing must stay above the line this long before an apnea/low-RR run clears (hysteresis). */
export const RR_CLEAR_MS = 3_000;

/** Whole seconds for plain-word reasons. */
export const secs = (ms: number) => Math.max(0, Math.round(ms / 1000));

/** Which device shows a rule's evidence (bits: an episode remembers which sources carried it). */
export const WEARABLE = 1;
export const ROOM = 2;
export type Source = typeof WEARABLE | typeof ROOM;

/** One reading that passed signal quality. A single scratch record per detector, reused for every reading. */
export interface Reading {
  kind: 'hr' | 'rr' | 'spo2' | 'room' | 'door';
  t: number;
  /** ms since the previous reading of this stream that still counts as continuous (0: not bridged; hr: unused) */
  dt: number;
  /** hr: median-filtered rate; rr: the rate; spo2: the filtered saturation; room: the motion index */
  value: number;
  /** room: someone is present */
  occupied: boolean;
  /** door: it opened (false: it closed) */
  open: boolean;
  /** published: an event of this stream that ended by itself with this reading (a breathing pause, a desaturation), its length in ms; -1 none */
  endedMs: number;
  /** room: the sensor that sent it (each room sensor has its own learnt scale) */
  device: string;
}

/**
 * The wearer's picture: what signal quality and the episode tell the rules, what rules publish for
 * each other (each field says who writes it), and what fusion makes of it. Plain numbers, one per
 * detector, rewritten in place (the hot path allocates nothing).
 */
export interface Picture {
  th: Thresholds;
  // ---- the episode, at each reading -----------------------------------------------------------
  idle: boolean;
  alerted: boolean;
  // ---- signal quality, at each scoring (see SignalQuality.fill) --------------------------------
  now: number;
  vitalsFresh: boolean;
  rrFresh: boolean;
  spo2Fresh: boolean;
  roomFresh: boolean;
  /** latest filtered readings (null: none since the stream (re)started) */
  rr: number | null;
  spo2: number | null;
  hr: number | null;
  activity: number | null;
  /** last accepted vitals, and whether the wearable is worn */
  vitalsT: number;
  onBody: boolean;
  /** the latest fresh RR reading (at most 2 s old) shows breathing above the depressed line */
  breathingNow: boolean;
  // ---- published by rules, at each reading -----------------------------------------------------
  /** apnoea: a breathing pause is running */
  apnoeaOn: boolean;
  /** low-rr: depressed breathing is running */
  lowRrOn: boolean;
  // ---- published by rules, at each scoring (context rules first, then the signs in order) ------
  /** sleep-apnoea: seconds of apnoea before it counts; a pattern of self-ending dips */
  apneaNeeded: number;
  desatPattern: boolean;
  /** arousal: the wearer keeps rousing (pulse surges or small movements, several in minutes, the latest recent) */
  rousing: boolean;
  /** apnoea: counted seconds and score */
  apneaS: number;
  apnoeaScore: number;
  /** low-rr: counted seconds, lowest rate, and fresh breathing above the line outside any event */
  lowS: number;
  minRr: number;
  breathingSeen: boolean;
  /** desaturation: the line (baseline - spo2Drop; null until the baseline is trusted), fall below baseline, evidence, score */
  spo2Line: number | null;
  spo2Base: number | null;
  fall: number | null;
  satArea: number;
  critLowMs: number;
  desatScore: number;
  steep: boolean;
  /** desaturation: fresh saturation at baseline with no desaturation */
  saturating: boolean;
  /** a breathing sign for fusion (apnoea, low-rr, desaturation each add theirs; gathered afresh each scoring) */
  respSign: boolean;
  /** stillness: seconds of stillness with presence */
  stillS: number;
  // ---- fusion, at each scoring ------------------------------------------------------------------
  /** the strongest sign, the fused score (0-100), the critical predicate */
  top: number;
  score: number;
  critical: boolean;
  /** sources whose signs are at watch level or above (WEARABLE | ROOM bits) */
  sources: number;
  /** the wearable's / the room's strongest sign at their last fresh scoring, for "silent while risk was raised" */
  lastWearableScore: number;
  lastRoomScore: number;
}

/** No episode and no breathing event: personal baselines may learn. */
export const calm = (p: Picture): boolean => p.idle && !p.apnoeaOn && !p.lowRrOn;

/**
 * The calm heart-rate baseline (bpm): an average of the filtered pulse over about HR_BASE_READINGS calm
 * readings (5 min at 1 Hz), starting at the first. The bradycardia rule (a pulse 25 % under it) and the
 * slow desaturation (a surge 20 above it vetoes a slide) each keep one, learnt from the same readings.
 */
export const HR_BASE_READINGS = 300;
export const learnHrBase = (base: number | null, hr: number): number => (base === null ? hr : base + (hr - base) / HR_BASE_READINGS);
/** The calm heart-rate baseline as a snapshot keeps it (a plausible pulse, null: none yet). */
export const learntHrBase = z.number().finite().min(25).max(240).nullable();

/**
 * A rule's interface. The detector feeds every reading to every rule in registry order (each takes
 * the kinds it uses), scores context rules, then signs, then supports, and asks each for its words.
 */
export interface Rule {
  /** the score (0-100) of the last `score()` call (supports: the points they add) */
  readonly value: number;
  /** one reading; a rule ignores the kinds it does not use */
  observe(x: Reading, p: Picture): void;
  /** the score at `p.now`; publishes what others read from this rule into `p` */
  score(p: Picture): number;
  /** plain words for the last score, or null when it has nothing to say (signs are asked from watch level) */
  reason(p: Picture): string | null;
  /** forget the running evidence of this rule's source (a gap, off-body, sustained movement); learnt baselines stay */
  reset(p: Picture): void;
  /**
   * What the rule learnt that a replay of its evidence window cannot give back (baselines, a room scale, decaying
   * counts, the door), as plain JSON for the detector snapshot (detection/snapshot.ts). Absent: nothing of the kind.
   */
  learnt?(): unknown;
  /**
   * Takes back what `learnt()` gave at `at`; readings at or before `at` were counted already (a replay after a
   * takeover feeds some of them again). False when `data` is not what this rule writes: the rule stays fresh.
   */
  restore?(data: unknown, at: number): boolean;
}

export function newPicture(th: Thresholds): Picture {
  return {
    th,
    idle: true,
    alerted: false,
    now: 0,
    vitalsFresh: false,
    rrFresh: false,
    spo2Fresh: false,
    roomFresh: false,
    rr: null,
    spo2: null,
    hr: null,
    activity: null,
    vitalsT: Number.NEGATIVE_INFINITY,
    onBody: true,
    breathingNow: false,
    apnoeaOn: false,
    lowRrOn: false,
    apneaNeeded: th.apneaSeconds,
    desatPattern: false,
    rousing: false,
    apneaS: 0,
    apnoeaScore: 0,
    lowS: 0,
    minRr: Number.POSITIVE_INFINITY,
    breathingSeen: false,
    spo2Line: null,
    spo2Base: null,
    fall: null,
    satArea: 0,
    critLowMs: 0,
    desatScore: 0,
    steep: false,
    saturating: false,
    respSign: false,
    stillS: 0,
    top: 0,
    score: 0,
    critical: false,
    sources: 0,
    lastWearableScore: 0,
    lastRoomScore: 0,
  };
}
