// Robustness sweep (issue 15): degrades a generated trace the way worse sensors would, after the
// model has written it, so the same transforms apply to model 1 and model 2. Deterministic: each
// transform draws from its own model-2-style seed stream (name + seed), never from the models' own.
import { Rng2 } from './model2/rng.js';
import type { SampleLine, TraceLine } from './trace.js';

export type Transform = (lines: TraceLine[], seed: number) => TraceLine[];

const isSample = (l: TraceLine): l is SampleLine => 'device' in l;
const measured = (l: TraceLine): l is SampleLine => isSample(l) && (l.stream === 'vitals' || l.stream === 'presence');
const num = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const clamp = (x: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, x));

/** Model 1's sensor noise SDs (scenarios/body.ts): the sweep's unit of "noise". */
export const BASE_NOISE_SD = { hr: 1.5, spo2: 0.6, rr: 0.8, activity: 2, motion: 1 } as const;

/**
 * Sensor noise x k: adds independent Gaussian noise of sqrt(k^2 - 1) x the base SD, so the total SD
 * is k times the base. An RR of 0 (no breath detected) and nulls stay as they are.
 */
export function noiseTimes(k: number): Transform {
  const f = Math.sqrt(Math.max(0, k * k - 1));
  return (lines, seed) => {
    const r = new Rng2(seed, 'sweep/noise');
    return lines.map((l) => {
      if (!isSample(l)) return l;
      if (l.stream === 'vitals') {
        const d = { ...l.data };
        if (num(d.hr)) d.hr = Math.round(clamp(d.hr + r.gauss(f * BASE_NOISE_SD.hr), 20, 250));
        if (num(d.spo2)) d.spo2 = Math.round(clamp(d.spo2 + r.gauss(f * BASE_NOISE_SD.spo2), 50, 100));
        if (num(d.rr) && d.rr > 0) d.rr = Math.round(clamp(d.rr + r.gauss(f * BASE_NOISE_SD.rr), 1, 60) * 10) / 10;
        if (num(d.activity)) d.activity = Math.round(clamp(d.activity + r.gauss(f * BASE_NOISE_SD.activity), 0, 100));
        return { ...l, data: d };
      }
      if (l.stream === 'presence' && num(l.data.motion) && l.data.motion > 0)
        return { ...l, data: { ...l.data, motion: Math.round(clamp(l.data.motion + r.gauss(f * BASE_NOISE_SD.motion), 0, 100)) } };
      return l;
    });
  };
}

/** Loses each vitals and presence sample with probability `frac` (labels, door, button, status kept). */
export function sampleLoss(frac: number): Transform {
  return (lines, seed) => {
    const r = new Rng2(seed, 'sweep/loss');
    return lines.filter((l) => !measured(l) || r.next() >= frac);
  };
}

/** Resamples every device's vitals and presence to one sample per `everyS` seconds (0.2 Hz: 5 s). */
export function sampleEvery(everyS: number): Transform {
  const every = everyS * 1000;
  return (lines) => {
    const next = new Map<string, number>();
    return lines.filter((l) => {
      if (!measured(l)) return true;
      const key = `${l.device}/${l.stream}`;
      const due = next.get(key);
      if (due !== undefined && l.t < due) return false;
      // anchored on the kept sample's second, so jitter of a few hundred ms does not drift the grid
      next.set(key, Math.floor(l.t / 1000) * 1000 + every);
      return true;
    });
  };
}

/** The wearable reports RR as whole breaths per minute. */
export const quantiseRr: Transform = (lines) =>
  lines.map((l) => (isSample(l) && l.stream === 'vitals' && num(l.data.rr) ? { ...l, data: { ...l.data, rr: Math.round(l.data.rr) } } : l));

/**
 * Extra SpO2 probe lag: each vitals sample's spo2 becomes the value the same device reported `lagS`
 * seconds earlier (its first value before that); everything else in the sample is unchanged.
 */
export function probeLag(lagS: number): Transform {
  const lag = lagS * 1000;
  return (lines) => {
    const hist = new Map<string, { t: number; spo2: unknown }[]>();
    const idx = new Map<string, number>();
    return lines.map((l) => {
      if (!isSample(l) || l.stream !== 'vitals' || !('spo2' in l.data)) return l;
      const h = hist.get(l.device) ?? [];
      hist.set(l.device, h);
      h.push({ t: l.t, spo2: l.data.spo2 });
      let i = idx.get(l.device) ?? 0;
      while (i + 1 < h.length && h[i + 1]!.t <= l.t - lag) i++;
      idx.set(l.device, i);
      return { ...l, data: { ...l.data, spo2: h[i]!.spo2 } };
    });
  };
}

/** The room radar on another scale: motion x k, rounded, within 0-100. */
export function radarScale(k: number): Transform {
  return (lines) =>
    lines.map((l) =>
      isSample(l) && l.stream === 'presence' && num(l.data.motion)
        ? { ...l, data: { ...l.data, motion: Math.round(clamp(l.data.motion * k, 0, 100)) } }
        : l,
    );
}

export interface SweepSetting {
  name: string;
  transform: Transform | null;
}

export const SWEEP: SweepSetting[] = [
  { name: 'as generated', transform: null },
  { name: 'sensor noise x2', transform: noiseTimes(2) },
  { name: '20% sample loss', transform: sampleLoss(0.2) },
  { name: '0.2 Hz sampling', transform: sampleEvery(5) },
  { name: 'integer RR', transform: quantiseRr },
  { name: 'SpO2 probe lag +15 s', transform: probeLag(15) },
  { name: 'SpO2 probe lag +30 s', transform: probeLag(30) },
  { name: 'SpO2 probe lag +45 s', transform: probeLag(45) },
  { name: 'radar scale x0.25', transform: radarScale(0.25) },
  { name: 'radar scale x0.5', transform: radarScale(0.5) },
  { name: 'radar scale x2', transform: radarScale(2) },
  { name: 'radar scale x4', transform: radarScale(4) },
];
