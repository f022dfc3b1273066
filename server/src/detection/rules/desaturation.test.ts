// The desaturation rule and the probe's lag, tested from the physiology: a finger probe shows SpO2
// 10-35 s late and smoothed over 3-12 s, so a breathing pause that has already ended (breathing seen
// again by the wearable) shows as a dip that starts after it: the pause's late tail, not a new sign.
import { describe, expect, it } from 'vitest';
import { WearerDetector } from '../wearer-detector.js';
import type { Decision } from '../types.js';

const S = 1000;
interface Moment {
  rr: number;
  spo2: number;
}

/** An RR wearable at 1 Hz (pulse 60, still wrist), ticked every second. */
function run(seconds: number, at: (s: number) => Moment) {
  const d = new WearerDetector();
  const out: Decision[] = [];
  for (let s = 1; s < seconds; s++) {
    const m = at(s);
    const data = { hr: 60, spo2: Math.round(m.spo2), rr: m.rr, activity: 1, onBody: true };
    out.push(...d.onSample({ t: s * S, deviceId: 'wrist', message: { stream: 'vitals', data } }));
    out.push(...d.tick(s * S + 500));
  }
  return out;
}
const raised = (out: Decision[]) => out.filter((x) => x.kind === 'wearer_prompt' || x.kind === 'responder_alert');

/**
 * Calm for 10 min (SpO2 96, RR 14), then breathing slows and pauses for `pause` s from 600 s and comes
 * back at 14/min; the probe shows the dip `lag` s after the pause began: 8 points in 10 s, held `hold` s, back in 10 s.
 */
const pauseThenTail =
  (pause: number, lag: number, hold: number, rrAfter = 14) =>
  (s: number): Moment => {
    const rr = s < 592 ? 14 : s < 600 ? 6 : s < 600 + pause ? 0 : s < 1000 ? rrAfter : 14;
    const d = s - (600 + lag);
    const dip = d < 0 ? 0 : d < 10 ? 0.8 * d : d < 10 + hold ? 8 : d < 20 + hold ? 8 - 0.8 * (d - 10 - hold) : 0;
    return { rr, spo2: 96 - dip };
  };

describe('desaturation: the probe lag', () => {
  it('a dip that shows within 45 s after breathing is seen again is the late tail of the pause: no check-in', () => {
    // a 12 s pause (short of the apnoea trigger); the probe (35 s late) shows its dip 23 s after breathing came back
    expect(raised(run(1200, pauseThenTail(12, 35, 30)))).toEqual([]);
  });

  it('a dip while breathing stays depressed (4/min after the pause: no breathing seen again) is a sign', () => {
    expect(raised(run(1200, pauseThenTail(12, 35, 30, 4))).length).toBeGreaterThan(0);
  });

  it('a desaturation that lasts well past the probe lag with breathing seen is a sign again', () => {
    // still 8 points down 2.5 min after breathing came back: not the tail of that pause
    expect(raised(run(1200, pauseThenTail(12, 35, 150))).length).toBeGreaterThan(0);
  });

  it('a dip that starts long after breathing came back is not a tail', () => {
    expect(raised(run(1200, pauseThenTail(12, 90, 30))).length).toBeGreaterThan(0);
  });
});
