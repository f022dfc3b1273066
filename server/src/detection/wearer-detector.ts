// Streaming risk scoring for one wearer, fused across all their devices. Pure: no I/O, time comes
// from the samples and from tick(now). State is a fixed set of numbers (plus one small record per
// device), so memory per wearer is bounded and the cost per sample does not depend on any window.
// Durations are accumulated evidence ("seconds of apnea seen"), not wall-clock spans, so gaps and
// artefacts never count as evidence. This class routes samples and runs the episode; signal quality,
// the rules (rules/) and fusion live apart. The rules and their sources are in docs/detection.md.
import { news2Partial } from './news2.js';
import { fusePrimary, levelOf } from './fusion.js';
import { ApnoeaRule } from './rules/apnoea.js';
import { BradycardiaRule } from './rules/bradycardia.js';
import { DesaturationRule } from './rules/desaturation.js';
import { LowRrRule } from './rules/low-rr.js';
import { CRITICAL_SCORE, TRIGGER_SCORE, WATCH_SCORE, secs } from './rules/rule.js';
import { SELF_RESOLVED_MIN_MS, SleepApnoeaPattern } from './rules/sleep-apnoea.js';
import { StillnessRule } from './rules/stillness.js';
import { MAX_BRIDGE_MS, SignalQuality, plausibleActivity, plausibleHr, plausibleRr, plausibleSpo2 } from './signal-quality.js';
import { DEFAULT_THRESHOLDS, type Assessment, type Decision, type RiskLevel, type Sample, type Thresholds } from './types.js';

type Episode = 'idle' | 'prompting' | 'alerted';

/** A prompt is not repeated for this long after the wearer said OK, unless the picture turns critical. */
const OK_SNOOZE_MS = 60_000;
/** After a responder alert, this long of clear signals returns the detector to idle (the alert stays open). */
const EPISODE_RESET_MS = 300_000;

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
  /** samples ignored because they arrived older than the stale limit */
  staleIgnored = 0;

  // ---- signal quality and rules (each plain numbers: the hot path allocates nothing) ------------
  private readonly sq = new SignalQuality();
  private readonly apnoea = new ApnoeaRule();
  private readonly lowRr = new LowRrRule();
  private readonly desat = new DesaturationRule();
  private readonly still = new StillnessRule();
  private readonly brady = new BradycardiaRule();
  private readonly pattern = new SleepApnoeaPattern();

  // ---- devices ---------------------------------------------------------------------------------
  private readonly devices = new Map<string, DeviceState>();

  // ---- assessment scratch ----------------------------------------------------------------------
  private cScore = 0;
  private cCritical = false;
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
        if (s.t < this.sq.vT) {
          this.staleIgnored++;
          return out;
        }
        this.onVitals(s.t, s.deviceId, m.data, out);
        break;
      case 'presence':
        if (s.t < this.sq.roomT) {
          this.staleIgnored++;
          return out;
        }
        this.onPresence(s.t, m.data.occupied, m.data.motion ?? 0);
        break;
      case 'door':
        // Someone came or went: stillness starts over.
        this.still.door(m.data.open);
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
      news2: this.vitalsFresh(now) ? news2Partial({ rr: this.sq.rr, spo2: this.sq.spo2, hr: this.sq.hr }) : null,
      critical: this.cCritical,
    };
  }

  /** Current feature values, for charts and reviewers (not used by the rules). */
  features(now: number): { score: number; apneaS: number; lowRrS: number; satSeconds: number; spo2Baseline: number | null; stillS: number } {
    this.evaluate(now);
    return {
      score: this.cScore, apneaS: this.apnoea.seconds(true), lowRrS: this.lowRr.seconds(true),
      satSeconds: Math.round(this.desat.satArea), spo2Baseline: this.desat.base, stillS: this.still.stillMs / 1000,
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
    return this.sq.vitalsFresh(now, this.th);
  }

  private roomFresh(now: number): boolean {
    return this.sq.roomFresh(now, this.th);
  }

  private onVitals(t: number, deviceId: string, d: VitalsData, out: Decision[]): void {
    const th = this.th;
    const sq = this.sq;
    const dtRaw = t - sq.vT;
    const dt = dtRaw <= MAX_BRIDGE_MS ? dtRaw : 0;
    if (dtRaw > th.staleMs) this.resetVitalsFeatures(); // the stream resumed after a gap: continuity is unknown
    sq.vT = t;

    if (d.onBody === false) {
      // One flag is a glitch; two in a row (or 5 s) is a wearable that came off.
      if (sq.offBodyFlag(dt)) {
        if (sq.onBody) this.resetVitalsFeatures();
        sq.onBody = false;
        if (!sq.offBodyNotified) {
          sq.offBodyNotified = true;
          out.push({ kind: 'technical', t, deviceId, issue: 'off_body', detail: 'wearable is not being worn' });
        }
      }
      return;
    }
    sq.onBodyFlag(dt);

    const hr = plausibleHr(d.hr);
    const spo2 = plausibleSpo2(d.spo2);
    const rr = plausibleRr(d.rr);
    // Sustained movement is itself proof of a conscious wearer: respiratory evidence resets.
    const gate = sq.motionGate(plausibleActivity(d.activity), dt, th);
    if (gate === 2) this.resetRespiratory();

    if (hr !== null) this.brady.observe(sq.acceptHr(hr), this.calm());
    if (gate !== 0) return;
    if (rr !== null) this.onRr(t, rr);
    if (spo2 !== null) this.onSpo2(t, spo2);
  }

  /** No episode and no breathing event: personal baselines may learn. */
  private calm(): boolean {
    return this.episode === 'idle' && !this.apnoea.on && !this.lowRr.on;
  }

  private onRr(t: number, rr: number): void {
    const dt = this.sq.acceptRr(t, rr);
    const wasApnoea = this.apnoea.on;
    const ended = this.apnoea.observe(rr, dt);
    if (ended >= SELF_RESOLVED_MIN_MS && this.episode !== 'alerted') this.pattern.apnoeaEnded(t);
    // Depressed breathing (apnoea included) that clears ends the apnoea inside it.
    if (this.lowRr.observe(rr, dt, wasApnoea, this.th)) this.apnoea.stop();
    this.lowRr.trend(rr, dt, this.episode === 'idle');
  }

  private onSpo2(t: number, raw: number): void {
    const dt = this.sq.acceptSpo2(t, raw);
    const v = this.sq.spo2 ?? raw;
    if (this.desat.observe(v, dt, this.calm(), this.th) && this.episode !== 'alerted') this.pattern.desaturationEnded(t);
  }

  private onPresence(t: number, occupied: boolean, motion: number): void {
    this.still.observe(occupied, motion, this.sq.acceptRoom(t), this.th);
  }

  private resetRespiratory(): void {
    this.apnoea.reset();
    this.lowRr.reset();
    this.desat.reset();
  }

  private resetVitalsFeatures(): void {
    this.sq.resetFilters();
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
  /** Computes the rule scores at `now` into the rules and scratch fields. Numbers only, no allocation. */
  private evaluate(now: number): void {
    const th = this.th;
    const sq = this.sq;
    const fresh = this.vitalsFresh(now);
    const rrFresh = fresh && now - sq.rrT <= th.staleMs;
    const spo2Fresh = fresh && now - sq.spo2T <= th.staleMs && sq.spo2 !== null;
    const apneaS = this.apnoea.seconds(rrFresh);
    const apneaNeeded = this.pattern.apneaNeeded(now, th);
    const apnea = this.apnoea.score(apneaS, apneaNeeded);
    const lowS = this.lowRr.seconds(rrFresh);
    const lowRr = this.lowRr.score(lowS, rrFresh, th);
    const line = this.desat.line(th);
    const spo2 = this.desat.score(spo2Fresh, sq.spo2, line, th);
    // Stillness with presence (Brave). A respiratory sign shortens the timer to a third; a fresh
    // wearable showing normal breathing or normal saturation means the still person is breathing.
    // A breathing sign for fusion: apnoea that already counts, slow-but-present breathing (a pause
    // alone is what sleep does), or a real desaturation.
    const respSign = apneaS >= apneaNeeded || (lowS >= th.lowRrSeconds / 2 && lowS - apneaS >= 10) ||
      (spo2Fresh && this.desat.belowMs >= 10_000 && this.desat.satArea >= th.satSeconds / 2);
    const breathingSeen = rrFresh && sq.rr !== null && sq.rr > th.lowRr && !this.lowRr.on;
    const saturating = spo2Fresh && line !== null && sq.spo2 !== null && sq.spo2 >= line && this.desat.satArea === 0;
    const roomFresh = this.roomFresh(now);
    const still = this.still.score(roomFresh, respSign, breathingSeen, saturating, th);
    const top = Math.max(apnea, lowRr, spo2, still);
    let score = fusePrimary(top, apnea, lowRr, spo2, still);
    // Bradycardia is late (and a heart-rate fall with it): it escalates a picture, never starts one.
    score += this.brady.score(top, fresh, sq.hr, th);
    if (this.lowRr.slowed && top >= TRIGGER_SCORE) score += 3;
    score = Math.max(0, Math.min(100, Math.round(score)));
    const fall = this.desat.fall;
    const spo2Bad = fall !== null && (fall >= th.spo2Drop + 1 || (line !== null && sq.spo2 !== null && sq.spo2 < line));
    const steep = this.desat.steepFall(breathingSeen, this.pattern.desatPattern(now), th);
    this.cCritical =
      score >= CRITICAL_SCORE ||
      (apneaS >= th.criticalApneaSeconds && (spo2Bad || !spo2Fresh)) ||
      (lowS >= th.lowRrSeconds + 30 && this.lowRr.minRr <= th.criticalRr && sq.rr !== null && sq.rr <= th.criticalRr) ||
      (spo2Fresh && this.desat.critLowMs >= th.spo2CriticalSeconds * 1000 && top >= TRIGGER_SCORE && apneaS > 0) ||
      // a deep, sustained fall from the wearer's own baseline: the check-in would only cost oxygen
      (spo2 >= TRIGGER_SCORE && fall !== null && fall >= th.spo2CriticalDrop && this.desat.satArea >= th.satSeconds) ||
      steep;
    // A critical picture is at least "critical" on the scale, whatever the component scores.
    if (this.cCritical) score = Math.max(score, CRITICAL_SCORE);
    this.cScore = score;
    if (fresh) this.lastVitalsScore = Math.max(apnea, lowRr, spo2);
    if (roomFresh) this.lastRoomScore = still;
  }

  /** The latest fresh reading shows breathing above the depressed line again. */
  private breathingNow(now: number): boolean {
    return this.vitalsFresh(now) && now - this.sq.rrT <= 2_000 && this.sq.rr !== null && this.sq.rr > this.th.lowRr;
  }

  /** Plain-word reasons for the current scores (only built when a decision goes out). */
  private reasons(now: number): string[] {
    const th = this.th;
    const sq = this.sq;
    const parts: { score: number; text: string }[] = [];
    const apnea = this.apnoea.value;
    if (apnea >= WATCH_SCORE) parts.push({ score: apnea, text: this.apnoea.reason(this.pattern.apneaNeeded(now, th) > th.apneaSeconds) });
    if (this.lowRr.value >= WATCH_SCORE && !(apnea >= WATCH_SCORE && sq.rr === 0)) parts.push({ score: this.lowRr.value, text: this.lowRr.reason(sq.rr, th) });
    if (this.desat.value >= WATCH_SCORE && sq.spo2 !== null) parts.push({ score: this.desat.value, text: this.desat.reason(sq.spo2) });
    if (this.still.value >= WATCH_SCORE) parts.push({ score: this.still.value, text: this.still.reason() });
    parts.sort((a, b) => b.score - a.score);
    const out = parts.map((p) => p.text);
    if (this.brady.present && sq.hr !== null) out.push(this.brady.reason(sq.hr));
    const slowed = this.lowRr.trendReason(this.cScore);
    if (slowed !== null) out.push(slowed);
    if (this.cScore >= TRIGGER_SCORE && sq.activity !== null && sq.activity < 3 && this.vitalsFresh(now)) out.push('wearer not moving');
    return out;
  }

  // ---- episode state machine -------------------------------------------------------------------

  private prompt(now: number, out: Decision[], extra?: string): void {
    const a = this.assess(now);
    this.sources = (Math.max(this.apnoea.value, this.lowRr.value, this.desat.value) >= WATCH_SCORE || extra ? 1 : 0) | (this.still.value >= WATCH_SCORE ? 2 : 0);
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
        if (this.sq.vT >= this.promptAt && this.silentSince(now)) return this.escalate(now, out, 'the wearable went silent during the check-in');
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
    return Number.isFinite(this.sq.vT) && this.sq.onBody && now - this.sq.vT > this.th.staleMs && this.lastVitalsScore >= WATCH_SCORE;
  }
}
