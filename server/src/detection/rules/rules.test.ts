// Each rule module on its own, through its small interface (observe, score, reason, reset), in
// virtual time: the same clinical rules the detector tests prove end to end, one room at a time.
import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS } from '../types.js';
import { SignalQuality } from '../signal-quality.js';
import { fusePrimary, levelOf } from '../fusion.js';
import { ApnoeaRule } from './apnoea.js';
import { BradycardiaRule } from './bradycardia.js';
import { DesaturationRule } from './desaturation.js';
import { LowRrRule } from './low-rr.js';
import { SleepApnoeaPattern } from './sleep-apnoea.js';
import { StillnessRule } from './stillness.js';

const th = { ...DEFAULT_THRESHOLDS };
const S = 1000;

describe('apnoea rule (RR 0; cleared only by 3 s of breathing)', () => {
  it('counts seconds of RR 0, scores full at apneaSeconds, and reports the pause when breathing resumes', () => {
    const r = new ApnoeaRule();
    for (let i = 0; i < 20; i++) expect(r.observe(0, i === 0 ? 0 : S)).toBe(-1);
    expect(r.seconds(true)).toBe(19);
    expect(r.seconds(false)).toBe(0); // a stale RR stream is no evidence
    expect(r.score(19, th.apneaSeconds)).toBe(74);
    expect(r.reason(false)).toBe('no breathing for 19 s');
    // one breath is not recovery: the run must last RR_CLEAR_MS
    expect(r.observe(12, S)).toBe(-1);
    expect(r.observe(12, S)).toBe(-1);
    expect(r.observe(12, S)).toBe(-1);
    // the pause lasted until breathing was proven (19 s of RR 0 and 4 s of breathing run)
    expect(r.observe(12, S)).toBe(23_000);
    expect(r.on).toBe(false);
  });

  it('reset forgets the running pause', () => {
    const r = new ApnoeaRule();
    r.observe(0, 0);
    r.observe(0, 5 * S);
    r.reset();
    expect([r.on, r.ms]).toEqual([false, 0]);
  });
});

describe('low-RR rule (Second Chance RR <= 7; PRODIGY RR <= 5 critical)', () => {
  it('accumulates depressed breathing, keeps the lowest rate, and clears after 3 s above the line', () => {
    const r = new LowRrRule();
    r.observe(6, 0, false, th);
    for (let i = 0; i < 35; i++) r.observe(i === 10 ? 4 : 6, S, false, th);
    expect(r.seconds(true)).toBe(35);
    expect(r.minRr).toBe(4);
    expect(r.score(35, true, th)).toBeCloseTo(65 + 5 + 5 / 3);
    expect(r.reason(6, th)).toBe('breathing 6/min or less for 35 s');
    expect(r.observe(14, S, false, th)).toBe(false);
    for (let i = 0; i < 2; i++) expect(r.observe(14, S, false, th)).toBe(false);
    expect(r.observe(14, S, false, th)).toBe(true);
    expect(r.on).toBe(false);
  });

  it('sees breathing slow against the baseline learnt while calm', () => {
    const r = new LowRrRule();
    for (let i = 0; i < 600; i++) r.trend(15, S, true);
    for (let i = 0; i < 60; i++) r.trend(8, S, false);
    r.score(0, true, th);
    expect(r.slowed).toBe(true);
    expect(r.trendReason(70)).toBe('breathing slowed from 15 to 8/min');
    expect(r.trendReason(50)).toBeNull(); // supports a raised picture only
  });
});

describe('desaturation rule (personal baseline, saturation-seconds)', () => {
  it('trusts no baseline before a minute, then counts depth x duration below baseline - spo2Drop', () => {
    const r = new DesaturationRule();
    for (let i = 0; i < 60; i++) r.observe(97, i === 0 ? 0 : S, true, th);
    expect(r.line(th)).toBeNull();
    r.observe(97, S, true, th);
    expect(r.line(th)).toBeCloseTo(93);
    for (let i = 0; i < 20; i++) r.observe(88, S, false, th);
    expect(r.satArea).toBeCloseTo(100);
    expect(r.score(true, 88, r.line(th), th)).toBeCloseTo(67);
    expect(r.fall).toBeCloseTo(9);
    expect(r.reason(88)).toBe('SpO2 88%, 9 below baseline, for 20 s');
    // it ended by itself: reported once, after SPO2_CLEAR_MS above the line
    const ended = [];
    for (let i = 0; i < 6; i++) ended.push(r.observe(97, S, false, th));
    expect(ended).toEqual([false, false, false, false, false, true]);
    expect(r.satArea).toBe(0);
  });
});

describe('sleep-apnoea pattern (three self-ended pauses in ~15 min)', () => {
  it('lengthens the apnoea time to criticalApneaSeconds, and fades', () => {
    const p = new SleepApnoeaPattern();
    expect(p.apneaNeeded(0, th)).toBe(th.apneaSeconds);
    p.apnoeaEnded(60 * S);
    p.apnoeaEnded(120 * S);
    p.apnoeaEnded(180 * S);
    // the count decays between pauses, so three a minute apart stay just under it
    expect(p.apneaNeeded(180 * S, th)).toBe(th.apneaSeconds);
    p.apnoeaEnded(240 * S);
    expect(p.apneaNeeded(240 * S, th)).toBe(th.criticalApneaSeconds);
    expect(p.apneaNeeded(3_600 * S, th)).toBe(th.apneaSeconds);
    expect(p.desatPattern(180 * S)).toBe(false);
  });
});

describe('stillness rule (Brave)', () => {
  it('one stray reading does not end stillness; clear movement does; a door starts it over', () => {
    const r = new StillnessRule();
    r.observe(true, 2, 0, th);
    for (let i = 0; i < 10; i++) r.observe(true, 2, 2 * S, th);
    expect(r.stillMs).toBe(20 * S);
    r.observe(true, 6, 2 * S, th); // a curtain
    expect(r.stillMs).toBe(22 * S);
    r.observe(true, 6, 2 * S, th);
    expect(r.stillMs).toBe(0);
    for (let i = 0; i < 5; i++) r.observe(true, 2, 2 * S, th);
    r.door(false);
    expect([r.stillMs, r.doorClosed]).toEqual([0, true]);
  });

  it('scores after the stillness time, a third of it with a breathing sign, and normal saturation vetoes it alone', () => {
    const r = new StillnessRule();
    r.observe(true, 2, 0, th);
    for (let i = 0; i < 31; i++) r.observe(true, 2, 2 * S, th);
    expect(r.score(true, true, false, false, th)).toBe(75);
    expect(r.fused).toBe(true);
    expect(r.reason()).toBe('no movement in occupied room for 62 s with a breathing sign');
    expect(r.score(true, false, false, true, th)).toBe(0);
    expect(r.score(false, true, false, false, th)).toBe(0); // a stale room sensor is no evidence
  });
});

describe('bradycardia rule (late: escalates, never starts)', () => {
  it('adds only to a triggering picture', () => {
    const r = new BradycardiaRule();
    for (let i = 0; i < 600; i++) r.observe(75, true);
    expect(r.score(40, true, 45, th)).toBe(0);
    expect(r.score(70, true, 45, th)).toBe(10);
    expect(r.reason(45)).toBe('heart rate 45/min (usually 75)');
  });
});

describe('signal quality', () => {
  it('a single SpO2 dip never reaches the rules, and a fall is slew limited to a point a second', () => {
    const q = new SignalQuality();
    q.acceptSpo2(0, 97);
    q.acceptSpo2(S, 97);
    q.acceptSpo2(2 * S, 70);
    expect(q.spo2).toBe(97);
    q.acceptSpo2(3 * S, 80);
    expect(q.spo2).toBe(96);
    q.acceptSpo2(4 * S, 80);
    expect(q.spo2).toBe(95);
  });

  it('one off-body flag is a glitch; two in a row count', () => {
    const q = new SignalQuality();
    expect(q.offBodyFlag(S)).toBe(false);
    expect(q.offBodyFlag(S)).toBe(true);
  });

  it('vigorous movement gates readings and, sustained for 10 s, proves a conscious wearer', () => {
    const q = new SignalQuality();
    const gates = [];
    for (let i = 0; i < 11; i++) gates.push(q.motionGate(60, S, th));
    expect(gates.slice(0, 9)).toEqual(Array(9).fill(1));
    expect(gates[10]).toBe(2);
    expect(q.motionGate(10, S, th)).toBe(0);
  });
});

describe('fusion', () => {
  it('each further independent sign adds 5 once the top one triggers; below, nothing adds', () => {
    expect(fusePrimary(75, 74, 0, 65, 75)).toBe(85);
    expect(fusePrimary(55, 55, 50, 0, 0)).toBe(55);
    expect(levelOf(61, false)).toBe('high');
    expect(levelOf(20, true)).toBe('critical');
  });
});

describe('hot path: rule state is plain numbers', () => {
  it('no rule, pattern or filter holds an object (no per-sample allocation to keep)', () => {
    const parts = [new ApnoeaRule(), new LowRrRule(), new DesaturationRule(), new StillnessRule(), new BradycardiaRule(), new SleepApnoeaPattern(), new SignalQuality()];
    for (const p of parts) {
      for (const [k, v] of Object.entries(p)) expect([k, v === null ? 'null' : typeof v]).toEqual([k, expect.stringMatching(/^(number|boolean|null)$/)]);
    }
  });
});
