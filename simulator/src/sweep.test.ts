// The robustness sweep's transforms on small traces, and the report sections' determinism.
import { describe, expect, it } from 'vitest';
import {
  holdoutSeed,
  renderSideBySide,
  renderSweep,
  runSuite,
  runSweep,
  suite,
  suite2,
  sweepSets,
  type SweepRow,
} from './detection-report.js';
import { noiseTimes, probeLag, quantiseRr, radarScale, sampleEvery, sampleLoss, BASE_NOISE_SD } from './sweep.js';
import type { SampleLine, TraceLine } from './trace.js';

function trace(
  seconds: number,
  f: (s: number) => Record<string, unknown> = (s) => ({ hr: 70, spo2: 97, rr: 14.3, activity: 10, onBody: true, s }),
) {
  const lines: TraceLine[] = [{ t: 0, label: 'start' }];
  for (let s = 0; s < seconds; s++) {
    lines.push({ t: s * 1000 + (s % 3) * 100, device: 'wr', stream: 'vitals', data: f(s) });
    if (s % 2 === 0) lines.push({ t: s * 1000 + 150, device: 'ro', stream: 'presence', data: { occupied: true, motion: 10 } });
  }
  lines.push({ t: 500, device: 'ro', stream: 'door', data: { open: false } });
  return lines.sort((a, b) => a.t - b.t);
}
const samples = (ls: TraceLine[], stream: string) => ls.filter((l): l is SampleLine => 'device' in l && l.stream === stream);

describe('sweep transforms', () => {
  it('20% sample loss drops about a fifth of vitals and presence samples, keeps labels and door lines, deterministic by seed', () => {
    const t = trace(5000);
    const out = sampleLoss(0.2)(t, 1);
    const rate =
      1 - (samples(out, 'vitals').length + samples(out, 'presence').length) / (samples(t, 'vitals').length + samples(t, 'presence').length);
    expect(rate).toBeGreaterThan(0.18);
    expect(rate).toBeLessThan(0.22);
    expect(out.filter((l) => 'label' in l)).toHaveLength(1);
    expect(samples(out, 'door')).toHaveLength(1);
    expect(sampleLoss(0.2)(t, 1)).toEqual(out);
    expect(sampleLoss(0.2)(t, 2)).not.toEqual(out);
  });

  it('0.2 Hz keeps one sample per device every 5 s despite jitter', () => {
    const out = sampleEvery(5)(trace(100), 1);
    expect(samples(out, 'vitals').map((l) => l.data.s)).toEqual([
      0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90, 95,
    ]);
    // presence every 2 s: the next kept one is the first at or after 5 s later
    const gaps = samples(out, 'presence').map((l, i, a) => (i ? l.t - a[i - 1]!.t : 6000));
    expect(gaps.every((g) => g === 6000)).toBe(true);
  });

  it('integer RR rounds the rate and leaves 0 and null alone', () => {
    const t = trace(3, (s) => ({ rr: [14.3, 0, null][s], hr: 70 }));
    expect(samples(quantiseRr(t, 1), 'vitals').map((l) => l.data.rr)).toEqual([14, 0, null]);
    expect(
      samples(
        quantiseRr(
          trace(1, () => ({ rr: 5.5 })),
          1,
        ),
        'vitals',
      )[0]!.data.rr,
    ).toBe(6);
  });

  it('probe lag shows each SpO2 value lagS seconds later; the rest of the sample is unchanged', () => {
    const t = trace(100, (s) => ({ spo2: 100 - Math.floor(s / 10), hr: 60 + s }));
    const out = samples(probeLag(30)(t, 1), 'vitals');
    expect(out[50]!.data.spo2).toBe(100 - Math.floor(20 / 10));
    expect(out[50]!.data.hr).toBe(110);
    expect(out[10]!.data.spo2).toBe(100);
    expect(out.map((l) => l.t)).toEqual(samples(t, 'vitals').map((l) => l.t));
  });

  it('radar scale multiplies the motion index, rounds and clamps to 0-100', () => {
    expect(samples(radarScale(0.25)(trace(2), 1), 'presence')[0]!.data.motion).toBe(3);
    expect(samples(radarScale(4)(trace(2), 1), 'presence')[0]!.data.motion).toBe(40);
    expect(samples(radarScale(20)(trace(2), 1), 'presence')[0]!.data.motion).toBe(100);
  });

  it('noise x2 doubles the SD: the added noise has sqrt(3) x the base SD; an RR of 0 stays 0', () => {
    const t = trace(20_000, () => ({ hr: 100, spo2: 90, rr: 20, activity: 50 }));
    const hr = samples(noiseTimes(2)(t, 3), 'vitals').map((l) => (l.data.hr as number) - 100);
    const sd = Math.sqrt(hr.reduce((a, x) => a + x * x, 0) / hr.length);
    expect(sd).toBeGreaterThan(Math.sqrt(3) * BASE_NOISE_SD.hr * 0.93);
    expect(sd).toBeLessThan(Math.sqrt(3) * BASE_NOISE_SD.hr * 1.07);
    expect(
      samples(
        noiseTimes(2)(
          trace(5, () => ({ rr: 0 })),
          3,
        ),
        'vitals',
      ).every((l) => l.data.rr === 0),
    ).toBe(true);
  });
});

describe('report sections are deterministic', () => {
  it('same code, same side-by-side table and sweep rows', () => {
    const small1 = suite().filter((_, i) => i % 40 === 0);
    const small2 = suite2().filter((_, i) => i % 40 === 0);
    const once = () => renderSideBySide(runSuite(small1), runSuite(small2, 2)).join('\n');
    expect(once()).toBe(once());
    const rows = (): SweepRow[] =>
      [sampleLoss(0.2), probeLag(45)].map((tr, k) => {
        const r = runSuite(
          small2.filter((i) => !i.negative),
          2,
          tr,
        );
        return {
          setting: String(k),
          set: 'm2' as const,
          model: 2 as const,
          episodes: r.length,
          detected: 0,
          sensitivity: null,
          median: r[0]!.result.outcome.latencyMs,
          p90: null,
          breaks: [],
          negatives: 0,
          negHours: 0,
          checkins: 0,
          alerts: 0,
        };
      });
    expect(renderSweep(rows(), true)).toEqual(renderSweep(rows(), true));
  });
});

describe('the sweep runs the hard negatives too, and the held-out stream', () => {
  it("covers m1, m2 and m2h, and counts check-ins and responder alerts on each set's hard negatives under the setting", () => {
    expect(sweepSets().map(([k, m]) => [k, m])).toEqual([
      ['m1', 1],
      ['m2', 2],
      ['m2h', 2],
    ]);
    const two = suite2()
      .filter((i) => i.negative)
      .slice(0, 2);
    const od = suite2()
      .filter((i) => !i.negative && i.sensors.includes('room'))
      .slice(0, 1);
    const setting = { name: 'radar scale x0.25', transform: radarScale(0.25) };
    const [row] = runSweep(1, [['m2', 2, [...od, ...two]]], [setting]);
    const direct = runSuite(two, 2, setting.transform).map((r) => r.result);
    expect(row!.episodes).toBe(1);
    expect(row!.negatives).toBe(2);
    expect(row!.negHours).toBeGreaterThan(0);
    expect(row!.alerts).toBe(direct.reduce((a, r) => a + r.outcome.falseAlerts, 0));
    expect(row!.checkins).toBe(direct.reduce((a, r) => a + r.outcome.falsePrompts, 0));
  });
});

describe("model 2's held-out stream", () => {
  it('is the dev suite item for item (same groups, scenarios, sensors) on seeds the dev stream never uses, named m2h/', () => {
    const dev = suite2('dev');
    const held = suite2('holdout');
    expect(held.map((i) => [i.group, i.scenario, i.sensors, i.negative])).toEqual(
      dev.map((i) => [i.group, i.scenario, i.sensors, i.negative]),
    );
    const devSeeds = new Set(dev.map((i) => i.seed));
    expect(held.filter((i) => devSeeds.has(i.seed))).toEqual([]);
    expect(new Set(held.map((i) => i.seed)).size).toBe(held.length);
    expect(held.every((i) => i.name.startsWith('m2h/'))).toBe(true);
    expect(holdoutSeed(dev[0]!.seed)).toBe(held[0]!.seed);
  });

  it('draws other traces than the dev stream, and the side-by-side table gets m2h columns', () => {
    const pick = (items: ReturnType<typeof suite2>) =>
      items.filter((i) => i.scenario === 'overdose-fast' && i.sensors === 'rr').slice(0, 2);
    const dev = runSuite(pick(suite2('dev')), 2);
    const held = runSuite(pick(suite2('holdout')), 2);
    expect(held.map((r) => r.result.outcome.onsetT)).not.toEqual(dev.map((r) => r.result.outcome.onsetT));
    const md = renderSideBySide(runSuite(suite().slice(0, 1)), dev, held).join('\n');
    expect(md).toContain(
      '| group | m1 detected | m1 median | m1 p90 | m1 false alerts | m2 detected | m2 median | m2 p90 | m2 false alerts | m2h detected |',
    );
    expect(md).toContain('model 2 held-out **');
  });
});
