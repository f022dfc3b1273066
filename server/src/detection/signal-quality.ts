// Signal quality for one wearer: plausibility filters, median-of-3 and slew limits, freshness of the
// wearable and the room, off-body and motion-artefact gates. Only what survives here is evidence.
import type { Picture } from './rules/rule.js';
import type { Thresholds } from './types.js';

/** A single gap longer than this between two samples is not bridged: evidence starts over. */
export const MAX_BRIDGE_MS = 5_000;
/** Sustained vigorous movement this long shows a conscious wearer: respiratory evidence resets. */
const MOVEMENT_RESET_MS = 10_000;
/** Off-body flags must persist this long (or for two samples) before they count. */
const OFF_BODY_MS = 5_000;
/** Room presence is sampled slowly: it counts as fresh for this long at least. */
const ROOM_FRESH_MIN_MS = 30_000;
/** Fastest physiological SpO2 fall, points per second (apnea typically 0.2-0.3). */
const SPO2_MAX_FALL = 1;
/**
 * Probe quality. Arterial saturation moves at most ~1 point a second (apnoea 0.2-0.3/s) and a finger
 * probe averages over several seconds, so two readings seconds apart that differ by more than
 * PROBE_STEP points are the probe slipping, pressed or lit badly, not blood (a "step" shape).
 * After such a step down SpO2 and the probe's pulse rate are not evidence until the readings have been
 * steady (successive readings within PROBE_STEADY points, no "could not compute") for PROBE_SETTLE_MS.
 */
export const PROBE_STEP = 5;
const PROBE_STEADY = 3;
/** how far back a step is looked for (over readings the probe could not compute); a longer gap restarts evidence anyway */
const PROBE_STEP_WITHIN_MS = 30_000;
export const PROBE_SETTLE_MS = 10_000;

const median3 = (a: number, b: number, c: number) => Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));

// Implausible values are "could not compute", never evidence.
export const plausibleHr = (x: number | null | undefined): number | null => (x != null && x >= 25 && x <= 240 ? x : null);
export const plausibleSpo2 = (x: number | null | undefined): number | null => (x != null && x >= 50 && x <= 100 ? x : null);
export const plausibleRr = (x: number | null | undefined): number | null => (x != null && x >= 0 && x <= 60 ? x : null);
export const plausibleActivity = (x: number | null | undefined): number | null => (x != null && x >= 0 && x <= 100 ? x : null);

/** Gap (ms) since `last` that still counts as continuous evidence, else 0. */
export const bridged = (t: number, last: number): number => (t - last <= MAX_BRIDGE_MS ? t - last : 0);

export class SignalQuality {
  /** last accepted (fresh) vitals */
  vT = Number.NEGATIVE_INFINITY;
  onBody = true;
  private offBodyMs = 0;
  private offBodyCount = 0;
  offBodyNotified = false;
  private onBodyMs = 0;
  rr: number | null = null;
  rrT = Number.NEGATIVE_INFINITY;
  /** median-of-3 filtered, slew limited */
  spo2: number | null = null;
  spo2T = Number.NEGATIVE_INFINITY;
  private spo2Raw1 = Number.NaN;
  private spo2Raw2 = Number.NaN;
  /** median-of-3 filtered */
  hr: number | null = null;
  private hrRaw1 = Number.NaN;
  private hrRaw2 = Number.NaN;
  activity: number | null = null;
  private moveRunMs = 0;
  /** probe quality: the last raw SpO2 reading and when; settling after a step (ms steady so far, -1: not settling) */
  private probeRaw = Number.NaN;
  private probeRawT = Number.NEGATIVE_INFINITY;
  private probeSteadyMs = -1;
  /** SpO2 readings not counted because the probe was settling after a step (counted drop) */
  probeHeld = 0;
  roomT = Number.NEGATIVE_INFINITY;

  vitalsFresh(now: number, th: Thresholds): boolean {
    return this.onBody && now - this.vT <= th.staleMs;
  }

  roomFresh(now: number, th: Thresholds): boolean {
    return now - this.roomT <= Math.max(ROOM_FRESH_MIN_MS, th.staleMs);
  }

  /** What the rules may count at `now`: freshness per stream and the latest filtered readings. */
  fill(p: Picture, now: number): void {
    const th = p.th;
    const fresh = this.vitalsFresh(now, th);
    p.now = now;
    p.vitalsFresh = fresh;
    p.rrFresh = fresh && now - this.rrT <= th.staleMs;
    // a probe settling after a step is not reading blood: its last value is no longer fresh evidence
    p.spo2Fresh = fresh && now - this.spo2T <= th.staleMs && this.spo2 !== null && this.probeSteadyMs < 0;
    p.roomFresh = this.roomFresh(now, th);
    p.rr = this.rr;
    p.spo2 = this.spo2;
    p.hr = this.hr;
    p.activity = this.activity;
    p.vitalsT = this.vT;
    p.onBody = this.onBody;
    p.breathingNow = fresh && now - this.rrT <= 2_000 && this.rr !== null && this.rr > th.lowRr;
  }

  /** An off-body flag `dt` ms after the last vitals: true once it counts (two in a row, or OFF_BODY_MS). */
  offBodyFlag(dt: number): boolean {
    this.offBodyCount++;
    this.offBodyMs += dt;
    this.onBodyMs = 0;
    return this.offBodyCount >= 2 || this.offBodyMs >= OFF_BODY_MS;
  }

  onBodyFlag(dt: number): void {
    this.offBodyCount = 0;
    this.offBodyMs = 0;
    this.onBodyMs += dt;
    if (!this.onBody) this.onBody = true;
    if (this.onBodyMs >= 60_000) this.offBodyNotified = false; // worn again for a minute: re-arm the notice
  }

  /**
   * Motion artefact gate: during vigorous movement RR and SpO2 readings are unreliable. Returns 0
   * (no artefact), 1 (artefact) or 2 (sustained movement: proof of a conscious wearer).
   */
  motionGate(activity: number | null, dt: number, th: Thresholds): number {
    this.activity = activity;
    if (activity !== null && activity >= th.activityGate) {
      this.moveRunMs += dt;
      return this.moveRunMs >= MOVEMENT_RESET_MS ? 2 : 1;
    }
    this.moveRunMs = 0;
    return 0;
  }

  /**
   * Probe quality for one vitals sample (`raw`: the plausible SpO2, null when the probe could not
   * compute one). Returns false while the probe is settling after a non-physiological step: then
   * neither its SpO2 nor its pulse rate is evidence.
   */
  probeSteady(t: number, raw: number | null): boolean {
    if (raw === null) {
      // "could not compute" while settling: not steady yet
      if (this.probeSteadyMs >= 0) this.probeSteadyMs = 0;
      return this.probeSteadyMs < 0;
    }
    const dt = t - this.probeRawT;
    // Across "could not compute" readings too: more than PROBE_STEP, and faster than blood can change.
    const change = dt <= PROBE_STEP_WITHIN_MS && !Number.isNaN(this.probeRaw) ? Math.abs(raw - this.probeRaw) : 0;
    const jump = change > Math.max(PROBE_STEP, (SPO2_MAX_FALL * dt) / 1000) ? change : 0;
    const prev = this.probeRaw;
    this.probeRaw = raw;
    this.probeRawT = t;
    // A step down starts settling (a slipping probe reads falsely low); a step up only prolongs it
    // (the probe re-seated: back to the blood's value, or a recovery after a dip, is no alarm).
    if (jump > 0 && (raw < prev || this.probeSteadyMs >= 0)) {
      this.probeSteadyMs = 0;
      // what the filters hold is from before the step: the first reading after settling starts them afresh
      this.spo2Raw1 = this.spo2Raw2 = this.hrRaw1 = this.hrRaw2 = Number.NaN;
      this.spo2 = null;
    } else if (this.probeSteadyMs >= 0) {
      this.probeSteadyMs = change <= PROBE_STEADY ? this.probeSteadyMs + Math.min(dt, MAX_BRIDGE_MS) : 0;
      if (this.probeSteadyMs >= PROBE_SETTLE_MS) this.probeSteadyMs = -1;
    }
    if (this.probeSteadyMs < 0) return true;
    this.probeHeld++;
    return false;
  }

  /** Accepts an RR reading; returns the bridged gap since the last one. */
  acceptRr(t: number, rr: number): number {
    const dt = bridged(t, this.rrT);
    this.rrT = t;
    this.rr = rr;
    return dt;
  }

  /** Filters an SpO2 reading into `spo2`; returns the bridged gap since the last one. */
  acceptSpo2(t: number, raw: number): number {
    const dt = bridged(t, this.spo2T);
    this.spo2T = t;
    // Median of the last three readings: a single-sample dip or spike never reaches the rules.
    const med = Number.isNaN(this.spo2Raw2) ? raw : median3(this.spo2Raw2, this.spo2Raw1, raw);
    this.spo2Raw2 = this.spo2Raw1;
    this.spo2Raw1 = raw;
    // Blood cannot desaturate faster than about a point a second (apnea: 0.2-0.3/s); a steeper
    // fall is the probe moving, so the filtered value falls at most SPO2_MAX_FALL per second.
    const prev = this.spo2;
    this.spo2 = prev !== null && dt > 0 && med < prev - (SPO2_MAX_FALL * dt) / 1000 ? prev - (SPO2_MAX_FALL * dt) / 1000 : med;
    return dt;
  }

  acceptHr(raw: number): number {
    const v = Number.isNaN(this.hrRaw2) ? raw : median3(this.hrRaw2, this.hrRaw1, raw);
    this.hrRaw2 = this.hrRaw1;
    this.hrRaw1 = raw;
    this.hr = v;
    return v;
  }

  /** A presence reading; returns the gap since the last one, bridged up to two slow room samples. */
  acceptRoom(t: number): number {
    const dtRaw = t - this.roomT;
    this.roomT = t;
    return dtRaw <= Math.max(MAX_BRIDGE_MS, 2 * 5_000) ? dtRaw : 0;
  }

  /** The stream resumed after a gap or the wearable came off: continuity is unknown. */
  resetFilters(): void {
    this.rr = this.spo2 = this.hr = null;
    this.spo2Raw1 = this.spo2Raw2 = this.hrRaw1 = this.hrRaw2 = Number.NaN;
    this.probeRaw = Number.NaN;
    this.probeSteadyMs = -1;
  }
}
