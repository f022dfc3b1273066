// Each rule module on its own, through its small interface (observe, score, reason, reset), in
// virtual time: the same clinical rules the detector tests prove end to end, one room at a time.
// A rule reads and publishes through the picture; these tests set the picture's inputs by hand.
import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS } from '../types.js';
import { SignalQuality } from '../signal-quality.js';
import { fusePrimary, levelOf } from '../fusion.js';
import { RuleSet } from '../rule-set.js';
import { ApnoeaRule } from './apnoea.js';
import { BradycardiaRule } from './bradycardia.js';
import { DesaturationRule } from './desaturation.js';
import { RULES } from './index.js';
import { LowRrRule } from './low-rr.js';
import { newPicture, type Picture, type Reading, type Rule } from './rule.js';
import { BreathingTrendRule } from './rr-trend.js';
import { SleepApnoeaPattern } from './sleep-apnoea.js';
import { SlowDesaturationRule } from './slow-desaturation.js';
import { SlotMeans } from './slot-means.js';
import { StillnessRule } from './stillness.js';
import { WristStillnessRule } from './wrist-stillness.js';

const th = { ...DEFAULT_THRESHOLDS };
const S = 1000;
const picture = (over: Partial<Picture> = {}): Picture => ({ ...newPicture(th), ...over });
const reading = (kind: Reading['kind'], value: number, dt: number, over: Partial<Reading> = {}): Reading => ({
  kind,
  t: 0,
  dt,
  value,
  occupied: false,
  open: false,
  endedMs: -1,
  device: 'room',
  ...over,
});
/** Feeds one reading; returns what it published as ended (-1 none). */
const feed = (r: Rule, p: Picture, x: Reading): number => {
  r.observe(x, p);
  return x.endedMs;
};

describe('apnoea rule (RR 0; cleared only by 3 s of breathing)', () => {
  it('counts seconds of RR 0, scores full at apneaSeconds, and reports the pause when breathing resumes', () => {
    const r = new ApnoeaRule();
    const p = picture({ rrFresh: true });
    for (let i = 0; i < 20; i++) expect(feed(r, p, reading('rr', 0, i === 0 ? 0 : S))).toBe(-1);
    expect(p.apnoeaOn).toBe(true);
    expect(r.score(p)).toBe(74);
    expect([p.apneaS, p.apnoeaScore, p.respSign]).toEqual([19, 74, true]);
    expect(r.reason(p)).toBe('no breathing for 19 s');
    expect(r.score(picture({ rrFresh: false }))).toBe(0); // a stale RR stream is no evidence
    // one breath is not recovery: the run must last RR_CLEAR_MS
    expect(feed(r, p, reading('rr', 12, S))).toBe(-1);
    expect(feed(r, p, reading('rr', 12, S))).toBe(-1);
    expect(feed(r, p, reading('rr', 12, S))).toBe(-1);
    // the pause lasted until breathing was proven (19 s of RR 0 and 4 s of breathing run)
    expect(feed(r, p, reading('rr', 12, S))).toBe(23_000);
    expect([r.on, p.apnoeaOn]).toEqual([false, false]);
  });

  it('reset forgets the running pause', () => {
    const r = new ApnoeaRule();
    const p = picture();
    r.observe(reading('rr', 0, 0), p);
    r.observe(reading('rr', 0, 5 * S), p);
    r.reset(p);
    expect([r.on, r.ms, p.apnoeaOn]).toEqual([false, 0, false]);
  });
});

describe('low-RR rule and breathing trend (Second Chance RR <= 7; PRODIGY RR <= 5 critical)', () => {
  it('accumulates depressed breathing, keeps the lowest rate, and clears after 3 s above the line', () => {
    const r = new LowRrRule();
    const p = picture({ rrFresh: true, rr: 6 });
    r.observe(reading('rr', 6, 0), p);
    for (let i = 0; i < 35; i++) r.observe(reading('rr', i === 10 ? 4 : 6, S), p);
    expect(r.score(p)).toBeCloseTo(65 + 5 + 5 / 3);
    expect([p.lowS, p.minRr, p.lowRrOn, p.respSign, p.breathingSeen]).toEqual([35, 4, true, true, false]);
    expect(r.reason(p)).toBe('breathing 6/min or less for 35 s');
    // an apnoea at watch level already says it: no second reason for RR 0
    expect(r.reason(picture({ rr: 0, apnoeaScore: 40 }))).toBeNull();
    for (let i = 0; i < 3; i++) r.observe(reading('rr', 14, S), p);
    expect(r.on).toBe(true);
    r.observe(reading('rr', 14, S), p);
    expect([r.on, p.lowRrOn]).toEqual([false, false]);
  });

  it('sees breathing slow against the baseline learnt while calm', () => {
    const r = new BreathingTrendRule();
    const calm = picture({ idle: true });
    for (let i = 0; i < 600; i++) r.observe(reading('rr', 15, S), calm);
    const episode = picture({ idle: false });
    for (let i = 0; i < 60; i++) r.observe(reading('rr', 8, S), episode);
    expect(r.score(picture({ rrFresh: true, top: 70 }))).toBe(3);
    expect(r.slowed).toBe(true);
    expect(r.reason(picture({ score: 70 }))).toBe('breathing slowed from 15 to 8/min');
    expect(r.reason(picture({ score: 50 }))).toBeNull(); // supports a raised picture only
    expect(r.score(picture({ rrFresh: true, top: 50 }))).toBe(0);
  });
});

describe('desaturation rule (personal baseline, saturation-seconds)', () => {
  it('trusts no baseline before a minute, then counts depth x duration below baseline - spo2Drop', () => {
    const r = new DesaturationRule();
    const calm = picture({ idle: true });
    for (let i = 0; i < 60; i++) r.observe(reading('spo2', 97, i === 0 ? 0 : S), calm);
    expect(r.line(th)).toBeNull();
    r.observe(reading('spo2', 97, S), calm);
    expect(r.line(th)).toBeCloseTo(93);
    // the wearable sees breathing: a probe, not apnoea, so the steep-fall predicate stays off
    const p = picture({ idle: false, spo2Fresh: true, spo2: 88, breathingSeen: true });
    for (let i = 0; i < 20; i++) r.observe(reading('spo2', 88, S), p);
    expect(r.score(p)).toBeCloseTo(67);
    expect(p.satArea).toBeCloseTo(100);
    expect(p.fall).toBeCloseTo(9);
    expect([r.belowMs, p.respSign, p.saturating, p.steep]).toEqual([20 * S, true, false, false]);
    expect(r.reason(p)).toBe('SpO2 88%, 9 below baseline, for 20 s');
    // 5 points below the line in 20 s (0.25/s) with no breathing seen: the oximeter's view of apnoea
    const apnoea = picture({ spo2Fresh: true, spo2: 88 });
    r.score(apnoea);
    expect(apnoea.steep).toBe(true);
    expect(r.reason(apnoea)).toBe('SpO2 88%, 9 below baseline, for 20 s, falling steeply');
    // it ended by itself: published once, after SPO2_CLEAR_MS above the line
    const ended = [];
    for (let i = 0; i < 6; i++) ended.push(feed(r, p, reading('spo2', 97, S)));
    expect(ended).toEqual([-1, -1, -1, -1, -1, 20 * S]);
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

  it('hears the pauses (>= 8 s) and dips the other rules publish, but not during an alert, and publishes at scoring', () => {
    const r = new SleepApnoeaPattern();
    const p = picture();
    for (const t of [60, 120, 180, 240]) r.observe(reading('rr', 12, S, { t: t * S, endedMs: 9 * S }), p);
    r.observe(reading('rr', 12, S, { t: 250 * S, endedMs: 5 * S }), p); // too short to count
    r.score({ ...p, now: 240 * S });
    expect(r.apneaNeeded(240 * S, th)).toBe(th.criticalApneaSeconds);
    const q = picture({ now: 240 * S });
    r.score(q);
    expect(q.apneaNeeded).toBe(th.criticalApneaSeconds);
    const alerted = new SleepApnoeaPattern();
    for (const t of [60, 120, 180, 240]) alerted.observe(reading('rr', 12, S, { t: t * S, endedMs: 9 * S }), picture({ alerted: true }));
    expect(alerted.apneaNeeded(240 * S, th)).toBe(th.apneaSeconds);
    const dips = new SleepApnoeaPattern();
    for (const t of [60, 120, 180, 240]) dips.observe(reading('spo2', 97, S, { t: t * S, endedMs: 6 * S }), p);
    const d = picture({ now: 240 * S });
    dips.score(d);
    expect(d.desatPattern).toBe(true);
  });
});

describe('stillness rule (Brave)', () => {
  it('stray readings do not end stillness (the median of the window decides); clear movement does; a door starts it over', () => {
    const r = new StillnessRule();
    const p = picture();
    const room = (motion: number, dt: number) => r.observe(reading('room', motion, dt, { occupied: true }), p);
    room(2, 0);
    for (let i = 0; i < 10; i++) room(2, 2 * S);
    expect(r.stillMs).toBe(20 * S);
    room(6, 2 * S); // a curtain
    expect(r.stillMs).toBe(22 * S);
    room(6, 2 * S);
    room(7, 2 * S);
    expect(r.stillMs).toBe(26 * S); // three strays: still a minority of the window
    room(6, 2 * S);
    room(6, 2 * S);
    expect(r.stillMs).toBe(0); // now most of the window is above the line: the person moves
    for (let i = 0; i < 10; i++) room(2, 2 * S);
    expect(r.stillMs).toBeGreaterThan(0);
    room(12, 2 * S); // clear movement (twice the line) ends it at once
    expect(r.stillMs).toBe(0);
    for (let i = 0; i < 5; i++) room(2, 2 * S);
    r.observe(reading('door', 0, 0, { open: false }), p);
    expect([r.stillMs, r.doorClosed]).toEqual([0, true]);
  });

  it('scores after the stillness time, a third of it with a breathing sign, and normal saturation vetoes it alone', () => {
    const r = new StillnessRule();
    const p = picture();
    // someone walks into the empty room (the sensor's entry prior: a breathing sign may shorten its stillness)
    r.observe(reading('room', 0, 0, { occupied: false }), p);
    for (let i = 0; i < 5; i++) r.observe(reading('room', 25, 2 * S, { occupied: true }), p);
    r.observe(reading('room', 2, 2 * S, { occupied: true }), p);
    for (let i = 0; i < 31; i++) r.observe(reading('room', 2, 2 * S, { occupied: true }), p);
    expect(r.score(picture({ roomFresh: true, respSign: true }))).toBe(75);
    expect(r.fused).toBe(true);
    expect(r.reason()).toBe('no movement in occupied room for 62 s with a breathing sign');
    expect(r.score(picture({ roomFresh: true, saturating: true }))).toBe(0);
    expect(r.score(picture({ roomFresh: false, respSign: true }))).toBe(0); // a stale room sensor is no evidence
  });
});

describe('bradycardia rule (late: escalates, never starts)', () => {
  it('adds only to a triggering picture', () => {
    const r = new BradycardiaRule();
    for (let i = 0; i < 600; i++) r.observe(reading('hr', 75, 0), picture({ idle: true }));
    r.observe(reading('hr', 45, 0), picture({ idle: true, lowRrOn: true })); // not calm: the baseline stays
    expect(r.score(picture({ top: 40, vitalsFresh: true, hr: 45 }))).toBe(0);
    expect(r.reason(picture({ hr: 45 }))).toBeNull();
    expect(r.score(picture({ top: 70, vitalsFresh: true, hr: 45 }))).toBe(10);
    expect(r.reason(picture({ hr: 45 }))).toBe('heart rate 45/min (usually 75)');
  });
});

describe('calm heart-rate baseline (bradycardia: 25 % under it; slow desaturation: a surge 20 above it)', () => {
  it('starts at the first calm pulse, moves 1/300 of the way each calm reading, holds otherwise; both rules learn the same', () => {
    const b = new BradycardiaRule();
    const s = new SlowDesaturationRule();
    const both = (hr: number, p: Picture) => {
      b.observe(reading('hr', hr, 1000), p);
      s.observe(reading('hr', hr, 1000), p);
    };
    both(90, picture({ idle: false })); // during a check-in: nothing learnt
    expect([b.base, s.hrBase]).toEqual([null, null]);
    both(60, picture());
    expect([b.base, s.hrBase]).toEqual([60, 60]);
    for (let i = 0; i < 300; i++) both(80, picture());
    const expected = 80 - 20 * (299 / 300) ** 300; // about 72.6: 1 - 1/e of the way in 300 readings
    expect(b.base).toBeCloseTo(expected, 9);
    // not calm: apnoea, low RR, an episode
    for (const over of [{ apnoeaOn: true }, { lowRrOn: true }, { idle: false }]) both(40, picture(over));
    expect(b.base).toBeCloseTo(expected, 9);
    expect(s.hrBase).toBe(b.base);
  });
});

describe('wrist stillness (named, never scored)', () => {
  it('names a still wrist in a raised picture only', () => {
    const r = new WristStillnessRule();
    expect(r.score()).toBe(0);
    expect(r.reason(picture({ score: 70, activity: 1, vitalsFresh: true }))).toBe('wearer not moving');
    expect(r.reason(picture({ score: 50, activity: 1, vitalsFresh: true }))).toBeNull();
    expect(r.reason(picture({ score: 70, activity: 1, vitalsFresh: false }))).toBeNull();
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
    // the production signs in order: apnoea, low-rr, desaturation, (slow-desaturation, 0 here), stillness
    expect(RULES.filter((e) => e.role === 'primary').map((e) => e.name)).toEqual([
      'apnoea',
      'low-rr',
      'desaturation',
      'slow-desaturation',
      'stillness',
    ]);
    const signs = (values: number[]) => {
      const set = RuleSet.of(RULES.filter((e) => e.role === 'primary'));
      const all = [values[0]!, values[1]!, values[2]!, values[4] ?? 0, values[3]!];
      return fusePrimary(
        set,
        all.map((value) => ({ value }) as Rule),
        Math.max(...all),
      );
    };
    // the two views of one saturation (the level, the slide) count once
    const saturation = (d: number, slide: number) => {
      const set = RuleSet.of(RULES.filter((e) => e.role === 'primary'));
      return fusePrimary(
        set,
        [0, 0, d, slide, 0].map((value) => ({ value }) as Rule),
        Math.max(d, slide),
      );
    };
    expect(saturation(70, 62)).toBe(70);
    expect(signs([74, 0, 65, 75])).toBe(85);
    expect(signs([55, 50, 0, 0])).toBe(55);
    // depressed breathing with its apnoea is one sign; without a triggering apnoea it adds
    expect(signs([70, 75, 0, 0])).toBe(80);
    expect(signs([70, 65, 0, 0])).toBe(70);
    expect(signs([40, 65, 0, 75])).toBe(80);
    expect(levelOf(61, false)).toBe('high');
    expect(levelOf(20, true)).toBe('critical');
  });
});

describe('hot path: rule state is plain numbers', () => {
  it('no rule of the registry, nor the filters, holds an object (no per-sample allocation to keep)', () => {
    const parts = [...RULES.map((e) => e.create()), new SignalQuality()];
    // Fixed-size typed arrays (a window, a histogram, a scale's run lengths) are allocated once; the stillness rule's
    // per-sensor scales are made once per room sensor and the SpO2 rules' slot means once per rule: they hold the same plain state.
    const plain = (o: object) => {
      for (const [k, v] of Object.entries(o)) {
        if (v instanceof Float64Array || v instanceof Uint8Array) continue;
        if (v instanceof SlotMeans) {
          plain(v);
          continue;
        }
        if (k === 'scales' && Array.isArray(v)) {
          for (const x of v as object[]) plain(x);
          continue;
        }
        if (k === 'device' && typeof v === 'string') continue;
        expect([k, v === null ? 'null' : typeof v]).toEqual([k, expect.stringMatching(/^(number|boolean|null)$/)]);
      }
    };
    for (const p of parts) plain(p);
    const r = new StillnessRule();
    r.observe(reading('room', 3, 0, { occupied: true }), picture());
    plain(r);
  });
});
