// Streaming risk scoring for one wearer, fused across all their devices. Pure: no I/O, time comes
// from the samples and from tick(now). State is a fixed set of numbers (plus one small record per
// device), so memory per wearer is bounded and the cost per sample does not depend on any window.
// Durations are accumulated evidence ("seconds of apnea seen"), not wall-clock spans, so gaps and
// artefacts never count as evidence. This class only composes: it routes samples through signal
// quality to the rules of the registry (rules/index.ts), has fusion score them, and hands the picture
// to the episode (episode-state.ts). The rules and their sources are in docs/detection.md.
import { news2Partial } from './news2.js';
import { fuse, levelOf, reasons } from './fusion.js';
import { Devices, type DeviceState } from './devices.js';
import { EpisodeState, type Episode, type Scorer } from './episode-state.js';
import { RULES, type RuleEntry } from './rules/index.js';
import { RuleSet } from './rule-set.js';
import { BradycardiaRule } from './rules/bradycardia.js';
import { DesaturationRule } from './rules/desaturation.js';
import { BreathingTrendRule } from './rules/rr-trend.js';
import { StillnessRule } from './rules/stillness.js';
import { newPicture, type Picture, type Reading, type Rule } from './rules/rule.js';
import { MAX_BRIDGE_MS, SignalQuality, plausibleActivity, plausibleHr, plausibleRr, plausibleSpo2 } from './signal-quality.js';
import {
  DEFAULT_THRESHOLDS,
  type Assessment,
  type Decision,
  type RiskLevel,
  type Sample,
  type Thresholds,
  type VitalsData,
} from './types.js';

/** What the rules have learnt about one wearer (the calibration view, @odart/protocol/api CalibrationView). */
export interface Calibration {
  room: {
    deviceId: string;
    moving: number | null;
    still: number | null;
    samples: number;
    learnt: boolean;
    factor: number;
    warning: string | null;
  }[];
  baselines: { rr: number | null; spo2: number | null; hr: number | null };
}

export interface DetectorOptions {
  /** the rules to run, in order (default: the production registry, rules/index.ts) */
  rules?: readonly RuleEntry[];
}

export class WearerDetector implements Scorer {
  /** samples ignored because they arrived older than the stale limit */
  staleIgnored = 0;
  readonly picture: Picture;

  private readonly sq = new SignalQuality();
  private readonly set: RuleSet;
  private readonly rules: Rule[];
  private readonly x: Reading = { kind: 'hr', t: 0, dt: 0, value: 0, occupied: false, open: false, endedMs: -1, device: '' };
  private readonly devices = new Devices();
  private readonly episode = new EpisodeState();

  constructor(thresholds: Partial<Thresholds> = {}, opts: DetectorOptions = {}) {
    this.picture = newPicture({ ...DEFAULT_THRESHOLDS, ...thresholds });
    this.set = RuleSet.of(opts.rules ?? RULES);
    this.rules = this.set.create();
  }

  get th(): Thresholds {
    return this.picture.th;
  }

  get state(): Episode {
    return this.episode.state;
  }

  /** New settings from the service; the running state is kept (evidence re-read against them). */
  retune(thresholds: Partial<Thresholds>): void {
    this.picture.th = { ...DEFAULT_THRESHOLDS, ...thresholds };
  }

  /** Feed one validated sample. Returns the decisions it caused (usually none). */
  onSample(s: Sample): Decision[] {
    const out: Decision[] = [];
    const m = s.message;
    const dev = this.devices.seen(s.deviceId, s.t, m.stream === 'vitals' || m.stream === 'presence');
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
        this.observe('room', s.t, this.sq.acceptRoom(s.t), m.data.motion ?? 0, m.data.occupied, false, s.deviceId);
        break;
      case 'door':
        // Someone came or went: stillness starts over.
        this.observe('door', s.t, 0, 0, false, m.data.open);
        break;
      case 'button':
        if (m.data.action === 'ok') {
          // A late "I'm OK" speaks for the past, not for now: it cannot cancel a live check-in.
          if (stale) {
            this.staleIgnored++;
            return out;
          }
          this.episode.wearerOk(s.t, out, this);
        } else {
          // A help press is a person asking for help: it always alerts, however late it arrives.
          this.episode.help(s.t, out, this, stale ? s.ageMs : undefined);
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
    this.episode.step(s.t, out, this);
    return out;
  }

  /** Advance time without a sample: cancel windows expire, streams go stale, devices go silent. */
  tick(now: number): Decision[] {
    const out: Decision[] = [];
    this.devices.silent(now, this.th, out);
    this.episode.step(now, out, this);
    return out;
  }

  /** The alert this episode raised was resolved or cancelled by people: start afresh. */
  closeEpisode(): void {
    this.episode.close();
  }

  /** Scores every rule at `now` into the picture (signal quality first, then fusion). Numbers only, no allocation. */
  score(now: number): Picture {
    this.sq.fill(this.picture, now);
    fuse(this.set, this.rules, this.picture);
    return this.picture;
  }

  /** Current assessment at `now` (score 0-100, level, plain-word reasons, NEWS2 partial). */
  assess(now: number): Assessment & { critical: boolean; level: RiskLevel } {
    const p = this.score(now);
    return {
      score: p.score,
      level: levelOf(p.score, p.critical),
      reasons: reasons(this.set, this.rules, p),
      news2: p.vitalsFresh ? news2Partial({ rr: p.rr, spo2: p.spo2, hr: p.hr }) : null,
      critical: p.critical,
    };
  }

  /** Current feature values as scored (stale evidence counts 0), for charts and reviewers (not used by the rules). */
  features(now: number): {
    score: number;
    apneaS: number;
    lowRrS: number;
    satSeconds: number;
    spo2Baseline: number | null;
    stillS: number;
  } {
    const p = this.score(now);
    return {
      score: p.score,
      apneaS: p.apneaS,
      lowRrS: p.lowS,
      satSeconds: Math.round(p.satArea),
      spo2Baseline: p.spo2Base,
      stillS: p.stillS,
    };
  }

  /** What the rules have learnt, for the calibration view: each room sensor's scale and the personal baselines. */
  calibration(): Calibration {
    const room: Calibration['room'] = [];
    const baselines: Calibration['baselines'] = { rr: null, spo2: null, hr: null };
    const r1 = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);
    for (const rule of this.rules) {
      if (rule instanceof StillnessRule)
        for (const s of rule.scales)
          room.push({
            deviceId: s.device,
            moving: r1(s.moving),
            still: r1(s.still),
            samples: s.samples,
            learnt: s.learnt,
            factor: Math.round(s.factor * 100) / 100,
            warning: s.warning,
          });
      else if (rule instanceof BreathingTrendRule) baselines.rr = r1(rule.rrBase);
      else if (rule instanceof DesaturationRule) baselines.spo2 = r1(rule.base);
      else if (rule instanceof BradycardiaRule) baselines.hr = r1(rule.base);
    }
    return { room, baselines };
  }

  /** What each rule learnt that its evidence window cannot give back, by rule name (the detector snapshot, snapshot.ts). */
  learnt(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < this.rules.length; i++) {
      const data = this.rules[i]!.learnt?.();
      if (data !== undefined) out[this.set.entries[i]!.name] = data;
    }
    return out;
  }

  /**
   * Takes back what `learnt()` gave at `at` (rules missing from `learnt` stay fresh). False when a rule does not
   * understand its part: the detector is then partly restored and must be dropped (the caller makes a fresh one).
   */
  restore(learnt: Readonly<Record<string, unknown>>, at: number): boolean {
    for (let i = 0; i < this.rules.length; i++) {
      const name = this.set.entries[i]!.name;
      const rule = this.rules[i]!;
      if (!Object.hasOwn(learnt, name) || !rule.restore) continue;
      if (!rule.restore(learnt[name], at)) return false;
    }
    return true;
  }

  // ---- inputs ----------------------------------------------------------------------------------

  /** One reading to the rules that read it, in registry order. */
  private observe(kind: Reading['kind'], t: number, dt: number, value: number, occupied = false, open = false, device = ''): void {
    const x = this.x;
    const p = this.picture;
    x.kind = kind;
    x.t = t;
    x.dt = dt;
    x.value = value;
    x.occupied = occupied;
    x.open = open;
    x.endedMs = -1;
    x.device = device;
    p.idle = this.episode.state === 'idle';
    p.alerted = this.episode.state === 'alerted';
    const readers = this.set.readers(kind);
    for (let k = 0; k < readers.length; k++) this.rules[readers[k]!]!.observe(x, p);
  }

  private onVitals(t: number, deviceId: string, d: VitalsData, out: Decision[]): void {
    const th = this.th;
    const sq = this.sq;
    const dtRaw = t - sq.vT;
    const dt = dtRaw <= MAX_BRIDGE_MS ? dtRaw : 0;
    if (dtRaw > th.staleMs) this.resetWearable(); // the stream resumed after a gap: continuity is unknown
    sq.vT = t;

    if (d.onBody === false) {
      // One flag is a glitch; two in a row (or 5 s) is a wearable that came off.
      if (sq.offBodyFlag(dt)) {
        if (sq.onBody) this.resetWearable();
        sq.onBody = false;
        if (!sq.offBodyNotified) {
          sq.offBodyNotified = true;
          out.push({ kind: 'technical', t, deviceId, issue: 'off_body', detail: 'wearable is not being worn' });
        }
      }
      return;
    }
    sq.onBodyFlag(dt);

    let spo2 = plausibleSpo2(d.spo2);
    // A probe settling after a step: its SpO2 and pulse rate are not evidence (signal-quality.ts).
    const probeOk = d.spo2 === undefined || sq.probeSteady(t, spo2);
    if (!probeOk) spo2 = null;
    const hr = probeOk ? plausibleHr(d.hr) : null;
    const rr = plausibleRr(d.rr);
    // Sustained movement is itself proof of a conscious wearer: respiratory evidence resets.
    const gate = sq.motionGate(plausibleActivity(d.activity), dt, th);
    if (gate === 2) this.resetWearableEvidence();

    // Heart rate reaches the rules before RR (bradycardia's baseline learns from the calm before it).
    if (hr !== null) this.observe('hr', t, 0, sq.acceptHr(hr));
    if (gate !== 0) return;
    if (rr !== null) this.observe('rr', t, sq.acceptRr(t, rr), rr);
    if (spo2 !== null) {
      const dtSpo2 = sq.acceptSpo2(t, spo2);
      this.observe('spo2', t, dtSpo2, sq.spo2 ?? spo2);
    }
  }

  /** Every rule whose evidence comes from the wearable forgets it (learnt baselines stay). */
  private resetWearableEvidence(): void {
    for (const i of this.set.wearable) this.rules[i]!.reset(this.picture);
  }

  /** The wearable's stream resumed after a gap or came off: filters and evidence start over. */
  private resetWearable(): void {
    this.sq.resetFilters();
    this.resetWearableEvidence();
  }

  private onStatus(
    t: number,
    deviceId: string,
    dev: DeviceState,
    state: 'online' | 'offline',
    battery: number | undefined,
    out: Decision[],
  ): void {
    if (this.devices.status(dev, state)) this.episode.deviceSilent(t, deviceId, 'went offline', out, this);
    if (battery !== undefined) this.devices.battery(t, deviceId, dev, battery, this.th, out);
  }
}
