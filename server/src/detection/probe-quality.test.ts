// A finger probe that slips, is pressed or sits badly, tested from the sensor physics: arterial
// saturation moves at most about a point a second (apnoea 0.2-0.3/s) and a probe averages over
// seconds, so a reading 10-25 points away from the last within seconds is the probe, not blood;
// the person meanwhile breathes 12-18/min with a normal pulse. The same gate must let a real
// apnoea desaturation (steady readings falling up to ~1 point a second) through.
import { describe, expect, it } from 'vitest';
import { WearerDetector } from './wearer-detector.js';
import type { Decision } from './types.js';

const S = 1000;
interface Moment {
  spo2: number | null;
  hr: number | null;
  rr?: number;
}

/** A wearable at 1 Hz (RR only when the moment has it), wrist still; ticks between samples. */
function run(seconds: number, at: (s: number) => Moment) {
  const d = new WearerDetector();
  const out: Decision[] = [];
  for (let s = 0; s < seconds; s++) {
    const m = at(s);
    const data = { hr: m.hr, spo2: m.spo2, ...(m.rr !== undefined ? { rr: m.rr } : {}), activity: 2, onBody: true };
    out.push(...d.onSample({ t: s * S, deviceId: 'wrist', message: { stream: 'vitals', data } }));
    out.push(...d.tick(s * S + 500));
  }
  return { d, out };
}
const raised = (out: Decision[]) => out.filter((x) => x.kind === 'wearer_prompt' || x.kind === 'responder_alert');
/** spurious readings of a slipping probe: nothing, or a value anywhere in 68-88 (deterministic) */
const spurious = (s: number) => (s % 3 === 0 ? null : 68 + ((s * 7) % 21));

describe('probe quality: a slipping probe is not a desaturation', () => {
  for (const rr of [undefined, 15]) {
    const who = rr === undefined ? 'oximeter only' : 'with RR 15/min';
    it(`${who}: spurious 68-88% for 90 s after a steady 97% raises nothing, and the readings are counted as held`, () => {
      const { d, out } = run(600, (s) => {
        const off = s >= 200 && s < 290;
        return { spo2: off ? spurious(s) : 97, hr: off ? (s % 3 === 0 ? null : 40 + ((s * 13) % 100)) : 70, rr };
      });
      expect(raised(out)).toEqual([]);
      expect(d['sq'].probeHeld).toBeGreaterThan(50);
    });

    it(`${who}: the probe reading nothing for 6 s, then spurious values: a step across the gap is still a step`, () => {
      // a slipping probe as seen: "could not compute" for 6 s, then 70-87% with gaps, the pulse rate anywhere
      const spell = [
        null,
        null,
        null,
        null,
        null,
        null,
        70,
        72,
        70,
        null,
        null,
        null,
        75,
        null,
        null,
        null,
        77,
        null,
        null,
        null,
        null,
        null,
        86,
      ];
      const tail = [null, null, 82, 87, 76, null, 81, 79, null, 84, 72];
      const seq = [...spell, ...tail, ...tail, ...tail];
      const { out } = run(500, (s) => {
        const k = s - 200;
        if (k >= 0 && k < seq.length) return { spo2: seq[k]!, hr: seq[k] === null ? null : 60 + ((s * 11) % 70), rr };
        return { spo2: 97, hr: 70, rr };
      });
      expect(raised(out)).toEqual([]);
    });
  }

  it('readings count again once the probe is back and steady for 10 s: a later real desaturation is seen', () => {
    const { out } = run(700, (s) => {
      if (s >= 200 && s < 230) return { spo2: spurious(s), hr: 70 };
      // from 400 s an apnoea-like fall at 0.5 points/s down to 70% (sample by sample: steady)
      if (s >= 400) return { spo2: Math.max(70, Math.round(97 - 0.5 * (s - 400))), hr: 70 };
      return { spo2: 97, hr: 70 };
    });
    const r = raised(out);
    expect(r.length).toBeGreaterThan(0);
    expect(r[0]!.t).toBeGreaterThan(400 * S);
    expect(out.some((x) => x.kind === 'responder_alert' && x.t < 480 * S)).toBe(true);
  });

  it('the fastest physiological fall (1 point/s, a display refreshed every 2 s) is never held', () => {
    const { d } = run(300, (s) => ({ spo2: s < 200 ? 97 : Math.max(60, 97 - 2 * Math.floor((s - 200) / 2)), hr: 70 }));
    expect(d['sq'].probeHeld).toBe(0);
  });
});
