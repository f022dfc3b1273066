// Streaming risk scoring for one wearer, fused across all their devices. Pure: no I/O, time comes
// from the samples and from tick(now). State is a fixed set of numbers (plus one small record per
// device), so memory per wearer is bounded and the cost per sample does not depend on any window.
// Durations are accumulated evidence ("seconds of apnea seen"), not wall-clock spans, so gaps and
// artefacts never count as evidence. The rules and their sources are in docs/detection.md.
import { news2Partial } from './news2.js';
import { DEFAULT_THRESHOLDS, type Assessment, type Decision, type RiskLevel, type Sample, type Thresholds } from './types.js';

type Episode = 'idle' | 'prompting' | 'alerted';

/** Breathing must stay above the line this long before an apnea/low-RR run clears (hysteresis). */
const RR_CLEAR_MS = 3_000;
/** SpO2 must stay above the desaturation line this long before the saturation-seconds clear. */
const SPO2_CLEAR_MS = 5_000;
/** Breathing pauses at least this long that end by themselves count towards the sleep-apnoea pattern. */
const SELF_RESOLVED_MIN_MS = 8_000;
/** The pattern fades with this time constant (ms): about three self-ended pauses in 15 min keep it. */
const RECURRENT_DECAY_MS = 900_000;
const RECURRENT_COUNT = 3;
/** Fastest physiological SpO2 fall, points per second (apnea typically 0.2-0.3). */
const SPO2_MAX_FALL = 1;
/** A single gap longer than this between two samples is not bridged: evidence starts over. */
const MAX_BRIDGE_MS = 5_000;
/** Sustained vigorous movement this long shows a conscious wearer: respiratory evidence resets. */
const MOVEMENT_RESET_MS = 10_000;
/** SpO2 seen this long before the personal baseline is trusted (before: population rules only). */
const BASELINE_WARMUP_MS = 60_000;
/** A prompt is not repeated for this long after the wearer said OK, unless the picture turns critical. */
const OK_SNOOZE_MS = 60_000;
/** After a responder alert, this long of clear signals returns the detector to idle (the alert stays open). */
const EPISODE_RESET_MS = 300_000;
/** Off-body flags must persist this long (or for two samples) before they count. */
const OFF_BODY_MS = 5_000;
/** Room presence is sampled slowly: it counts as fresh for this long at least. */
const ROOM_FRESH_MIN_MS = 30_000;
/** Time constant (ms) of the room motion average that decides deep stillness (Brave averages its radar index too). */
const MOTION_AVG_MS = 10_000;
/**
 * Points per second below the desaturation line that make a fall "steep": apnoea desaturates at
 * 0.2-0.3 points/s, hypoventilation (bradypnoea) and obstructive dips mostly slower.
 */
const STEEP_DESAT_RATE = 0.15;

const WATCH_SCORE = 30;
const TRIGGER_SCORE = 60;
const CRITICAL_SCORE = 90;

/** Whole seconds for plain-word reasons. */
const secs = (ms: number) => Math.max(0, Math.round(ms / 1000));
const levelOf = (score: number, critical: boolean): RiskLevel =>
  critical || score >= CRITICAL_SCORE ? 'critical' : score >= TRIGGER_SCORE ? 'high' : score >= WATCH_SCORE ? 'watch' : 'none';
const median3 = (a: number, b: number, c: number) => Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));

interface DeviceState {
  lastT: number;
  /** sends vitals or presence at a steady rate, so silence means something */
  periodic: boolean;
  offline: boolean;
  silentNotified: boolean;
  lowBattery: boolean;
}

export interface VitalsData {
  hr?: number | null | undefined;
  spo2?: number | null | undefined;
  rr?: number | null | undefined;
  activity?: number | null | undefined;
  onBody?: boolean | undefined;
}

export class WearerDetector {
  th: Thresholds;

  // ---- wearable: latest accepted values -------------------------------------------------------
  private vT = Number.NEGATIVE_INFINITY; // last accepted (fresh) vitals
  private onBody = true;
  private offBodyMs = 0;
  private offBodyCount = 0;
  private offBodyNotified = false;
  private onBodyMs = 0;
  private rr: number | null = null;
  private rrT = Number.NEGATIVE_INFINITY;
  private spo2: number | null = null; // median-of-3 filtered
  private spo2T = Number.NEGATIVE_INFINITY;
  private spo2Raw1 = Number.NaN;
  private spo2Raw2 = Number.NaN;
  private hr: number | null = null; // median-of-3 filtered
  private hrRaw1 = Number.NaN;
  private hrRaw2 = Number.NaN;
  private activity: number | null = null;
  /** samples ignored because they arrived older than the stale limit */
  staleIgnored = 0;

  // ---- respiratory features --------------------------------------------------------------------
  private apneaOn = false;
  private apneaMs = 0;
  private breathRunMs = -1; // -1 = no run
  private lowRrOn = false;
  private lowRrMs = 0;
  private aboveRunMs = -1;
  private rrFast: number | null = null;
  private rrBase: number | null = null;
  private minRr = Number.POSITIVE_INFINITY;
  /** decaying count of apnoeas that ended by themselves (sleep apnoea pattern) and when it was last bumped */
  private recurrent = 0;
  private recurrentT = 0;
  /** the same for desaturations below the line that ended by themselves (oximetry ODI, for wearers without RR) */
  private recurrentDesat = 0;
  private recurrentDesatT = 0;

  // ---- saturation features ---------------------------------------------------------------------
  private spo2Base: number | null = null;
  private spo2SeenMs = 0;
  private satArea = 0;
  private belowMs = 0;
  private spo2AboveRunMs = -1;
  private critLowMs = 0;
  private minSpo2 = Number.POSITIVE_INFINITY;

  // ---- heart rate and movement -----------------------------------------------------------------
  private hrBase: number | null = null;
  private moveRunMs = 0;

  // ---- room ------------------------------------------------------------------------------------
  private roomT = Number.NEGATIVE_INFINITY;
  private occupied = false;
  private stillMs = 0;
  private stillRun = false;
  private motionHits = 0;
  /** averaged room motion and seconds of deep stillness (average below deepStillMotion) */
  private motionAvg: number | null = null;
  private deepStillMs = 0;
  private doorClosed: boolean | null = null;

  // ---- devices ---------------------------------------------------------------------------------
  private readonly devices = new Map<string, DeviceState>();

  // ---- assessment scratch (numbers only: the hot path allocates nothing) ------------------------
  private cApnea = 0;
  private cLowRr = 0;
  private cSpo2 = 0;
  private cStill = 0;
  private cScore = 0;
  private cCritical = false;
  private cFall: number | null = null;
  private cStillFused = false;
  private cStillDeep = false;
  private cSteep = false;
  private cBrady = false;
  private cRrSlowed = false;
  /** wearable / room evidence at their last fresh assessment, for "silent while risk was raised" */
  private lastVitalsScore = 0;
  private lastRoomScore = 0;
  /** which sources carried the episode's evidence (1 wearable, 2 room): only they can show recovery */
  private sources = 0;

  // ---- episode ---------------------------------------------------------------------------------
  private episode: Episode = 'idle';
  private promptAt = 0;
  /** this check-in's window, fixed when it starts (what the wearable counts down; a retune does not move it) */
  private windowMs = 0;
  private lastReported = 0;
  private clearSince: number | null = null;
  private okUntil = Number.NEGATIVE_INFINITY;
  private silentEscalated = false;

  constructor(thresholds: Partial<Thresholds> = {}) {
    this.th = { ...DEFAULT_THRESHOLDS, ...thresholds };
  }

  get state(): Episode {
    return this.episode;
  }

  /** New settings from the service; the running state is kept (evidence re-read against them). */
  retune(thresholds: Partial<Thresholds>): void {
    this.th = { ...DEFAULT_THRESHOLDS, ...thresholds };
  }

  /** Feed one validated sample. Returns the decisions it caused (usually none). */
  onSample(s: Sample): Decision[] {
    const out: Decision[] = [];
    const m = s.message;
    const dev = this.device(s.deviceId, s.t, m.stream === 'vitals' || m.stream === 'presence');
    // Late data (store-and-forward after an outage, a slow link): it still counts toward the picture,
    // in order, but never starts, escalates or cancels anything by itself; the next live sample (or
    // tick with fresh data) decides. Readings older than ones already seen are proof of life only.
    const stale = s.ageMs !== undefined && s.ageMs > this.th.staleMs;
    switch (m.stream) {
      case 'vitals':
        if (s.t < this.vT) {
          this.staleIgnored++;
          return out;
        }
        this.onVitals(s.t, s.deviceId, m.data, out);
        break;
      case 'presence':
        if (s.t < this.roomT) {
          this.staleIgnored++;
          return out;
        }
        this.onPresence(s.t, m.data.occupied, m.data.motion ?? 0);
        break;
      case 'door':
        // Someone came or went: stillness starts over.
        this.doorClosed = !m.data.open;
        this.stillMs = 0;
        this.deepStillMs = 0;
        this.stillRun = false;
        break;
      case 'button':
        if (m.data.action === 'ok') {
          // A late "I'm OK" speaks for the past, not for now: it cannot cancel a live check-in.
          if (stale) {
            this.staleIgnored++;
            return out;
          }
          this.wearerOk(s.t, out);
        } else {
          // A help press is a person asking for help: it always alerts, however late it arrives.
          this.help(s.t, out, stale ? s.ageMs : undefined);
        }
        return out;
      case 'status':
        if (stale) {
          // An old offline/online report says nothing about the device now.
          this.staleIgnored++;
          return out;
        }
        this.onStatus(s.t, s.deviceId, dev, m.data.state, m.data.battery, out);
        break;
      default:
        m satisfies never;
    }
    if (stale) {
      this.staleIgnored++;
      return out.filter((d) => d.kind === 'technical');
    }
    this.step(s.t, out);
    return out;
  }

  /** Advance time without a sample: cancel windows expire, streams go stale, devices go silent. */
  tick(now: number): Decision[] {
    const out: Decision[] = [];
    const silentLimit = this.th.offlineSeconds * 1000;
    for (const [id, d] of this.devices) {
      if (d.periodic && !d.silentNotified && !d.offline && now - d.lastT >= silentLimit) {
        d.silentNotified = true;
        out.push({ kind: 'technical', t: now, deviceId: id, issue: 'offline', detail: `no data for ${secs(now - d.lastT)} s` });
      }
    }
    this.step(now, out);
    return out;
  }

  /** The alert this episode raised was resolved or cancelled by people: start afresh. */
  closeEpisode(): void {
    this.episode = 'idle';
    this.sources = 0;
    this.clearSince = null;
    this.lastReported = 0;
    this.silentEscalated = false;
  }

  /** Current assessment at `now` (score 0-100, level, plain-word reasons, NEWS2 partial). */
  assess(now: number): Assessment & { critical: boolean; level: RiskLevel } {
    this.evaluate(now);
    return {
      score: this.cScore,
      level: levelOf(this.cScore, this.cCritical),
      reasons: this.reasons(now),
      news2: this.vitalsFresh(now) ? news2Partial({ rr: this.rr, spo2: this.spo2, hr: this.hr }) : null,
      critical: this.cCritical,
    };
  }

  /** Current feature values, for charts and reviewers (not used by the rules). */
  features(now: number): { score: number; apneaS: number; lowRrS: number; satSeconds: number; spo2Baseline: number | null; stillS: number } {
    this.evaluate(now);
    return {
      score: this.cScore, apneaS: this.apneaOn ? this.apneaMs / 1000 : 0, lowRrS: this.lowRrOn ? this.lowRrMs / 1000 : 0,
      satSeconds: Math.round(this.satArea), spo2Baseline: this.spo2Base, stillS: this.stillMs / 1000,
    };
  }

  // ---- inputs ----------------------------------------------------------------------------------

  private device(id: string, t: number, periodic: boolean): DeviceState {
    let d = this.devices.get(id);
    if (!d) {
      d = { lastT: t, periodic, offline: false, silentNotified: false, lowBattery: false };
      this.devices.set(id, d);
    }
    if (t > d.lastT) d.lastT = t;
    if (periodic) {
      d.periodic = true;
      d.silentNotified = false;
      d.offline = false;
    }
    return d;
  }

  private vitalsFresh(now: number): boolean {
    return this.onBody && now - this.vT <= this.th.staleMs;
  }

  private roomFresh(now: number): boolean {
    return now - this.roomT <= Math.max(ROOM_FRESH_MIN_MS, this.th.staleMs);
  }

  private onVitals(t: number, deviceId: string, d: VitalsData, out: Decision[]): void {
    const th = this.th;
    const dtRaw = t - this.vT;
    const dt = dtRaw <= MAX_BRIDGE_MS ? dtRaw : 0;
    if (dtRaw > th.staleMs) this.resetVitalsFeatures(); // the stream resumed after a gap: continuity is unknown
    this.vT = t;

    if (d.onBody === false) {
      this.offBodyCount++;
      this.offBodyMs += dt;
      this.onBodyMs = 0;
      // One flag is a glitch; two in a row (or 5 s) is a wearable that came off.
      if (this.offBodyCount >= 2 || this.offBodyMs >= OFF_BODY_MS) {
        if (this.onBody) this.resetVitalsFeatures();
        this.onBody = false;
        if (!this.offBodyNotified) {
          this.offBodyNotified = true;
          out.push({ kind: 'technical', t, deviceId, issue: 'off_body', detail: 'wearable is not being worn' });
        }
      }
      return;
    }
    this.offBodyCount = 0;
    this.offBodyMs = 0;
    this.onBodyMs += dt;
    if (!this.onBody) this.onBody = true;
    if (this.onBodyMs >= 60_000) this.offBodyNotified = false; // worn again for a minute: re-arm the notice

    // Implausible values are "could not compute", never evidence.
    const hr = d.hr != null && d.hr >= 25 && d.hr <= 240 ? d.hr : null;
    const spo2 = d.spo2 != null && d.spo2 >= 50 && d.spo2 <= 100 ? d.spo2 : null;
    const rr = d.rr != null && d.rr >= 0 && d.rr <= 60 ? d.rr : null;
    const activity = d.activity != null && d.activity >= 0 && d.activity <= 100 ? d.activity : null;
    this.activity = activity;

    // Motion artefact gate: during vigorous movement RR and SpO2 readings are unreliable, and
    // sustained movement is itself proof of a conscious wearer.
    const artefact = activity !== null && activity >= th.activityGate;
    if (artefact) {
      this.moveRunMs += dt;
      if (this.moveRunMs >= MOVEMENT_RESET_MS) this.resetRespiratory();
    } else this.moveRunMs = 0;

    if (hr !== null) this.onHr(hr);
    if (artefact) return;
    if (rr !== null) this.onRr(t, rr);
    if (spo2 !== null) this.onSpo2(t, spo2);
  }

  private onRr(t: number, rr: number): void {
    const th = this.th;
    const dtRaw = t - this.rrT;
    const dt = dtRaw <= MAX_BRIDGE_MS ? dtRaw : 0;
    this.rrT = t;
    this.rr = rr;
    if (this.apneaOn || this.lowRrOn) this.minRr = Math.min(this.minRr, rr);
    // apnea: RR 0, cleared only by RR_CLEAR_MS of breathing
    if (this.apneaOn) this.apneaMs += dt;
    if (rr === 0) {
      if (!this.apneaOn) {
        this.apneaOn = true;
        this.apneaMs = 0;
      }
      this.breathRunMs = -1;
    } else if (this.apneaOn) {
      this.breathRunMs = this.breathRunMs < 0 ? 0 : this.breathRunMs + dt;
      if (this.breathRunMs >= RR_CLEAR_MS) {
        if (this.apneaMs >= SELF_RESOLVED_MIN_MS && this.episode !== 'alerted') {
          this.recurrent = this.recurrent * Math.exp(-(t - this.recurrentT) / RECURRENT_DECAY_MS) + 1;
          this.recurrentT = t;
        }
        this.apneaOn = false;
        this.apneaMs = 0;
      }
    }
    // depressed breathing (apnea included): RR <= lowRr, cleared by RR_CLEAR_MS above the line
    if (this.lowRrOn) this.lowRrMs += dt;
    if (rr <= th.lowRr) {
      if (!this.lowRrOn) {
        this.lowRrOn = true;
        this.lowRrMs = 0;
        this.minRr = rr;
      }
      this.aboveRunMs = -1;
    } else if (this.lowRrOn) {
      this.aboveRunMs = this.aboveRunMs < 0 ? 0 : this.aboveRunMs + dt;
      if (this.aboveRunMs >= RR_CLEAR_MS) {
        this.lowRrOn = false;
        this.lowRrMs = 0;
        this.apneaOn = false;
        this.apneaMs = 0;
      }
    }
    // level and trend: a fast average against a slow personal baseline learnt while calm
    this.rrFast = this.rrFast === null ? rr : this.rrFast + (rr - this.rrFast) * Math.min(1, dt / 10_000);
    if (!this.lowRrOn && this.episode === 'idle') {
      this.rrBase = this.rrBase === null ? rr : this.rrBase + (rr - this.rrBase) * Math.min(1, dt / 300_000);
    }
  }

  private onSpo2(t: number, raw: number): void {
    const th = this.th;
    const dtRaw = t - this.spo2T;
    const dt = dtRaw <= MAX_BRIDGE_MS ? dtRaw : 0;
    this.spo2T = t;
    // Median of the last three readings: a single-sample dip or spike never reaches the rules.
    const med = Number.isNaN(this.spo2Raw2) ? raw : median3(this.spo2Raw2, this.spo2Raw1, raw);
    this.spo2Raw2 = this.spo2Raw1;
    this.spo2Raw1 = raw;
    // Blood cannot desaturate faster than about a point a second (apnea: 0.2-0.3/s); a steeper
    // fall is the probe moving, so the filtered value falls at most SPO2_MAX_FALL per second.
    const prev = this.spo2;
    const v = prev !== null && dt > 0 && med < prev - (SPO2_MAX_FALL * dt) / 1000 ? prev - (SPO2_MAX_FALL * dt) / 1000 : med;
    this.spo2 = v;
    this.spo2SeenMs += dt;

    // Personal baseline: quick to learn at first, then slow; it rises readily but a desaturation
    // never drags it down, so a long fall keeps counting as a fall.
    const calm = this.episode === 'idle' && !this.apneaOn && !this.lowRrOn;
    if (this.spo2Base === null) this.spo2Base = v;
    else if (this.spo2SeenMs < BASELINE_WARMUP_MS) this.spo2Base += (v - this.spo2Base) * Math.min(1, dt / 15_000);
    else if (v >= this.spo2Base) this.spo2Base += (v - this.spo2Base) * Math.min(1, dt / 120_000);
    else if (calm && this.spo2Base - v < 2) this.spo2Base += (v - this.spo2Base) * Math.min(1, dt / 600_000);

    // Saturation-seconds below the wearer's desaturation line (baseline - spo2Drop): depth x duration.
    const line = this.desatLine();
    if (line !== null && v < line) {
      this.satArea += (line - v) * (dt / 1000);
      this.belowMs += dt;
      this.spo2AboveRunMs = -1;
      this.minSpo2 = Math.min(this.minSpo2, v);
    } else if (this.belowMs > 0 || this.satArea > 0) {
      this.spo2AboveRunMs = this.spo2AboveRunMs < 0 ? 0 : this.spo2AboveRunMs + dt;
      if (this.spo2AboveRunMs >= SPO2_CLEAR_MS) {
        // A desaturation that ended by itself (an obstructive dip): part of the sleep-apnoea pattern.
        if (this.belowMs >= SPO2_CLEAR_MS && this.episode !== 'alerted') {
          this.recurrentDesat = this.recurrentDesat * Math.exp(-(t - this.recurrentDesatT) / RECURRENT_DECAY_MS) + 1;
          this.recurrentDesatT = t;
        }
        this.satArea = 0;
        this.belowMs = 0;
        this.minSpo2 = Number.POSITIVE_INFINITY;
      }
    }
    // Absolute floor, whatever the baseline (a wearable put on during an event learns a low baseline).
    if (v <= th.spo2Critical) this.critLowMs += dt;
    else this.critLowMs = 0;
  }

  private desatLine(): number | null {
    if (this.spo2Base === null || this.spo2SeenMs < BASELINE_WARMUP_MS) return null;
    return this.spo2Base - this.th.spo2Drop;
  }

  private onHr(raw: number): void {
    const v = Number.isNaN(this.hrRaw2) ? raw : median3(this.hrRaw2, this.hrRaw1, raw);
    this.hrRaw2 = this.hrRaw1;
    this.hrRaw1 = raw;
    this.hr = v;
    if (this.episode === 'idle' && !this.apneaOn && !this.lowRrOn) {
      this.hrBase = this.hrBase === null ? v : this.hrBase + (v - this.hrBase) / 300;
    }
  }

  private onPresence(t: number, occupied: boolean, motion: number): void {
    const dtRaw = t - this.roomT;
    const dt = dtRaw <= Math.max(MAX_BRIDGE_MS, 2 * 5_000) ? dtRaw : 0;
    this.roomT = t;
    this.occupied = occupied;
    this.motionAvg = this.motionAvg === null || dt === 0 ? motion : this.motionAvg + (motion - this.motionAvg) * Math.min(1, dt / MOTION_AVG_MS);
    if (!occupied) {
      this.stillMs = this.deepStillMs = 0;
      this.stillRun = false;
      this.motionHits = 0;
      return;
    }
    if (motion < this.th.stillMotion) {
      if (this.stillRun) {
        this.stillMs += dt;
        // Deep stillness: the averaged index shows not even the micro-movement of breathing.
        // (a stillMotion lowered below the default deep line leaves deep stillness no looser than still)
        if (this.motionAvg < Math.min(this.th.deepStillMotion, this.th.stillMotion / 2)) this.deepStillMs += dt;
        else this.deepStillMs = 0;
      }
      this.stillRun = true;
      this.motionHits = 0;
      return;
    }
    // One stray reading (a curtain, a pet) does not end stillness; clear movement does.
    this.deepStillMs = 0;
    this.motionHits++;
    if (motion >= 2 * this.th.stillMotion || this.motionHits >= 2) {
      this.stillMs = 0;
      this.stillRun = false;
    } else if (this.stillRun) this.stillMs += dt;
  }

  private resetRespiratory(): void {
    this.apneaOn = this.lowRrOn = false;
    this.apneaMs = this.lowRrMs = 0;
    this.breathRunMs = this.aboveRunMs = -1;
    this.satArea = this.belowMs = this.critLowMs = 0;
    this.spo2AboveRunMs = -1;
    this.minRr = this.minSpo2 = Number.POSITIVE_INFINITY;
  }

  private resetVitalsFeatures(): void {
    this.rr = this.spo2 = this.hr = null;
    this.spo2Raw1 = this.spo2Raw2 = this.hrRaw1 = this.hrRaw2 = Number.NaN;
    this.resetRespiratory();
  }

  private onStatus(t: number, deviceId: string, dev: DeviceState, state: 'online' | 'offline', battery: number | undefined, out: Decision[]): void {
    if (state === 'offline') {
      if (!dev.offline) {
        dev.offline = true;
        this.deviceSilent(t, deviceId, 'went offline', out);
      }
    } else {
      dev.offline = false;
      dev.silentNotified = false;
    }
    if (battery !== undefined) {
      if (battery <= this.th.lowBattery && !dev.lowBattery) {
        dev.lowBattery = true;
        out.push({ kind: 'technical', t, deviceId, issue: 'low_battery', detail: `battery ${Math.round(battery)}%` });
      } else if (battery > this.th.lowBattery + 5) {
        dev.lowBattery = false;
      }
    }
  }

  /** A device stopped: a technical matter, unless the wearer's risk is raised, when it escalates. */
  private deviceSilent(t: number, deviceId: string, how: string, out: Decision[]): void {
    if (this.episode === 'prompting') {
      this.escalate(t, out, `a device ${how} during the check-in`);
      return;
    }
    if (this.episode === 'idle' && Math.max(this.lastVitalsScore, this.lastRoomScore) >= WATCH_SCORE && !this.silentEscalated) {
      this.silentEscalated = true;
      this.prompt(t, out, `a device ${how} while breathing was abnormal`);
      return;
    }
    out.push({ kind: 'technical', t, deviceId, issue: 'offline', detail: `device ${how}` });
  }

  private wearerOk(t: number, out: Decision[]): void {
    if (this.episode === 'prompting') {
      this.episode = 'idle';
      this.okUntil = t + OK_SNOOZE_MS;
      this.clearSince = null;
      out.push({ kind: 'cancelled', t, reason: 'wearer_ok' });
    } else if (this.episode === 'alerted') {
      // Responders are already on their way; they hear that the wearer answered, the alert stays.
      const a = this.assess(t);
      out.push({ kind: 'update', t, score: this.lastReported, level: a.level, reasons: ['wearer pressed OK after the alert was raised', ...a.reasons], news2: a.news2 });
    } else {
      this.okUntil = t + OK_SNOOZE_MS;
    }
  }

  private help(t: number, out: Decision[], lateMs?: number): void {
    const a = this.assess(t);
    const pressed = lateMs === undefined ? 'wearer pressed help' : `wearer pressed help ${secs(lateMs)}s ago (delivered late)`;
    const reasons = [pressed, ...a.reasons];
    out.push({ kind: this.episode === 'alerted' ? 'update' : 'responder_alert', t, score: 100, level: 'critical', reasons, news2: a.news2 });
    this.episode = 'alerted';
    this.lastReported = 100;
    this.clearSince = null;
  }

  // ---- scoring ---------------------------------------------------------------------------------

  /** Computes the component scores at `now` into scratch fields. Numbers only, no allocation. */
  private evaluate(now: number): void {
    const th = this.th;
    const fresh = this.vitalsFresh(now);
    const rrFresh = fresh && now - this.rrT <= th.staleMs;
    const spo2Fresh = fresh && now - this.spo2T <= th.staleMs && this.spo2 !== null;
    let apnea = 0;
    let lowRr = 0;
    let spo2 = 0;
    let still = 0;
    const apneaS = rrFresh && this.apneaOn ? this.apneaMs / 1000 : 0;
    const apneaNeeded = this.apneaNeeded(now);
    if (apneaS > 0) {
      // Partial evidence from 5 s ("watch"), full at the persistence time, rising a point a second.
      if (apneaS >= apneaNeeded) apnea = Math.min(95, 70 + (apneaS - apneaNeeded));
      else if (apneaS >= 5) apnea = WATCH_SCORE + 25 * ((apneaS - 5) / Math.max(1, apneaNeeded - 5));
    }
    const lowS = rrFresh && this.lowRrOn ? this.lowRrMs / 1000 : 0;
    if (lowS > 0) {
      if (lowS >= th.lowRrSeconds) lowRr = Math.min(90, 65 + (this.minRr <= th.criticalRr ? 5 : 0) + (lowS - th.lowRrSeconds) / 3);
      else if (lowS >= 10) lowRr = WATCH_SCORE + 25 * ((lowS - 10) / Math.max(1, th.lowRrSeconds - 10));
    }
    const line = this.desatLine();
    this.cFall = spo2Fresh && this.spo2Base !== null && this.spo2 !== null ? this.spo2Base - this.spo2 : null;
    if (spo2Fresh) {
      if (this.satArea >= th.satSeconds && this.belowMs >= 10_000) spo2 = Math.min(90, 62 + this.satArea / 20);
      else if (line !== null && this.satArea >= th.satSeconds / 3) spo2 = Math.min(55, WATCH_SCORE + 25 * (this.satArea / th.satSeconds));
      if (this.critLowMs >= th.spo2CriticalSeconds * 1000) spo2 = Math.max(spo2, 75);
    }
    // Stillness with presence (Brave). A respiratory sign shortens the timer to a third; a fresh
    // wearable showing normal breathing or normal saturation means the still person is breathing.
    // A breathing sign for fusion: apnoea that already counts, slow-but-present breathing (a pause
    // alone is what sleep does), or a real desaturation.
    const respSign = apneaS >= apneaNeeded || (lowS >= th.lowRrSeconds / 2 && lowS - apneaS >= 10) ||
      (spo2Fresh && this.belowMs >= 10_000 && this.satArea >= th.satSeconds / 2);
    this.cStillFused = false;
    this.cStillDeep = false;
    const breathingSeen = rrFresh && this.rr !== null && this.rr > th.lowRr && !this.lowRrOn;
    if (this.occupied && this.stillMs > 0 && this.roomFresh(now)) {
      const base = this.doorClosed === true ? th.stillnessClosedSeconds : th.stillnessSeconds;
      const needed = (respSign ? base / 3 : base) * 1000;
      // Deep stillness (no micro-movement) counts after half the time (Brave's high-confidence stillness).
      const deepNeeded = (base / 2) * 1000;
      const progress = Math.max(this.stillMs / needed, this.deepStillMs / deepNeeded);
      const saturating = spo2Fresh && line !== null && this.spo2 !== null && this.spo2 >= line && this.satArea === 0;
      // Normal saturation vetoes stillness alone (minutes of apnoea would show), not stillness with a
      // breathing sign: SpO2 lags 15-30 s behind the breathing.
      if (!breathingSeen && (respSign || !saturating)) {
        if (progress >= 1) {
          still = respSign ? 75 : 65;
          this.cStillFused = respSign;
          this.cStillDeep = this.stillMs < needed;
        } else if (progress >= 0.5) still = WATCH_SCORE + 25 * ((progress - 0.5) / 0.5);
      }
    }
    this.cApnea = apnea;
    this.cLowRr = lowRr;
    this.cSpo2 = spo2;
    this.cStill = still;
    const top = Math.max(apnea, lowRr, spo2, still);
    let score = top;
    if (top >= TRIGGER_SCORE) {
      // Each further independent sign adds; supporting signs add but never start anything.
      if (apnea >= TRIGGER_SCORE && top !== apnea) score += 5;
      if (lowRr >= TRIGGER_SCORE && top !== lowRr && apnea < TRIGGER_SCORE) score += 5;
      if (spo2 >= TRIGGER_SCORE && top !== spo2) score += 5;
      if (still >= TRIGGER_SCORE && top !== still) score += 5;
    }
    // Bradycardia is late (and a heart-rate fall with it): it escalates a picture, never starts one.
    this.cBrady = top >= TRIGGER_SCORE && fresh && this.hr !== null &&
      (this.hr <= th.bradyHr || (this.hrBase !== null && this.hr <= this.hrBase * 0.75));
    if (this.cBrady) score += 10;
    this.cRrSlowed = rrFresh && this.rrBase !== null && this.rrFast !== null && this.rrBase >= 10 && this.rrFast <= this.rrBase * 0.6;
    if (this.cRrSlowed && top >= TRIGGER_SCORE) score += 3;
    score = Math.max(0, Math.min(100, Math.round(score)));
    const fall = this.cFall;
    const spo2Bad = fall !== null && (fall >= th.spo2Drop + 1 || (line !== null && this.spo2 !== null && this.spo2 < line));
    // A steep, sustained fall from the wearer's own baseline is the oximeter's view of apnoea
    // (0.2-0.3 points/s): twice spo2Drop, gained at >= STEEP_DESAT_RATE per second below the line,
    // with no breathing seen and no pattern of self-ending dips (obstructive sleep apnoea).
    this.cSteep = spo2 >= TRIGGER_SCORE && fall !== null && fall >= 2 * th.spo2Drop && this.belowMs >= 10_000 &&
      (fall - th.spo2Drop) / (this.belowMs / 1000) >= STEEP_DESAT_RATE && !breathingSeen && !this.desatPattern(now);
    this.cCritical =
      score >= CRITICAL_SCORE ||
      (apneaS >= th.criticalApneaSeconds && (spo2Bad || !spo2Fresh)) ||
      (lowS >= th.lowRrSeconds + 30 && this.minRr <= th.criticalRr && this.rr !== null && this.rr <= th.criticalRr) ||
      (spo2Fresh && this.critLowMs >= th.spo2CriticalSeconds * 1000 && top >= TRIGGER_SCORE && apneaS > 0) ||
      // a deep, sustained fall from the wearer's own baseline: the check-in would only cost oxygen
      (spo2 >= TRIGGER_SCORE && fall !== null && fall >= th.spo2CriticalDrop && this.satArea >= th.satSeconds) ||
      this.cSteep;
    // A critical picture is at least "critical" on the scale, whatever the component scores.
    if (this.cCritical) score = Math.max(score, CRITICAL_SCORE);
    this.cScore = score;
    if (fresh) this.lastVitalsScore = Math.max(apnea, lowRr, spo2);
    if (this.roomFresh(now)) this.lastRoomScore = still;
  }

  /**
   * Seconds of apnoea before it counts. A wearer whose pauses keep ending by themselves (obstructive
   * sleep apnoea) is given criticalApneaSeconds instead, so a night of 10-25 s apnoeas does not
   * prompt every minute; a pause that long is still acted on, and depressed breathing is not affected.
   */
  private apneaNeeded(now: number): number {
    const th = this.th;
    if (this.recurrent === 0) return th.apneaSeconds;
    const level = this.recurrent * Math.exp(-(now - this.recurrentT) / RECURRENT_DECAY_MS);
    return level >= RECURRENT_COUNT ? Math.max(th.apneaSeconds, th.criticalApneaSeconds) : th.apneaSeconds;
  }

  /** Three or more desaturations that ended by themselves within ~15 min (an ODI-style sleep-apnoea pattern). */
  private desatPattern(now: number): boolean {
    return this.recurrentDesat > 0 && this.recurrentDesat * Math.exp(-(now - this.recurrentDesatT) / RECURRENT_DECAY_MS) >= RECURRENT_COUNT;
  }

  /** The latest fresh reading shows breathing above the depressed line again. */
  private breathingNow(now: number): boolean {
    return this.vitalsFresh(now) && now - this.rrT <= 2_000 && this.rr !== null && this.rr > this.th.lowRr;
  }

  /** Plain-word reasons for the current scratch values (only built when a decision goes out). */
  private reasons(now: number): string[] {
    const th = this.th;
    const parts: { score: number; text: string }[] = [];
    if (this.cApnea >= WATCH_SCORE) {
      const pattern = this.apneaNeeded(now) > th.apneaSeconds ? ' (after recurrent self-ending pauses)' : '';
      parts.push({ score: this.cApnea, text: `no breathing for ${secs(this.apneaMs)} s${pattern}` });
    }
    if (this.cLowRr >= WATCH_SCORE && !(this.cApnea >= WATCH_SCORE && this.rr === 0)) {
      const rr = this.rr !== null && this.rr > 0 && this.rr <= th.lowRr ? this.rr : th.lowRr;
      const now0 = this.rr === 0 ? ', stopped now' : this.rr !== null && this.rr > th.lowRr ? `, ${Math.round(this.rr)}/min now` : '';
      parts.push({ score: this.cLowRr, text: `breathing ${Math.round(rr)}/min or less for ${secs(this.lowRrMs)} s${now0}` });
    }
    if (this.cSpo2 >= WATCH_SCORE && this.spo2 !== null) {
      const fall = this.cFall !== null ? Math.round(this.cFall) : null;
      const below = this.belowMs > 0 ? this.belowMs : this.critLowMs;
      parts.push({ score: this.cSpo2, text: `SpO2 ${Math.round(this.spo2)}%${fall !== null && fall > 0 ? `, ${fall} below baseline` : ''}, for ${secs(below)} s${this.cSteep ? ', falling steeply' : ''}` });
    }
    if (this.cStill >= WATCH_SCORE) {
      const door = this.doorClosed === true ? ', door closed' : '';
      const deep = this.cStillDeep ? `, not even breathing movement for ${secs(this.deepStillMs)} s` : '';
      parts.push({ score: this.cStill, text: `no movement in occupied room for ${secs(this.stillMs)} s${door}${deep}${this.cStillFused ? ' with a breathing sign' : ''}` });
    }
    parts.sort((a, b) => b.score - a.score);
    const out = parts.map((p) => p.text);
    if (this.cBrady && this.hr !== null) {
      out.push(`heart rate ${Math.round(this.hr)}/min${this.hrBase !== null ? ` (usually ${Math.round(this.hrBase)})` : ''}`);
    }
    if (this.cRrSlowed && this.cScore >= TRIGGER_SCORE && this.rrBase !== null && this.rrFast !== null) {
      out.push(`breathing slowed from ${Math.round(this.rrBase)} to ${Math.round(this.rrFast)}/min`);
    }
    if (this.cScore >= TRIGGER_SCORE && this.activity !== null && this.activity < 3 && this.vitalsFresh(now)) out.push('wearer not moving');
    return out;
  }

  // ---- episode state machine -------------------------------------------------------------------

  private prompt(now: number, out: Decision[], extra?: string): void {
    const a = this.assess(now);
    this.sources = (Math.max(this.cApnea, this.cLowRr, this.cSpo2) >= WATCH_SCORE || extra ? 1 : 0) | (this.cStill >= WATCH_SCORE ? 2 : 0);
    const score = Math.max(a.score, TRIGGER_SCORE);
    const reasons = extra ? [...a.reasons, extra] : a.reasons;
    this.lastReported = score;
    this.clearSince = null;
    if (a.critical || this.th.checkinWindowMs === 0) {
      this.episode = 'alerted';
      out.push({ kind: 'responder_alert', t: now, score, level: levelOf(score, a.critical), reasons, news2: a.news2 });
      return;
    }
    this.episode = 'prompting';
    this.promptAt = now;
    this.windowMs = this.th.checkinWindowMs;
    out.push({ kind: 'wearer_prompt', t: now, score, level: levelOf(score, false), reasons, news2: a.news2, windowMs: this.windowMs });
  }

  private escalate(now: number, out: Decision[], extra?: string): void {
    const a = this.assess(now);
    const score = Math.max(a.score, this.lastReported, TRIGGER_SCORE);
    const reasons = [...a.reasons];
    if (extra) reasons.push(extra);
    if (reasons.length === 0) reasons.push('no answer to the check-in');
    this.episode = 'alerted';
    this.lastReported = score;
    out.push({ kind: 'responder_alert', t: now, score, level: levelOf(score, a.critical), reasons, news2: a.news2 });
  }

  /** idle -> prompting -> alerted, with cancel on OK or on clear recovery (hysteresis). */
  private step(now: number, out: Decision[]): void {
    this.evaluate(now);
    const score = this.cScore;
    // Recovery can only be seen by the sources that showed the problem, and only while they report.
    const src = this.episode === 'idle' ? 3 : this.sources || 3;
    const fresh = (!(src & 1) || this.vitalsFresh(now)) && (!(src & 2) || this.roomFresh(now)) && (this.vitalsFresh(now) || this.roomFresh(now));
    if (score < WATCH_SCORE && fresh) this.clearSince ??= now;
    else this.clearSince = null;
    const clearFor = this.clearSince === null ? 0 : now - this.clearSince;
    if (score < WATCH_SCORE && fresh) this.silentEscalated = false;

    switch (this.episode) {
      case 'idle':
        if ((score >= TRIGGER_SCORE && now >= this.okUntil) || this.cCritical) this.prompt(now, out);
        else if (!this.silentEscalated && this.silentSince(now)) {
          this.silentEscalated = true;
          this.prompt(now, out, 'the wearable went silent while breathing was abnormal');
        }
        return;
      case 'prompting': {
        if (this.cCritical) return this.escalate(now, out);
        // Went silent after the prompt went out (a silence that caused the prompt waits for the window).
        if (this.vT >= this.promptAt && this.silentSince(now)) return this.escalate(now, out, 'the wearable went silent during the check-in');
        if (clearFor >= this.th.clearSeconds * 1000) {
          this.episode = 'idle';
          out.push({ kind: 'cancelled', t: now, reason: 'recovered' });
          return;
        }
        // At the end of the window: escalate unless the picture is already clearing, in which
        // case it gets clearSeconds more to prove the recovery.
        const windowEnd = this.promptAt + this.windowMs;
        const recovering = this.clearSince !== null || this.breathingNow(now);
        if (now >= windowEnd && (!recovering || now >= windowEnd + this.th.clearSeconds * 1000)) this.escalate(now, out);
        return;
      }
      case 'alerted':
        if (score >= this.lastReported + 10) {
          const a = this.assess(now);
          this.lastReported = a.score;
          out.push({ kind: 'update', t: now, score: a.score, level: a.level, reasons: a.reasons, news2: a.news2 });
        }
        if (clearFor >= EPISODE_RESET_MS) this.closeEpisode();
        return;
      default:
        this.episode satisfies never;
    }
  }

  /** The wearable that carried the evidence has gone silent (no data for the stale limit). */
  private silentSince(now: number): boolean {
    return Number.isFinite(this.vT) && this.onBody && now - this.vT > this.th.staleMs && this.lastVitalsScore >= WATCH_SCORE;
  }
}
