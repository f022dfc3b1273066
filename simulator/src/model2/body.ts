// Model 2: a second, independent physiology and sensor model (issue 15), written apart from model 1
// (../scenarios/body.ts) so a rule tuned on one is tested on the other. Trace format unchanged.
//
// Physiology (references in docs/simulator.md, "Model 2"):
// - Gas exchange as one alveolar O2 compartment: dPAO2/dt = kv * V * (PiO2 - PAO2) - kc, V = minute
//   ventilation relative to rest. At rest it settles at the person's PAO2; at V = 0.5 it settles at
//   PiO2 - 2 (PiO2 - PAO2) (the alveolar gas equation with doubled PaCO2); in apnoea PAO2 falls kc
//   mmHg/s (0.4-0.9: O2 uptake from a room-air FRC store buffered by blood stores). Saturation from PAO2 by the Severinghaus
//   oxygen dissociation curve, so desaturation starts slowly and steepens below ~90% (unlike model 1's
//   linear points-per-second fall).
// - Slow breathing deepens breaths (tidal volume ~ (rr0/rr)^0.6, at most x2.5), so bradypnoea at 3-5/min
//   slides SpO2 into the 80s over minutes instead of collapsing it.
// - The finger probe shows saturation after a transport delay (10-35 s) and a first-order smoothing
//   (time constant 3-12 s) - two parameters where model 1 has one pure lag.
// - Heart rate: rises with hypercapnia/early hypoxia (up to +20 bpm below 90%), falls towards 35-45
//   once saturation is below ~65% (hypoxic bradycardia), with its own time constant.
// Sensors: Laplace (heavy-tailed) HR noise, SpO2 with a sample-and-hold display, RR as the breath count
// over a window (8-16 s) refreshed every 1-5 s, noise proportional to the rate; bursts of lost samples
// (Gilbert-Elliott), timestamp jitter up to 400 ms, room radar on a per-room scale (x0.25 to x4 of
// model 1's) or the "moving 20-60, still noisy 0-6 (mean 3)" radar, room sampling every 1-3 s.
import type { LabelLine, TraceHeader, TraceLine } from '../trace.js';
import { header, type Scenario, type ScenarioOptions } from '../scenarios/body.js';
import { Rng2 } from './rng.js';

export const clamp = (x: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, x));
const round1 = (x: number) => Math.round(x * 10) / 10;

/** Severinghaus (1979) oxygen dissociation curve: saturation % from PO2 mmHg. */
export function severinghaus(po2: number): number {
  const p = Math.max(0.1, po2);
  return 100 / (23400 / (p * p * p + 150 * p) + 1);
}

/** What the person does in one second (the script's output). */
export interface Moment2 {
  /** true breaths/min (0 = apnoea) */
  rr: number;
  /** movement level 0 (still) to 1 (vigorous) */
  move: number;
  occupied: boolean;
  /** bpm added to the resting heart rate (exercise, arousal, opioid bradycardia < 0) */
  hrDrive?: number;
  /** ventilation factor on top of rate and depth (obstruction 0, hyperventilation > 1) */
  airflow?: number;
  onBody?: boolean;
  /** the wearable reports nothing this second */
  silent?: boolean;
  /** the probe is off the finger or slipping: SpO2 reads nothing or a spurious value */
  probeOff?: boolean;
  /** what the wearable reports as RR when it misreads */
  rrShown?: number;
}

export type Radar = { kind: 'scaled'; scale: number } | { kind: 'noisy' };

/** One person and their devices, drawn from the seed (stream "person"). */
export interface Person2 {
  rr0: number;
  hr0: number;
  /** resting alveolar PO2, mmHg (SpO2 about 94.5-98%) */
  pao2: number;
  /** PAO2 fall in apnoea, mmHg/s */
  kc: number;
  probeDelayS: number;
  probeTauS: number;
  radar: Radar;
  roomEveryS: number;
  rrWindowS: number;
  rrEveryS: number;
  /** long-run fraction of wearable samples lost */
  loss: number;
  jitterMs: number;
}

export function drawPerson(seed: number, over: Partial<Person2> = {}): Person2 {
  const r = new Rng2(seed, 'person');
  const noisy = r.next() < 0.25;
  return {
    rr0: r.range(12, 18),
    hr0: r.range(58, 92),
    pao2: r.range(80, 108),
    kc: r.range(0.4, 0.9),
    probeDelayS: Math.round(r.range(10, 35)),
    probeTauS: r.range(3, 12),
    radar: noisy ? { kind: 'noisy' } : { kind: 'scaled', scale: r.logRange(0.25, 4) },
    roomEveryS: r.int(1, 3),
    rrWindowS: r.int(8, 16),
    rrEveryS: r.int(1, 5),
    loss: r.range(0.01, 0.06),
    jitterMs: r.int(0, 400),
    ...over,
  };
}

export interface Extra2 {
  t: number;
  device: 'wrist' | 'room';
  stream: 'vitals' | 'presence' | 'door' | 'button' | 'status';
  data: Record<string, unknown>;
}

export interface Build2Spec {
  seconds: number;
  person: Person2;
  script: (s: number, r: Rng2) => Moment2;
  labels?: LabelLine[];
  extra?: Extra2[];
  /** PPG motion artefacts: probability per second that movement corrupts a sample, scaled by move */
  motionArtefacts?: number;
}

/** Ground truth kept beside the trace for tests (never written to it). */
export interface Truth2 {
  rr: number[];
  sao2: number[];
  /** saturation as the probe would show it before sensor noise */
  probe: number[];
  hr: number[];
  move: number[];
  /** radar reading before rounding (null: no room sensor sample that second) */
  radar: (number | null)[];
}

export interface Scenario2 extends Scenario {
  truth: Truth2;
  person: Person2;
}

/** The radar's motion reading for a movement level. Model 1's radar reads ~25-30 moving, ~2-3 still. */
export function radarReading(radar: Radar, move: number, breathing: boolean, occupied: boolean, r: Rng2): number {
  if (!occupied) return 0;
  if (radar.kind === 'noisy') {
    if (move > 0.15) return clamp(20 + 40 * Math.min(1, move) * r.range(0.5, 1.2), 20, 60);
    return clamp(r.gamma(2, breathing ? 1.5 : 1.3), 0, 6);
  }
  const base = move > 0.05 ? 4 + 45 * move : breathing ? 2.5 : 0.6;
  return clamp((base + r.gauss(0.12 * base + 0.4)) * radar.scale, 0, 100);
}

/** Runs the script second by second through model 2's body and sensors. */
export function build2(o: ScenarioOptions, spec: Build2Spec): Scenario2 {
  const p = spec.person;
  const script = new Rng2(o.seed, 'script');
  const sens = new Rng2(o.seed, 'sensors');
  const lossR = new Rng2(o.seed, 'loss');
  const radarR = new Rng2(o.seed, 'radar');
  const sensors = o.sensors ?? 'rr+room';
  const hasWrist = sensors !== 'room';
  const hasRr = sensors.startsWith('rr');
  const hasRoom = sensors.endsWith('room');
  const PI = 150;
  const kv = p.kc / (PI - p.pao2);

  const out: { line: TraceLine; order: number }[] = [];
  let order = 0;
  const push = (line: TraceLine) => out.push({ line, order: order++ });
  for (const l of spec.labels ?? []) push(l);
  for (const e of spec.extra ?? []) {
    if (e.device === 'wrist' && hasWrist) push({ t: e.t, device: o.wrist, stream: e.stream, data: e.data });
    else if (e.device === 'room' && hasRoom) push({ t: e.t, device: o.room, stream: e.stream, data: e.data });
  }

  const truth: Truth2 = { rr: [], sao2: [], probe: [], hr: [], move: [], radar: [] };
  let pao2 = p.pao2;
  let probe = severinghaus(p.pao2);
  let hr = p.hr0;
  let rrShownHeld: number | null = null;
  let spo2Held: number | null = null;
  let lossBad = false;
  const breaths: number[] = [];
  for (let s = 0; s < spec.seconds; s++) {
    const m = spec.script(s, script);
    // Ventilation relative to rest: rate x depth (slow breaths are deeper), times airflow.
    const rr = Math.max(0, m.rr);
    const depth = rr > 0 ? Math.min(2.5, (p.rr0 / Math.max(rr, 1)) ** 0.6) : 0;
    const vent = (rr / p.rr0) * depth * (m.airflow ?? 1);
    pao2 = clamp(pao2 + kv * vent * (PI - pao2) - p.kc, 25, PI);
    const sao2 = severinghaus(pao2);
    truth.sao2.push(sao2);
    // Probe: transport delay then first-order smoothing.
    const delayed = truth.sao2[Math.max(0, s - p.probeDelayS)]!;
    probe += (delayed - probe) / Math.max(1, p.probeTauS);
    truth.probe.push(probe);
    // Heart rate towards its target with a 10 s time constant.
    let hrT = p.hr0 + (m.hrDrive ?? 0);
    if (sao2 < 90) hrT += Math.min(20, (90 - sao2) * 1.2);
    if (sao2 < 65) hrT = Math.max(38, hrT - (65 - sao2) * 3.5);
    hr += (hrT - hr) / 10;
    truth.hr.push(hr);
    truth.rr.push(rr);
    truth.move.push(m.move);
    breaths.push(rr / 60);

    const t0 = s * 1000;
    const jitter = () => Math.floor(sens.next() * (p.jitterMs + 1));
    // Bursty loss (Gilbert-Elliott): bad state lasts ~3 s on average, loses 80% of samples.
    const pEnter = p.loss / (0.8 * 3);
    lossBad = lossBad ? lossR.next() > 1 / 3 : lossR.next() < pEnter;
    const lost = lossBad && lossR.next() < 0.8;

    if (hasWrist && !m.silent && !lost) {
      const onBody = m.onBody ?? true;
      let data: Record<string, unknown>;
      const activity = Math.round(clamp(70 * m.move + Math.abs(sens.laplace(0.8)), 0, 100));
      if (!onBody) {
        data = {
          hr: null,
          spo2: null,
          ...(hasRr ? { rr: null } : {}),
          activity: Math.round(clamp(sens.laplace(0.5), 0, 3)),
          onBody: false,
        };
      } else {
        let vHr: number | null = Math.round(clamp(hr + sens.laplace(1.2), 25, 240));
        // SpO2 display refreshes every 2 s (sample and hold), integer.
        if (s % 2 === 0 || spo2Held === null) spo2Held = Math.round(clamp(probe + sens.gauss(0.45), 50, 100));
        let vSpo2: number | null = spo2Held;
        // RR: breaths counted over the window, refreshed every rrEveryS seconds.
        if (s % p.rrEveryS === 0 || rrShownHeld === null) {
          const w = breaths.slice(-p.rrWindowS);
          const count = (w.reduce((a, b) => a + b, 0) * 60) / w.length;
          const shown = m.rrShown ?? count;
          rrShownHeld = shown < 0.7 ? 0 : round1(clamp(shown + sens.gauss(0.05 * shown + 0.3), 1, 60));
        }
        let vRr: number | null = rrShownHeld;
        if (m.probeOff) {
          const k = sens.next();
          vSpo2 = k < 0.5 ? null : Math.round(sens.range(68, 88));
          vHr = k < 0.5 ? null : Math.round(sens.range(40, 140));
        } else if (spec.motionArtefacts && sens.next() < spec.motionArtefacts * m.move) {
          const k = sens.next();
          if (k < 0.4) vSpo2 = Math.round(sens.range(72, 90));
          else if (k < 0.7) vHr = Math.round(hr * sens.range(0.6, 1.6));
          else vRr = sens.next() < 0.5 ? 0 : null;
        }
        data = { hr: vHr, spo2: vSpo2, ...(hasRr ? { rr: vRr } : {}), activity, onBody: true };
      }
      push({ t: t0 + jitter(), device: o.wrist, stream: 'vitals', data });
    }
    if (hasRoom && s % p.roomEveryS === 0) {
      const reading = radarReading(p.radar, m.move, rr > 0, m.occupied, radarR);
      truth.radar.push(reading);
      push({ t: t0 + jitter(), device: o.room, stream: 'presence', data: { occupied: m.occupied, motion: Math.round(reading) } });
    } else truth.radar.push(null);
  }
  // Time order (contract: never backwards); same instant keeps insertion order.
  out.sort((a, b) => a.line.t - b.line.t || a.order - b.order);
  const h: TraceHeader = header(o);
  return { header: h, lines: out.map((x) => x.line), truth, person: p };
}
