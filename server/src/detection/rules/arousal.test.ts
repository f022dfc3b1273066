// Arousals, tested from the physiology of obstructive sleep apnoea: each obstructive event ends
// with an arousal (a pulse surge of 10-20 bpm within seconds, often a small movement), so the
// desaturations come in cycles the sleeper ends themselves. An opioid overdose has no arousals:
// the same fall with a flat pulse and a still wrist is still an overdose.
import { describe, expect, it } from 'vitest';
import { WearerDetector } from '../wearer-detector.js';
import { DEFAULT_THRESHOLDS, type Decision } from '../types.js';
import { ArousalPattern } from './arousal.js';
import { RULES } from './index.js';
import { newPicture, type Reading } from './rule.js';

const S = 1000;
interface Moment {
  spo2: number;
  hr: number;
  activity: number;
}

/** An oximeter-only wearable at 1 Hz (no room sensor: the dips are the only sign in play). */
function night(seconds: number, at: (s: number) => Moment, rules = RULES) {
  const d = new WearerDetector({}, { rules });
  const out: Decision[] = [];
  for (let s = 1; s < seconds; s++) {
    const m = at(s);
    const data = { hr: Math.round(m.hr), spo2: Math.round(m.spo2), activity: Math.round(m.activity), onBody: true };
    out.push(...d.onSample({ t: s * S, deviceId: 'wrist', message: { stream: 'vitals', data } }));
    if (s % 2 === 0)
      out.push(...d.onSample({ t: s * S + 100, deviceId: 'room', message: { stream: 'presence', data: { occupied: true, motion: 1 } } }));
    out.push(...d.tick(s * S + 500));
  }
  return out;
}
const alerts = (out: Decision[]) => out.filter((x) => x.kind === 'responder_alert');

/**
 * Obstructive sleep apnoea after 10 min of calm sleep: every `cycle` s an event whose desaturation
 * falls for 15 s and holds ~45 s, then an arousal: with `surge` the pulse +14 for ~10 s and, with
 * `move`, a small wrist movement; SpO2 recovers in ~10 s either way (the arousal ends the obstruction).
 * The night's first events are shallow (4.5 points, no sign on their own); from 20 min on they reach
 * `depth` points below 96 (a sign, were it not for the cycles).
 */
const osa =
  (cycle: number, depth: number, move: boolean, surge = true) =>
  (s: number): Moment => {
    if (s < 600) return { spo2: 96, hr: 58, activity: 1 };
    const c = (s - 600) % cycle;
    const dip = s < 1200 ? 4.5 : depth;
    if (c < 60) return { spo2: 96 - dip * Math.min(1, c / 15), hr: 58, activity: 1 };
    if (c < 70) return { spo2: 96 - dip * (1 - (c - 60) / 10), hr: surge ? 72 : 58, activity: move && c < 63 ? 12 : 1 };
    return { spo2: 96, hr: surge ? 60 : 58, activity: 1 };
  };

describe('arousal: the cycles of obstructive sleep apnoea end themselves', () => {
  it.each([
    [90, 6, true],
    [75, 7, false],
    [80, 6, true],
  ])('cycles of %s s, dips growing to %s points, arousals (movement: %s): no responder alert over 2 h', (cycle, depth, move) => {
    expect(alerts(night(7200, osa(cycle, depth, move)))).toEqual([]);
  });

  it('without the arousal rule the same night alerts responders (the moderate dips and the still room count as signs)', () => {
    const without = RULES.filter((r) => r.name !== 'arousal');
    expect(alerts(night(7200, osa(90, 6, true), without)).length).toBeGreaterThan(0);
  });

  it('an overdose in the same sleeper: the fall that does not end, with a flat pulse and no movement, still alerts', () => {
    const at = (s: number): Moment => {
      if (s < 1800) return osa(90, 6, true)(s);
      // from 1800 s: no more arousals; SpO2 falls 0.1 point/s and does not recover
      return { spo2: Math.max(75, 96 - 0.1 * (s - 1800)), hr: 56, activity: 1 };
    };
    const a = alerts(night(2400, at));
    expect(a.length).toBeGreaterThan(0);
    // arousals stop counting 90 s after the last one; a 10-point fall is never held back
    expect(a[0]!.t).toBeLessThan(1800 * S + 200 * S);
  });

  // Arousals are only recent ones, and only out of a quiet wrist: awake movement with the pulse rising
  // at each move is not rousing from anything, so neither a fall 120 s later (apnoea, 0.3 points/s)
  // nor one right after it (0.15 points/s) is held back: each alerts when the detector without the rule does.
  it.each([
    ['awake movement, 120 s still, then apnoea', 420, 0.3],
    ['awake movement, then a fall right after it', 320, 0.15],
  ])('%s: the responder alert comes as it would without the arousal rule', (_name, fallAt, rate) => {
    const at = (s: number): Moment => {
      if (s < 300) return { spo2: 97, hr: 75 + (s % 40 < 5 ? 15 : 0), activity: s % 30 < 5 ? 15 : 3 };
      if (s < fallAt) return { spo2: 97, hr: 70, activity: 1 };
      return { spo2: Math.max(70, 97 - rate * (s - fallAt)), hr: 70, activity: 1 };
    };
    const withRule = alerts(night(700, at))[0]?.t;
    const without = alerts(
      night(
        700,
        at,
        RULES.filter((r) => r.name !== 'arousal'),
      ),
    )[0]?.t;
    expect(without).toBeDefined();
    expect(withRule).toBe(without);
  });

  it('a noisy wrist sensor (a reading of 8-9 every ~20 s in a still sleeper) does not hide the arousals: the same night raises no responder alert', () => {
    // quiet is judged on the activity's 30 s average, so a sensor's stray readings do not make a sleeper look awake
    const noisy = (s: number): Moment => {
      const m = osa(90, 6, true)(s);
      return s % 19 === 0 && m.activity < 8 ? { ...m, activity: 8 + (s % 2) } : m;
    };
    expect(alerts(night(7200, noisy))).toEqual([]);
  });
  // A respiratory arousal need not show in the pulse or at the wrist, but it still ends the obstruction:
  // SpO2 climbs back by itself (resaturation). Opioid depression does not resaturate by itself.
  it('cycles whose arousals show neither in the pulse nor at the wrist: the dips that climb back by themselves are the arousal evidence, no responder alert over 2 h', () => {
    expect(alerts(night(7200, osa(90, 6, false, false)))).toEqual([]);
  });

  it('an overdose after such cycles (the fall does not climb back) still alerts', () => {
    const at = (s: number): Moment => {
      if (s < 1800) return osa(90, 6, false, false)(s);
      return { spo2: Math.max(75, 96 - 0.1 * (s - 1800)), hr: 56, activity: 1 };
    };
    const a = alerts(night(2400, at));
    expect(a.length).toBeGreaterThan(0);
    expect(a[0]!.t).toBeLessThan(1800 * S + 200 * S);
  });
});

describe('arousal: resaturation without intervention', () => {
  /** A still sleeper (SpO2 baseline 96, wrist at 1) with a flat pulse of 58: only SpO2 shows the arousals. */
  function stillSleeper() {
    const rule = new ArousalPattern();
    const p = newPicture(DEFAULT_THRESHOLDS);
    p.spo2Base = 96;
    p.activity = 1;
    const hr: Reading = { kind: 'hr', t: 0, dt: 1000, value: 58, occupied: false, open: false, endedMs: -1, device: 'wrist' };
    const x: Reading = { kind: 'spo2', t: 0, dt: 1000, value: 96, occupied: false, open: false, endedMs: -1, device: 'wrist' };
    return { rule, p, hr, x };
  }

  /** Dips (five in the default 460 s: the count decays over 10 min) of `depth` points below a baseline of 96 that climb back within 10 s, 90 s apart, for `seconds`; `busy` marks an episode under way. */
  function dips(depth: number, busy: (s: number) => boolean, seconds = 460) {
    const { rule, p, hr, x } = stillSleeper();
    for (let s = 1; s <= seconds; s++) {
      const c = s % 90;
      x.t = s * S;
      x.value = c < 40 ? 96 - depth * Math.min(1, c / 15) : c < 50 ? 96 - depth * (1 - (c - 40) / 10) : 96;
      p.idle = !busy(s);
      hr.t = s * S;
      rule.observe(hr, p);
      rule.observe(x, p);
    }
    return rule.rousing(seconds * S);
  }

  it('dips of 3 points that climb back by themselves make a rousing wearer', () => {
    expect(dips(3, () => false)).toBe(true);
  });

  it('a 1-point ripple (sensor noise, sleep drift) is not a resaturation', () => {
    expect(dips(1, () => false)).toBe(false);
  });

  it('a climb back within 180 s of a check-in or an alert is the intervention working (the prompt woke them, naloxone), not an arousal', () => {
    expect(dips(3, (s) => s % 90 < 2)).toBe(false);
    // a check-in at the start reaches the climbs of the next 180 s only
    expect(dips(3, (s) => s < 20, 460)).toBe(false);
    expect(dips(3, (s) => s < 20, 700)).toBe(true);
  });
  it('a climb back within 60 s of a counted pulse surge is the same cycle: it keeps the pattern recent, not counted again, and the count decays to it', () => {
    const { rule, p, hr, x } = stillSleeper();
    for (let s = 1; s <= 200; s++) {
      hr.t = x.t = s * S;
      hr.value = s >= 100 && s < 108 ? 72 : 58;
      // the probe shows the cycle's dip and its climb back 10-50 s after the surge
      x.value = s >= 110 && s < 140 ? 93 : s >= 140 && s < 150 ? 93 + 0.3 * (s - 140) : 96;
      rule.observe(hr, p);
      rule.observe(x, p);
    }
    const seen = rule.lastT;
    expect(seen).toBeGreaterThan(140 * S);
    expect(rule.learnt().surgeT).toBe(100 * S);
    expect(rule.learnt().count).toBeCloseTo(Math.exp(-(seen - 100 * S) / 600_000), 3);
  });
});
