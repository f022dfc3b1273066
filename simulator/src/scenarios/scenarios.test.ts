// Scenario library: deterministic per seed, contract-valid, labelled, and physiologically
// consistent (apnoea then desaturation after the probe lag at 0.2-0.3 points/s; bradycardia late).
import { describe, expect, it } from 'vitest';
import { streamSchemas } from '@odart/protocol';
import { parseTrace, serializeTrace, type SampleLine } from '../trace.js';
import { SCENARIOS, SENSOR_SETS, generateScenario, type ScenarioOptions } from './index.js';

const base: ScenarioOptions = { seed: 7, wearer: 'w1', wrist: 'wrist-1', room: 'room-1' };
const text = (name: string, o: Partial<ScenarioOptions> = {}) => {
  const sc = generateScenario(name, { ...base, ...o });
  return serializeTrace(sc.header, sc.lines);
};
const vitals = (lines: ReturnType<typeof generateScenario>['lines']) =>
  lines
    .filter((l): l is SampleLine => 'device' in l && l.stream === 'vitals')
    .map((l) => ({
      t: l.t,
      ...(l.data as { hr: number | null; spo2: number | null; rr?: number | null; activity: number; onBody: boolean }),
    }));
const label = (lines: ReturnType<typeof generateScenario>['lines'], name: string) => lines.find((l) => 'label' in l && l.label === name)?.t;

describe('scenario library', () => {
  it('has every scenario of issue 4 (overdose is an alias of overdose-fast)', () => {
    for (const n of [
      'normal',
      'sleep',
      'osa',
      'exercise',
      'overdose-fast',
      'overdose',
      'overdose-slow',
      'overdose-recovered',
      'bathroom-stillness',
      'artefact',
      'offbody',
      'offline',
      'wearer-cancels',
    ]) {
      expect(SCENARIOS[n], n).toBeDefined();
    }
    expect(text('overdose')).toBe(text('overdose-fast'));
  });

  for (const name of Object.keys(SCENARIOS)) {
    it(`${name}: same seed, same bytes; another seed differs; valid contract trace; every sample passes the protocol schemas`, () => {
      const o = { durationS: name === 'sleep' || name === 'osa' ? 600 : undefined };
      const a = text(name, { ...o, vary: true });
      expect(text(name, { ...o, vary: true })).toBe(a);
      expect(text(name, { ...o, vary: true, seed: 8 })).not.toBe(a);
      const tr = parseTrace(a, `${name}.jsonl`);
      expect(tr.samples.length).toBeGreaterThan(100);
      for (const s of tr.samples) expect(streamSchemas[s.stream].safeParse(s.data).success, `${name} t=${s.t}`).toBe(true);
    });
  }

  it('the demo overdose reaches apnea at 90 s (the walking skeleton and the README rely on it)', () => {
    const sc = generateScenario('overdose', base);
    expect(label(sc.lines, 'apnea_onset')).toBe(90_000);
    expect(label(sc.lines, 'overdose_onset')).toBe(30_000);
    expect(
      vitals(sc.lines)
        .filter((v) => v.t >= 90_000)
        .every((v) => v.rr === 0),
    ).toBe(true);
  });

  it('overdose-fast: SpO2 holds for the probe lag (15-30 s) after apnea, then falls 0.2-0.3 points/s; bradycardia comes late', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const sc = generateScenario('overdose-fast', { ...base, seed, vary: true, sensors: 'rr' });
      const apnea = label(sc.lines, 'apnea_onset')!;
      const v = vitals(sc.lines);
      const at = (t: number) => v.find((x) => x.t === t)!;
      const before = at(apnea - 1000).spo2!;
      // little change in the first 10 s of apnoea (probe lag, O2 reserve)
      expect(Math.abs(at(apnea + 10_000).spo2! - before)).toBeLessThanOrEqual(4);
      // 60 s later the fall rate is in the physiological band
      const rate = (at(apnea + 50_000).spo2! - at(apnea + 90_000).spo2!) / 40;
      expect(rate, `seed ${seed}`).toBeGreaterThanOrEqual(0.15);
      expect(rate, `seed ${seed}`).toBeLessThanOrEqual(0.45);
      // heart rate is still near normal when the apnoea starts; it falls only with deep hypoxia
      expect(at(apnea).hr!).toBeGreaterThan(60);
      const lowHr = v.find((x) => x.t > apnea && x.hr! < 50);
      if (lowHr) expect(at(lowHr.t).spo2!).toBeLessThan(80);
    }
  });

  it('overdose-slow never fully stops breathing for long and labels the RR <= 6 onset', () => {
    const sc = generateScenario('overdose-slow', { ...base, vary: true });
    const onset = label(sc.lines, 'bradypnea_onset')!;
    expect(onset).toBeGreaterThan(label(sc.lines, 'overdose_onset')!);
    const after = vitals(sc.lines).filter((v) => v.t >= onset + 30_000);
    let run = 0;
    let longest = 0;
    for (const v of after) longest = Math.max(longest, (run = v.rr === 0 ? run + 1 : 0));
    expect(longest).toBeLessThan(10);
    expect(after.filter((v) => v.rr! > 0).every((v) => v.rr! <= 8)).toBe(true);
  });

  it('overdose-recovered: breathing returns after naloxone and saturation recovers', () => {
    const sc = generateScenario('overdose-recovered', base);
    const end = label(sc.lines, 'episode_end')!;
    const v = vitals(sc.lines);
    expect(v.filter((x) => x.t > end + 10_000).every((x) => x.rr! >= 8)).toBe(true);
    expect(v.at(-1)!.spo2!).toBeGreaterThanOrEqual(93);
  });

  it('sensor sets: room-only has no wearable, oximeter-only reports no RR', () => {
    for (const sensors of SENSOR_SETS) {
      const sc = generateScenario('overdose-fast', { ...base, sensors });
      const kinds = sc.header.devices.map((d) => d.kind).sort();
      expect(kinds).toEqual(sensors === 'room' ? ['room'] : sensors.endsWith('room') ? ['room', 'wearable'] : ['wearable']);
      if (sensors.startsWith('oximeter')) expect(vitals(sc.lines).every((v) => !('rr' in v) || v.rr === undefined)).toBe(true);
    }
    expect(generateScenario('bathroom-stillness', base).header.devices).toEqual([{ id: 'room-1', kind: 'room' }]);
  });

  it('offline goes silent after a Last Will "offline" and returns; offbody flags onBody false', () => {
    const off = generateScenario('offline', base);
    const gone = label(off.lines, 'wearable_offline')!;
    const back = label(off.lines, 'wearable_back_online')!;
    expect(vitals(off.lines).some((v) => v.t >= gone && v.t < back)).toBe(false);
    expect(off.lines.some((l) => 'stream' in l && l.stream === 'status' && (l.data as { state: string }).state === 'offline')).toBe(true);
    const ob = generateScenario('offbody', base);
    expect(
      vitals(ob.lines)
        .filter((v) => v.t >= label(ob.lines, 'wearable_removed')! && v.t < label(ob.lines, 'wearable_back_on')!)
        .every((v) => !v.onBody),
    ).toBe(true);
  });

  it('wearer-cancels carries a button OK line', () => {
    const sc = generateScenario('wearer-cancels', base);
    expect(sc.lines.some((l) => 'stream' in l && l.stream === 'button' && (l.data as { action: string }).action === 'ok')).toBe(true);
  });
});
