// Streaming risk scoring for one wearer, fused across all their devices. Pure: no I/O, time comes
// from the samples and from tick(now). State is a fixed set of numbers, so memory per wearer is
// bounded and the cost per sample does not depend on any window length.
import { news2Partial } from './news2.js';
import { DEFAULT_THRESHOLDS, type Assessment, type Decision, type Sample, type Thresholds } from './types.js';

type Episode = 'idle' | 'prompting' | 'alerted';

/** Breathing must stay above the low-RR line this long before an apnea/low-RR run clears (hysteresis). */
const RR_CLEAR_MS = 3_000;
/** A prompt is not repeated for this long after the wearer said OK, unless the picture turns critical. */
const OK_SNOOZE_MS = 60_000;
/** After a responder alert, this long of clear signals returns the detector to idle (the alert stays open). */
const EPISODE_RESET_MS = 300_000;
/** A vitals stream silent this long raises a technical notice (heartbeat timeout). */
const SILENT_NOTICE_MS = 60_000;
const LOW_BATTERY = 15;
const TRIGGER_SCORE = 60;
const CLEAR_SCORE = 30;

const secs = (ms: number) => Math.max(0, Math.round(ms / 1000));

export class WearerDetector {
  readonly th: Thresholds;

  // wearable
  private lastVitalsT = Number.NEGATIVE_INFINITY;
  private onBody = true;
  private rr: number | null = null;
  private spo2: number | null = null;
  private hr: number | null = null;
  private apneaSince: number | null = null;
  private lowRrSince: number | null = null;
  private rrAboveSince: number | null = null;
  private rrPositiveSince: number | null = null;
  private spo2LowSince: number | null = null;
  private spo2Baseline: number | null = null;
  private silentNoticeSent = false;

  // room
  private lastRoomT = Number.NEGATIVE_INFINITY;
  private stillSince: number | null = null;

  // devices
  private readonly lowBattery = new Set<string>();
  private readonly offline = new Set<string>();

  // episode
  private episode: Episode = 'idle';
  private promptAt = 0;
  private lastReported = 0;
  private clearSince: number | null = null;
  private okUntil = Number.NEGATIVE_INFINITY;

  constructor(thresholds: Partial<Thresholds> = {}) {
    this.th = { ...DEFAULT_THRESHOLDS, ...thresholds };
  }

  get state(): Episode {
    return this.episode;
  }

  /** Feed one validated sample. Returns the decisions it caused (usually none). */
  onSample(s: Sample): Decision[] {
    const out: Decision[] = [];
    const m = s.message;
    // Store-and-forward replay (docs/firmware-protocol.md): a reading older than the stale limit
    // updates the picture, so live data that confirms it can alert at once, but never starts,
    // escalates or cancels an episode by itself. A help press is the exception: an explicit call
    // for help is never discarded; it alerts, marked as delivered late.
    const late = s.ageMs !== undefined && s.ageMs > this.th.staleMs;
    switch (m.stream) {
      case 'vitals':
        this.onVitals(s.t, s.deviceId, m.data, out);
        break;
      case 'presence':
        this.lastRoomT = s.t;
        if (m.data.occupied && (m.data.motion ?? 0) < this.th.stillMotion) this.stillSince ??= s.t;
        else this.stillSince = null;
        break;
      case 'door':
        // Someone came or went: stillness starts over.
        this.stillSince = null;
        break;
      case 'button':
        if (m.data.action === 'help') this.help(s.t, s.deviceId, out, late ? s.ageMs : undefined);
        else if (!late) this.wearerOk(s.t, out);
        return out;
      case 'status':
        this.onStatus(s.t, s.deviceId, m.data.state, m.data.battery, out, late);
        break;
      default:
        m satisfies never;
    }
    if (!late) this.step(s.t, out);
    return out;
  }

  /** Advance time without a sample: cancel windows expire, streams go stale. */
  tick(now: number): Decision[] {
    const out: Decision[] = [];
    if (
      !this.silentNoticeSent &&
      Number.isFinite(this.lastVitalsT) &&
      now - this.lastVitalsT >= SILENT_NOTICE_MS
    ) {
      this.silentNoticeSent = true;
      out.push({ kind: 'technical', t: now, deviceId: '', issue: 'offline', detail: `no vitals for ${secs(now - this.lastVitalsT)}s` });
    }
    this.step(now, out);
    return out;
  }

  /** The alert this episode raised was resolved or cancelled by people: start afresh. */
  closeEpisode(): void {
    this.episode = 'idle';
    this.clearSince = null;
    this.lastReported = 0;
  }

  /** Current assessment at `now` (score 0-100, plain-word reasons, NEWS2 partial). */
  assess(now: number): Assessment & { critical: boolean } {
    const th = this.th;
    const parts: { score: number; reason: string }[] = [];
    const vitalsFresh = this.onBody && now - this.lastVitalsT <= th.staleMs;
    let apneaS = 0;
    let spo2Falling = false;
    if (vitalsFresh) {
      if (this.apneaSince !== null && this.rr === 0) {
        apneaS = (this.lastVitalsT - this.apneaSince) / 1000;
        if (apneaS >= th.apneaSeconds) {
          parts.push({ score: Math.min(95, 70 + (apneaS - th.apneaSeconds)), reason: `no breathing for ${Math.round(apneaS)}s` });
        }
      }
      if (this.lowRrSince !== null && this.rr !== null && this.rr > 0) {
        const d = (this.lastVitalsT - this.lowRrSince) / 1000;
        if (d >= th.lowRrSeconds) {
          const crit = this.rr <= 5 ? 5 : 0;
          parts.push({
            score: Math.min(90, 65 + crit + (d - th.lowRrSeconds) / 3),
            reason: `breathing ${this.rr}/min (<=${th.lowRr}) for ${Math.round(d)}s`,
          });
        }
      }
      const fall = this.spo2 !== null && this.spo2Baseline !== null ? Math.round(this.spo2Baseline - this.spo2) : null;
      spo2Falling = fall !== null && fall >= 4;
      if (this.spo2LowSince !== null && this.spo2 !== null) {
        const d = (this.lastVitalsT - this.spo2LowSince) / 1000;
        if (d >= th.spo2LowSeconds) {
          parts.push({
            score: Math.min(90, 60 + (th.spo2Low - this.spo2) * 2),
            reason: `SpO2 ${Math.round(this.spo2)}%${fall !== null && fall > 0 ? `, ${fall} below baseline` : ''}, for ${Math.round(d)}s`,
          });
        }
      }
    }
    if (this.stillSince !== null && now - this.lastRoomT <= th.staleMs * 4) {
      const d = (this.lastRoomT - this.stillSince) / 1000;
      // Stillness fused with an early respiratory sign shortens the stillness timer to a third.
      const earlySign = vitalsFresh && ((this.apneaSince !== null && apneaS >= 5) || this.lowRrSince !== null);
      const needed = earlySign ? th.stillnessSeconds / 3 : th.stillnessSeconds;
      if (d >= needed) {
        parts.push({ score: earlySign ? 75 : 65, reason: `no movement in occupied room for ${Math.round(d)}s${earlySign ? ' with slowed breathing' : ''}` });
      }
    }
    parts.sort((a, b) => b.score - a.score);
    let score = parts[0]?.score ?? 0;
    score += 5 * Math.max(0, parts.length - 1);
    const reasons = parts.map((p) => p.reason);
    if (score >= TRIGGER_SCORE && vitalsFresh && this.hr !== null && this.hr <= th.bradyHr) {
      // Bradycardia is late: it escalates an existing picture, it never starts one.
      score += 10;
      reasons.push(`heart rate ${Math.round(this.hr)}/min`);
    }
    score = Math.max(0, Math.min(100, Math.round(score)));
    const critical = score >= 90 || (apneaS >= th.criticalApneaSeconds && (spo2Falling || this.spo2 === null));
    return {
      score,
      reasons,
      news2: vitalsFresh ? news2Partial({ rr: this.rr, spo2: this.spo2, hr: this.hr }) : null,
      critical,
    };
  }

  private onVitals(
    t: number,
    deviceId: string,
    d: { hr?: number | null | undefined; spo2?: number | null | undefined; rr?: number | null | undefined; onBody?: boolean | undefined; activity?: number | null | undefined },
    out: Decision[],
  ): void {
    this.lastVitalsT = t;
    this.silentNoticeSent = false;
    this.offline.delete(deviceId);
    const onBody = d.onBody ?? true;
    if (!onBody) {
      if (this.onBody) out.push({ kind: 'technical', t, deviceId, issue: 'off_body', detail: 'wearable removed' });
      this.onBody = false;
      this.resetVitalsFeatures();
      return;
    }
    this.onBody = true;
    // Implausible values are treated as "could not compute".
    const hr = d.hr != null && d.hr >= 20 && d.hr <= 250 ? d.hr : null;
    const spo2 = d.spo2 != null && d.spo2 >= 50 ? d.spo2 : null;
    const rr = d.rr != null && d.rr <= 60 ? d.rr : null;
    this.hr = hr;
    if (rr !== null) this.onRr(t, rr);
    else this.rr = null;
    this.onSpo2(t, spo2);
  }

  private onRr(t: number, rr: number): void {
    this.rr = rr;
    const th = this.th;
    if (rr === 0) {
      this.apneaSince ??= t;
      this.rrPositiveSince = null;
    } else {
      this.rrPositiveSince ??= t;
      if (t - this.rrPositiveSince >= RR_CLEAR_MS || this.apneaSince === null) this.apneaSince = null;
    }
    if (rr <= th.lowRr) {
      this.lowRrSince ??= t;
      this.rrAboveSince = null;
    } else {
      this.rrAboveSince ??= t;
      if (t - this.rrAboveSince >= RR_CLEAR_MS) {
        this.lowRrSince = null;
        this.apneaSince = null;
      }
    }
  }

  private onSpo2(t: number, spo2: number | null): void {
    this.spo2 = spo2;
    if (spo2 === null) return;
    const th = this.th;
    if (spo2 <= th.spo2Low) this.spo2LowSince ??= t;
    else if (spo2 > th.spo2Low + 1) this.spo2LowSince = null;
    // Personal baseline: slow average over calm, non-low readings only.
    if (spo2 > th.spo2Low && this.episode === 'idle' && this.apneaSince === null) {
      this.spo2Baseline = this.spo2Baseline === null ? spo2 : this.spo2Baseline + (spo2 - this.spo2Baseline) / 120;
    }
  }

  private resetVitalsFeatures(): void {
    this.rr = this.spo2 = this.hr = null;
    this.apneaSince = this.lowRrSince = this.rrAboveSince = this.rrPositiveSince = this.spo2LowSince = null;
  }

  private onStatus(t: number, deviceId: string, state: 'online' | 'offline', battery: number | undefined, out: Decision[], late = false): void {
    if (state === 'offline') {
      if (!this.offline.has(deviceId)) {
        this.offline.add(deviceId);
        if (this.episode === 'prompting' && !late) {
          // Silence while risk is raised is not a technical matter: escalate now.
          const a = this.assess(t);
          this.episode = 'alerted';
          this.lastReported = a.score;
          out.push({ kind: 'responder_alert', t, score: Math.max(a.score, TRIGGER_SCORE), reasons: [...a.reasons, 'device went offline during check-in'], news2: a.news2 });
        } else {
          out.push({ kind: 'technical', t, deviceId, issue: 'offline', detail: 'device reported offline' });
        }
      }
    } else {
      this.offline.delete(deviceId);
    }
    if (battery !== undefined) {
      if (battery <= LOW_BATTERY && !this.lowBattery.has(deviceId)) {
        this.lowBattery.add(deviceId);
        out.push({ kind: 'technical', t, deviceId, issue: 'low_battery', detail: `battery ${Math.round(battery)}%` });
      } else if (battery > LOW_BATTERY + 5) {
        this.lowBattery.delete(deviceId);
      }
    }
  }

  private wearerOk(t: number, out: Decision[]): void {
    if (this.episode === 'prompting') {
      this.episode = 'idle';
      this.okUntil = t + OK_SNOOZE_MS;
      this.clearSince = null;
      out.push({ kind: 'cancelled', t, reason: 'wearer_ok' });
    }
  }

  private help(t: number, _deviceId: string, out: Decision[], lateByMs?: number): void {
    const a = this.assess(t);
    const reasons = [lateByMs === undefined ? 'wearer pressed help' : `wearer pressed help ${secs(lateByMs)}s ago (delivered late)`, ...a.reasons];
    if (this.episode === 'alerted') {
      out.push({ kind: 'update', t, score: 100, reasons, news2: a.news2 });
    } else {
      out.push({ kind: 'responder_alert', t, score: 100, reasons, news2: a.news2 });
    }
    this.episode = 'alerted';
    this.lastReported = 100;
    this.clearSince = null;
  }

  /** The episode state machine: idle -> prompting -> alerted, with cancel on OK or recovery. */
  private step(now: number, out: Decision[]): void {
    const a = this.assess(now);
    const triggered = a.score >= TRIGGER_SCORE;
    if (a.score < CLEAR_SCORE) this.clearSince ??= now;
    else this.clearSince = null;
    const clearFor = this.clearSince === null ? 0 : now - this.clearSince;

    switch (this.episode) {
      case 'idle':
        if (!triggered || (now < this.okUntil && !a.critical)) return;
        this.lastReported = a.score;
        if (a.critical || this.th.checkinWindowMs === 0) {
          this.episode = 'alerted';
          out.push({ kind: 'responder_alert', t: now, score: a.score, reasons: a.reasons, news2: a.news2 });
        } else {
          this.episode = 'prompting';
          this.promptAt = now;
          out.push({ kind: 'wearer_prompt', t: now, score: a.score, reasons: a.reasons, news2: a.news2 });
        }
        return;
      case 'prompting':
        if (a.critical || now - this.promptAt >= this.th.checkinWindowMs) {
          this.episode = 'alerted';
          const base = a.score >= TRIGGER_SCORE ? a : { ...a, score: this.lastReported };
          this.lastReported = base.score;
          out.push({ kind: 'responder_alert', t: now, score: base.score, reasons: base.reasons.length ? base.reasons : ['no answer to check-in'], news2: a.news2 });
        } else if (clearFor >= this.th.clearSeconds * 1000) {
          this.episode = 'idle';
          out.push({ kind: 'cancelled', t: now, reason: 'recovered' });
        }
        return;
      case 'alerted':
        if (a.score >= this.lastReported + 10) {
          this.lastReported = a.score;
          out.push({ kind: 'update', t: now, score: a.score, reasons: a.reasons, news2: a.news2 });
        }
        if (clearFor >= EPISODE_RESET_MS) this.closeEpisode();
        return;
      default:
        this.episode satisfies never;
    }
  }
}
