// Property tests for glitch robustness (seeded random, reproducible): whatever single-sample
// glitches, nulls, implausible values and artefact bursts are sprinkled over a normal wearer, no
// emergency starts; and the same glitches over a real apnoea never hide it.
import { describe, expect, it } from 'vitest';
import type { VitalsPayload } from '@odart/protocol';
import type { Decision } from './types.js';
import { WearerDetector } from './wearer-detector.js';

/** mulberry32: the seed is printed on failure so a case can be replayed. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    let t = (s = (s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A glitch generator: isolated bad samples (never two in a row) and short movement bursts. */
function glitchy(seed: number, base: (s: number) => VitalsPayload, rate: number) {
  const r = rng(seed);
  let prevGlitch = false;
  let burst = 0;
  return (s: number): VitalsPayload => {
    const v = { ...base(s) };
    if (burst > 0) {
      burst--;
      return { ...v, activity: 60 + r() * 40, rr: r() < 0.6 ? 0 : v.rr, spo2: r() < 0.5 ? 70 + r() * 20 : v.spo2 };
    }
    if (!prevGlitch && r() < rate) {
      prevGlitch = true;
      const k = r();
      if (k < 0.25) return { ...v, rr: 0 };
      if (k < 0.45) return { ...v, spo2: 50 + Math.round(r() * 35) };
      if (k < 0.55) return { ...v, hr: r() < 0.5 ? 0 : 300 };
      if (k < 0.65) return { ...v, rr: null, spo2: null, hr: null };
      if (k < 0.75) return { ...v, onBody: false };
      if (k < 0.85) return { ...v, rr: 80 };
      burst = 1 + Math.floor(r() * 8);
      return v;
    }
    prevGlitch = false;
    return v;
  };
}

function run(d: WearerDetector, seconds: number, v: (s: number) => VitalsPayload, withRoom = false): Decision[] {
  const out: Decision[] = [];
  for (let s = 0; s < seconds; s++) {
    out.push(...d.onSample({ t: s * 1000, deviceId: 'wrist', message: { stream: 'vitals', data: v(s) } }));
    if (withRoom && s % 2 === 0)
      out.push(...d.onSample({ t: s * 1000, deviceId: 'room', message: { stream: 'presence', data: { occupied: true, motion: 20 } } }));
    out.push(...d.tick(s * 1000 + 500));
  }
  return out;
}

const calm = (s: number): VitalsPayload => ({
  hr: 72 + (s % 7),
  spo2: 96 + (s % 3 === 0 ? 1 : 0),
  rr: 13 + (s % 5) / 2,
  activity: 8 + (s % 11),
  onBody: true,
});

describe('property: glitches never start an emergency (DESIGN: artefacts are common; persistence and gating)', () => {
  for (let seed = 1; seed <= 40; seed++) {
    it(`seed ${seed}: 30 min of a calm wearer with 8% glitches and bursts raises no prompt or alert`, () => {
      const d = new WearerDetector();
      const out = run(d, 1800, glitchy(seed, calm, 0.08), seed % 2 === 0);
      const emergencies = out.filter((x) => x.kind === 'wearer_prompt' || x.kind === 'responder_alert');
      expect(emergencies, `seed ${seed}`).toEqual([]);
    });
  }
});

describe('property: glitches never hide a real apnoea (PRODIGY: apnoea precedes serious harm)', () => {
  for (let seed = 101; seed <= 130; seed++) {
    it(`seed ${seed}: apnoea from 120 s with 8% glitches still reaches responders within 60 s`, () => {
      const d = new WearerDetector();
      const base = (s: number): VitalsPayload =>
        s < 120 ? calm(s) : { hr: 70, spo2: Math.max(60, 97 - Math.max(0, s - 140) * 0.25), rr: 0, activity: 1, onBody: true };
      // glitches here are single samples only (no movement bursts: an unconscious wearer does not move)
      const r = rng(seed);
      const v = (s: number) => {
        const x = base(s);
        if (r() >= 0.08 || s % 2 === 1) return x;
        const k = r();
        return k < 0.4 ? { ...x, rr: 14 } : k < 0.7 ? { ...x, spo2: null } : k < 0.85 ? { ...x, hr: 0 } : { ...x, onBody: false };
      };
      const out = run(d, 260, v);
      const alert = out.find((x) => x.kind === 'responder_alert');
      expect(alert, `seed ${seed}`).toBeDefined();
      expect(alert!.t - 120_000, `seed ${seed}`).toBeLessThanOrEqual(60_000);
    });
  }
});
