// Scenario library: deterministic (seeded) labelled traces in the contract format.
// Physiology (docs/simulator.md): RR falls to apnea over 1-2 min in a fentanyl-like overdose; SpO2
// falls ~0.25 points per second of apnea after a 15-30 s oximeter lag; bradycardia comes late.
import { Rng } from './rng.js';
import type { LabelLine, SampleLine, TraceHeader, TraceLine } from './trace.js';

export interface ScenarioOptions {
  seed: number;
  wearer: string;
  wrist: string;
  room: string;
}

export interface Scenario {
  header: TraceHeader;
  lines: TraceLine[];
}

type Gen = (o: ScenarioOptions) => Scenario;

const round1 = (x: number) => Math.round(x * 10) / 10;
const clamp = (x: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, x));

function header(o: ScenarioOptions): TraceHeader {
  return { type: 'header', version: 1, wearer: o.wearer, devices: [{ id: o.wrist, kind: 'wearable' }, { id: o.room, kind: 'room' }] };
}

/** Builds a 1 Hz trace from per-second physiology functions. */
function build(
  o: ScenarioOptions,
  seconds: number,
  at: (s: number, rng: Rng) => { hr: number; spo2: number; rr: number; activity: number; motion: number; occupied: boolean },
  labels: LabelLine[],
  extra: SampleLine[] = [],
): Scenario {
  const rng = new Rng(o.seed);
  const lines: TraceLine[] = [];
  const pending = [...labels, ...extra].sort((a, b) => a.t - b.t);
  for (let s = 0; s < seconds; s++) {
    const t = s * 1000;
    while (pending.length > 0 && pending[0]!.t <= t) lines.push(pending.shift()!);
    const v = at(s, rng);
    lines.push({
      t, device: o.wrist, stream: 'vitals',
      data: { hr: Math.round(v.hr), spo2: Math.round(v.spo2), rr: round1(v.rr), activity: Math.round(v.activity), onBody: true },
    });
    if (s % 2 === 0) lines.push({ t, device: o.room, stream: 'presence', data: { occupied: v.occupied, motion: Math.round(v.motion) } });
  }
  lines.push(...pending);
  return { header: header(o), lines };
}

const normal: Gen = (o) =>
  build(o, 180, (_s, r) => ({
    hr: 74 + r.noise(3), spo2: clamp(97 + r.noise(0.8), 93, 100), rr: clamp(14 + r.noise(1.5), 10, 20),
    activity: clamp(20 + r.noise(10), 0, 100), motion: clamp(30 + r.noise(12), 0, 100), occupied: true,
  }), []);

/** Fentanyl-like: breathing slows from 30 s and stops at 90 s; no recovery within the trace. */
const overdoseFast: Gen = (o) => {
  const onset = 30;
  const apnea = 90;
  const lag = 20;
  return build(
    o,
    240,
    (s, r) => {
      const rr = s < onset ? 14 + r.noise(1) : s < apnea ? Math.max(2, 14 - ((s - onset) / (apnea - onset)) * 12 + r.noise(0.7)) : 0;
      const desatS = Math.max(0, s - apnea - lag);
      const spo2 = clamp(97 + r.noise(0.6) - desatS * 0.25, 55, 100);
      const hr = s < apnea + 60 ? 78 + r.noise(2) + (s > apnea ? 6 : 0) : Math.max(38, 84 - (s - apnea - 60) * 0.6);
      const activity = s < onset ? clamp(25 + r.noise(8), 0, 100) : clamp(25 - (s - onset) * 0.6, 0, 100) + Math.abs(r.noise(0.5));
      const motion = s < onset ? clamp(35 + r.noise(10), 0, 100) : clamp(35 - (s - onset), 0, 100) + Math.abs(r.noise(0.6));
      return { hr, spo2, rr, activity, motion, occupied: true };
    },
    [
      { t: onset * 1000, label: 'overdose_onset' },
      { t: apnea * 1000, label: 'apnea_onset' },
    ],
    [{ t: 5000, device: o.room, stream: 'door', data: { open: false } }],
  );
};

export const SCENARIOS: Record<string, Gen> = {
  normal,
  'overdose-fast': overdoseFast,
  overdose: overdoseFast,
};

export function generateScenario(name: string, o: ScenarioOptions): Scenario {
  const gen = SCENARIOS[name];
  if (!gen) throw new Error(`unknown scenario "${name}"; known: ${Object.keys(SCENARIOS).join(', ')}`);
  return gen(o);
}
