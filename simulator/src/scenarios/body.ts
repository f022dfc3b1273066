// Physiology and sensor model behind every scenario: a script says what the person does each
// second (breathing rate, movement, presence); this turns it into what devices would report.
// Parameters and their sources are in docs/simulator.md: SpO2 falls 0.2-0.3 points per second
// of apnea, the finger probe shows it 15-30 s late, bradycardia comes late (deep hypoxia).
import { Rng } from '../rng.js';
import type { LabelLine, SampleLine, TraceHeader, TraceLine } from '../trace.js';

/** Which devices the wearer has. */
export type SensorSet = 'rr+room' | 'rr' | 'oximeter' | 'oximeter+room' | 'room';
export const SENSOR_SETS: readonly SensorSet[] = ['rr+room', 'rr', 'oximeter', 'oximeter+room', 'room'];

export interface ScenarioOptions {
  seed: number;
  wearer: string;
  wrist: string;
  room: string;
  /** devices the wearer has (default: wearable with RR + room sensor, like the demo wearer) */
  sensors?: SensorSet;
  /** draw timings and physiology from their ranges by seed (default: the fixed demo timings) */
  vary?: boolean;
  /** length of the trace in seconds where the scenario allows it */
  durationS?: number;
}

export interface Scenario {
  header: TraceHeader;
  lines: TraceLine[];
}

/** What the person is doing in one second (the script's output). */
export interface Moment {
  /** true breaths/min (0 = apnea) */
  rr: number;
  /** wrist movement 0-100 */
  activity: number;
  /** room radar motion 0-100 */
  motion: number;
  occupied: boolean;
  /** heart rate the person would have with normal oxygen (hypoxia effects are added by the model) */
  hr: number;
  onBody?: boolean;
  /** what the wearable reports as RR when it misreads (default: the true rate) */
  rrShown?: number;
  /** the wearable reports nothing this second (Bluetooth gap, device off) */
  silent?: boolean;
}

export interface BodyParams {
  /** personal SpO2 baseline, % */
  spo2Base: number;
  /** points per second of apnea (0.2-0.3) */
  desatRate: number;
  /** oximeter lag, s (15-30) */
  lagS: number;
  /** breaths/min at which ventilation is adequate for saturation */
  adequateRr: number;
}

export const DEFAULT_BODY: BodyParams = { spo2Base: 97, desatRate: 0.25, lagS: 20, adequateRr: 8 };

export interface Extra {
  t: number;
  device: 'wrist' | 'room';
  stream: SampleLine['stream'];
  data: Record<string, unknown>;
}

export interface BuildSpec {
  seconds: number;
  body?: Partial<BodyParams>;
  script: (s: number, rng: Rng) => Moment;
  labels?: LabelLine[];
  extra?: Extra[];
  /** sensor artefacts to inject into wearable readings (per-second probabilities) */
  artefacts?: { glitch?: number; burst?: number };
  /** seconds between room presence samples */
  roomEveryS?: number;
}

const round1 = (x: number) => Math.round(x * 10) / 10;
export const clamp = (x: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, x));

export function header(o: ScenarioOptions): TraceHeader {
  const s = o.sensors ?? 'rr+room';
  const devices: TraceHeader['devices'] = [];
  if (s !== 'room') devices.push({ id: o.wrist, kind: 'wearable' });
  if (s.endsWith('room')) devices.push({ id: o.room, kind: 'room' });
  return { type: 'header', version: 1, wearer: o.wearer, devices };
}

/**
 * Runs the script second by second through the body model (saturation with reserve and probe lag,
 * hypoxic heart-rate response) and the sensor model (noise, rounding, optional artefacts).
 */
export function build(o: ScenarioOptions, spec: BuildSpec): Scenario {
  const rng = new Rng(o.seed);
  const art = new Rng(o.seed ^ 0x5bd1e995);
  const sensors = o.sensors ?? 'rr+room';
  const hasWrist = sensors !== 'room';
  const hasRr = sensors.startsWith('rr');
  const hasRoom = sensors.endsWith('room');
  const p: BodyParams = { ...DEFAULT_BODY, ...spec.body };
  const roomEvery = spec.roomEveryS ?? 2;

  const lines: TraceLine[] = [];
  const pending: TraceLine[] = [...(spec.labels ?? [])];
  for (const e of spec.extra ?? []) {
    if (e.device === 'wrist' && hasWrist) pending.push({ t: e.t, device: o.wrist, stream: e.stream, data: e.data });
    else if (e.device === 'room' && hasRoom) pending.push({ t: e.t, device: o.room, stream: e.stream, data: e.data });
  }
  pending.sort((a, b) => a.t - b.t);
  let pi = 0;

  // True arterial saturation history (for the probe lag) and heart-rate state.
  const sao2Hist: number[] = [];
  let sao2 = p.spo2Base;
  let hr: number | null = null;
  let burstLeft = 0;
  for (let s = 0; s < spec.seconds; s++) {
    const t = s * 1000;
    while (pi < pending.length && pending[pi]!.t <= t) lines.push(pending[pi++]!);
    const m = spec.script(s, rng);

    // Saturation: falls with inadequate ventilation, faster on the steep part of the curve;
    // recovers towards baseline when breathing is adequate.
    const vent = clamp(m.rr / p.adequateRr, 0, 1);
    if (vent < 1) sao2 -= p.desatRate * (1 - vent) * (sao2 < 85 ? 1.3 : 1);
    else sao2 += Math.min(1, (p.spo2Base - sao2) * 0.08);
    sao2 = clamp(sao2, 40, p.spo2Base);
    sao2Hist.push(sao2);
    const shown = sao2Hist[Math.max(0, s - Math.round(p.lagS))]!;

    // Heart rate: a small rise with early hypoxia, bradycardia only when saturation is very low.
    let hrTarget = m.hr + (shown < 90 ? 8 : 0);
    if (shown < 75) hrTarget = Math.max(35, m.hr - (75 - shown) * 2.5);
    hr = hr === null ? hrTarget : hr + (hrTarget - hr) * 0.15;

    if (hasWrist && !m.silent) {
      const onBody = m.onBody ?? true;
      let data: Record<string, unknown>;
      if (!onBody) {
        data = {
          hr: null,
          spo2: null,
          ...(hasRr ? { rr: null } : {}),
          activity: Math.round(clamp(m.activity + rng.noise(2), 0, 100)),
          onBody: false,
        };
      } else {
        let vHr: number | null = Math.round(clamp(hr + rng.noise(1.5), 20, 250));
        let vSpo2: number | null = Math.round(clamp(shown + rng.noise(0.6), 50, 100));
        const rrShown = m.rrShown ?? m.rr;
        let vRr: number | null = rrShown === 0 ? 0 : round1(clamp(rrShown + rng.noise(0.8), 1, 60));
        let activity = clamp(m.activity + rng.noise(2), 0, 100);
        // Artefacts: single-sample glitches, and movement bursts that corrupt RR and SpO2.
        if (spec.artefacts) {
          if (burstLeft === 0 && art.next() < (spec.artefacts.burst ?? 0)) burstLeft = 2 + Math.floor(art.next() * 12);
          if (burstLeft > 0) {
            burstLeft--;
            activity = clamp(45 + art.next() * 50, 0, 100);
            if (art.next() < 0.5) vRr = 0;
            if (art.next() < 0.5) vSpo2 = Math.round(75 + art.next() * 15);
            if (art.next() < 0.2) vHr = null;
          } else if (art.next() < (spec.artefacts.glitch ?? 0)) {
            const k = art.next();
            if (k < 0.3) vRr = 0;
            else if (k < 0.55) vSpo2 = Math.round(60 + art.next() * 25);
            else if (k < 0.7) vHr = Math.round(art.next() < 0.5 ? 0 : 260);
            else if (k < 0.85) vSpo2 = null;
            else vRr = null;
          }
        }
        data = { hr: vHr, spo2: vSpo2, ...(hasRr ? { rr: vRr } : {}), activity: Math.round(activity), onBody: true };
      }
      lines.push({ t, device: o.wrist, stream: 'vitals', data });
    }
    if (hasRoom && s % roomEvery === 0) {
      lines.push({
        t,
        device: o.room,
        stream: 'presence',
        data: { occupied: m.occupied, motion: Math.round(clamp(m.motion + (m.motion > 0 ? rng.noise(1) : 0), 0, 100)) },
      });
    }
  }
  while (pi < pending.length) lines.push(pending[pi++]!);
  return { header: header(o), lines };
}
