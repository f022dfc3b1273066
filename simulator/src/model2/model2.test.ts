// Model 2's curves, radar scales and seed streams, checked against the physiology it states
// (body.ts, library.ts), not against the detector.
import { describe, expect, it } from 'vitest';
import { Rng } from '../rng.js';
import { generateScenario } from '../scenarios/index.js';
import { serializeTrace, type SampleLine, type TraceLine } from '../trace.js';
import { build2, drawPerson, radarReading, severinghaus } from './body.js';
import { SCENARIOS2, generateScenario2 } from './library.js';
import { Rng2 } from './rng.js';

const ids = { wearer: 'w', wrist: 'wr', room: 'ro' };
const labelT = (lines: TraceLine[], name: string) => lines.find((l) => 'label' in l && l.label === name)!.t / 1000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('model 2 physiology', () => {
  it('Severinghaus curve: 97-98% at PO2 100, ~90.5% at 60, ~75% at 40, ~50% near 27', () => {
    expect(severinghaus(100)).toBeGreaterThan(97);
    expect(severinghaus(60)).toBeCloseTo(90.5, 0);
    expect(severinghaus(40)).toBeCloseTo(75, 0);
    expect(severinghaus(27)).toBeCloseTo(50, -1);
  });

  it('slow overdose: true RR is <= 6/min from the bradypnea_onset label on (on average) and above it a minute before; it never stops for more than 10 s', () => {
    for (let seed = 1; seed <= 15; seed++) {
      const sc = generateScenario2('overdose-slow', { seed, ...ids, sensors: 'oximeter' });
      const b = labelT(sc.lines, 'bradypnea_onset');
      const after = sc.truth.rr.slice(b, b + 60);
      const before = sc.truth.rr.slice(b - 60, b - 50);
      expect(after.reduce((a, x) => a + x, 0) / after.length).toBeLessThanOrEqual(6);
      expect(before.reduce((a, x) => a + x, 0) / before.length).toBeGreaterThan(6);
      let run = 0;
      let longest = 0;
      for (const r of sc.truth.rr) longest = Math.max(longest, (run = r === 0 ? run + 1 : 0));
      expect(longest).toBeLessThanOrEqual(10);
    }
  });

  it('slow overdose: SpO2 slides a few hundredths of a point per second after RR <= 6 (median 0.015-0.08), always downwards', () => {
    const slopes: number[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      const sc = generateScenario2('overdose-slow', { seed, ...ids, sensors: 'oximeter' });
      const b = labelT(sc.lines, 'bradypnea_onset');
      const slope = (sc.truth.sao2[b]! - sc.truth.sao2[b + 120]!) / 120;
      expect(slope).toBeGreaterThan(0.005);
      slopes.push(slope);
    }
    expect(median(slopes)).toBeGreaterThanOrEqual(0.015);
    expect(median(slopes)).toBeLessThanOrEqual(0.08);
  });

  it('fast overdose: RR falls exponentially to apnoea at the apnea_onset label; saturation below 90% within 90 s of apnoea, probe shows it later', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const sc = generateScenario2('overdose-fast', { seed, ...ids, sensors: 'oximeter' });
      const a = labelT(sc.lines, 'apnea_onset');
      const o = labelT(sc.lines, 'overdose_onset');
      expect(sc.truth.rr[a]).toBe(0);
      expect(sc.truth.rr[a - 1]).toBeGreaterThan(0);
      expect(sc.truth.rr.slice(a).every((r) => r === 0)).toBe(true);
      expect(sc.truth.rr[o - 1]).toBeGreaterThan(10);
      const below90 = sc.truth.sao2.findIndex((x, i) => i >= o && x < 90);
      expect(below90).toBeGreaterThan(o);
      expect(below90).toBeLessThanOrEqual(a + 90);
      const probeBelow90 = sc.truth.probe.findIndex((x, i) => i >= o && x < 90);
      expect(probeBelow90 - below90).toBeGreaterThanOrEqual(sc.person.probeDelayS);
    }
  });

  it('at rest the saturation stays at the personal baseline (the compartment settles where it starts)', () => {
    const sc = generateScenario2('normal', { seed: 4, ...ids, durationS: 600 });
    const base = severinghaus(sc.person.pao2);
    for (const x of sc.truth.sao2) expect(Math.abs(x - base)).toBeLessThan(1.5);
  });
});

describe('model 2 radar', () => {
  it('radar scale is applied: the same movement reads in proportion to the room scale (x0.25 to x4)', () => {
    const mean = (scale: number, move: number) => {
      const r = new Rng2(1, 'test');
      let s = 0;
      for (let i = 0; i < 2000; i++) s += radarReading({ kind: 'scaled', scale }, move, true, true, r);
      return s / 2000;
    };
    expect(mean(1, 0.5) / mean(0.25, 0.5)).toBeCloseTo(4, 0);
    expect(mean(4, 0) / mean(1, 0)).toBeCloseTo(4, 0);
    expect(mean(1, 0)).toBeGreaterThan(2);
    expect(mean(1, 0)).toBeLessThan(3.5);
    // the drawn room scales cover x0.25 to x4
    const scales = Array.from({ length: 400 }, (_, i) => drawPerson(i).radar).flatMap((r) => (r.kind === 'scaled' ? [r.scale] : []));
    expect(Math.min(...scales)).toBeLessThan(0.3);
    expect(Math.max(...scales)).toBeGreaterThan(3.5);
    expect(scales.every((s) => s >= 0.25 && s <= 4)).toBe(true);
  });

  it('the "noisy" radar: 20-60 while moving, 0-6 with a mean near 3 once still, stray readings above 5', () => {
    const r = new Rng2(2, 'test');
    const moving = Array.from({ length: 2000 }, () => radarReading({ kind: 'noisy' }, 0.5, true, true, r));
    const still = Array.from({ length: 2000 }, () => radarReading({ kind: 'noisy' }, 0, true, true, r));
    expect(Math.min(...moving)).toBeGreaterThanOrEqual(20);
    expect(Math.max(...moving)).toBeLessThanOrEqual(60);
    expect(Math.max(...still)).toBeLessThanOrEqual(6);
    expect(still.reduce((a, x) => a + x, 0) / still.length).toBeCloseTo(3, 0);
    expect(still.filter((x) => x > 5).length / still.length).toBeGreaterThan(0.05);
  });

  it('the room trace carries the scaled reading: a bathroom overdose room at x4 reads about 16 times a room at x0.25 while moving', () => {
    const run = (scale: number) => {
      const person = drawPerson(9, { radar: { kind: 'scaled', scale }, roomEveryS: 1, loss: 0 });
      const sc = build2(
        { seed: 9, ...ids, sensors: 'room' },
        { seconds: 120, person, script: () => ({ rr: 14, move: 0.5, occupied: true }) },
      );
      const m = sc.lines.filter((l): l is SampleLine => 'device' in l && l.stream === 'presence').map((l) => l.data.motion as number);
      return m.reduce((a, x) => a + x, 0) / m.length;
    };
    expect(run(4) / run(0.25)).toBeGreaterThan(12);
    expect(run(4) / run(0.25)).toBeLessThan(20);
  });
});

describe('model 2 seed stream', () => {
  it('is independent of model 1: same seed, no shared values, no correlation', () => {
    for (const seed of [1, 7, 1000, 123456]) {
      const a = new Rng(seed);
      const b = new Rng2(seed, 'script');
      const xs = Array.from({ length: 5000 }, () => a.next());
      const ys = Array.from({ length: 5000 }, () => b.next());
      expect(xs.filter((x, i) => x === ys[i]).length).toBe(0);
      const mx = xs.reduce((s, x) => s + x, 0) / xs.length;
      const my = ys.reduce((s, y) => s + y, 0) / ys.length;
      let c = 0;
      let vx = 0;
      let vy = 0;
      xs.forEach((x, i) => {
        c += (x - mx) * (ys[i]! - my);
        vx += (x - mx) ** 2;
        vy += (ys[i]! - my) ** 2;
      });
      expect(Math.abs(c / Math.sqrt(vx * vy))).toBeLessThan(0.05);
    }
  });

  it('streams of one seed differ from each other, and model 2 traces differ from model 1 traces of the same seed', () => {
    expect(new Rng2(5, 'person').next()).not.toBe(new Rng2(5, 'script').next());
    const m1 = generateScenario('overdose-fast', { seed: 5, ...ids, vary: true });
    const m2 = generateScenario2('overdose-fast', { seed: 5, ...ids });
    expect(labelT(m2.lines, 'apnea_onset')).not.toBe(labelT(m1.lines, 'apnea_onset'));
  });

  for (const name of Object.keys(SCENARIOS2)) {
    it(`${name}: same seed, same bytes; another seed differs; time never goes backwards`, () => {
      const a = serializeTrace(generateScenario2(name, { seed: 7, ...ids }).header, generateScenario2(name, { seed: 7, ...ids }).lines);
      const sc = generateScenario2(name, { seed: 7, ...ids });
      expect(serializeTrace(sc.header, sc.lines)).toBe(a);
      const c = generateScenario2(name, { seed: 8, ...ids });
      expect(serializeTrace(c.header, c.lines)).not.toBe(a);
      for (let i = 1; i < sc.lines.length; i++) expect(sc.lines[i]!.t).toBeGreaterThanOrEqual(sc.lines[i - 1]!.t);
    });
  }
});

describe('model 2 sensors', () => {
  it('loses samples in bursts near the drawn rate and jitters timestamps within the drawn bound', () => {
    const person = drawPerson(3, { loss: 0.05, jitterMs: 300 });
    const sc = build2(
      { seed: 3, ...ids, sensors: 'rr' },
      { seconds: 20_000, person, script: () => ({ rr: 14, move: 0.2, occupied: true }) },
    );
    const v = sc.lines.filter((l): l is SampleLine => 'device' in l && l.stream === 'vitals');
    const lost = 1 - v.length / 20_000;
    expect(lost).toBeGreaterThan(0.035);
    expect(lost).toBeLessThan(0.065);
    const offs = v.map((l) => l.t % 1000);
    expect(Math.max(...offs)).toBeLessThanOrEqual(300);
    expect(Math.max(...offs)).toBeGreaterThan(250);
    // bursty: gaps of 2+ seconds are far more common than independent loss would give (0.05^2)
    const secs = new Set(v.map((l) => Math.floor(l.t / 1000)));
    let pairs = 0;
    for (let s = 0; s < 19_999; s++) if (!secs.has(s) && !secs.has(s + 1)) pairs++;
    expect(pairs / 20_000).toBeGreaterThan(0.01);
  });
});
