// Detection rules in virtual time: every test feeds timestamped samples and ticks; nothing sleeps.
import { describe, expect, it } from 'vitest';
import { WearerDetector } from './wearer-detector.js';
import type { Decision } from './types.js';
import type { VitalsPayload } from '../protocol/index.js';

const S = 1000;
const normal: VitalsPayload = { hr: 75, spo2: 97, rr: 14, activity: 10, onBody: true };

/** Feeds 1 Hz vitals from `from` to `to` seconds; returns all decisions with their times. */
function feed(d: WearerDetector, from: number, to: number, v: (s: number) => VitalsPayload): Decision[] {
  const out: Decision[] = [];
  for (let s = from; s < to; s++) {
    out.push(...d.onSample({ t: s * S, deviceId: 'wrist', message: { stream: 'vitals', data: v(s) } }));
    out.push(...d.tick(s * S + 500));
  }
  return out;
}
const kinds = (ds: Decision[]) => ds.map((x) => x.kind);
const first = (ds: Decision[], kind: Decision['kind']) => ds.find((x) => x.kind === kind);

describe('apnea (PRODIGY: apnea precedes most serious harm)', () => {
  it('prompts the wearer after 15 s without breathing, then alerts responders when the 15 s check-in goes unanswered', () => {
    const d = new WearerDetector();
    const out = feed(d, 0, 120, (s) => (s < 30 ? normal : { ...normal, rr: 0 }));
    const prompt = first(out, 'wearer_prompt');
    const alert = first(out, 'responder_alert');
    expect(prompt?.t).toBe(45 * S);
    expect(prompt && 'reasons' in prompt ? prompt.reasons[0] : '').toMatch(/no breathing for 15s/);
    expect(alert?.t).toBeGreaterThanOrEqual(59 * S);
    expect(alert?.t).toBeLessThanOrEqual(60.5 * S);
    expect(kinds(out).filter((k) => k === 'responder_alert')).toHaveLength(1);
  });

  it('a wearer pressing OK inside the window cancels: no responder alert', () => {
    const d = new WearerDetector();
    const out = feed(d, 0, 50, (s) => (s < 30 ? normal : { ...normal, rr: 0 }));
    expect(kinds(out)).toContain('wearer_prompt');
    out.push(...d.onSample({ t: 50 * S, deviceId: 'wrist', message: { stream: 'button', data: { action: 'ok' } } }));
    out.push(...feed(d, 51, 70, () => normal));
    expect(kinds(out)).toContain('cancelled');
    expect(kinds(out)).not.toContain('responder_alert');
  });

  it('clear recovery during the check-in cancels it (hysteresis: 10 s clear)', () => {
    const d = new WearerDetector();
    const out = feed(d, 0, 47, (s) => (s < 30 ? normal : { ...normal, rr: 0 }));
    out.push(...feed(d, 47, 90, () => normal));
    const c = first(out, 'cancelled');
    expect(c && c.kind === 'cancelled' ? c.reason : null).toBe('recovered');
    expect(kinds(out)).not.toContain('responder_alert');
  });

  it('skips the check-in when the picture is critical (apnea >= 30 s with falling SpO2)', () => {
    const d = new WearerDetector({ apneaSeconds: 40 });
    const out = feed(d, 0, 200, (s) => (s < 120 ? normal : { ...normal, rr: 0, spo2: s < 140 ? 97 : 97 - (s - 140) * 0.3 }));
    expect(kinds(out)[0]).toBe('responder_alert');
  });
});

describe('signal quality', () => {
  it('single-sample RR=0 glitches never start an emergency', () => {
    const d = new WearerDetector();
    const out = feed(d, 0, 600, (s) => (s % 10 === 0 ? { ...normal, rr: 0 } : normal));
    expect(out.filter((x) => x.kind !== 'technical')).toEqual([]);
  });

  it('a single normal reading during apnea does not reset the apnea timer', () => {
    const d = new WearerDetector();
    const out = feed(d, 0, 80, (s) => (s < 30 ? normal : s === 40 ? normal : { ...normal, rr: 0 }));
    expect(first(out, 'wearer_prompt')?.t).toBe(45 * S);
  });

  it('off-body readings are a technical notice, not an emergency', () => {
    const d = new WearerDetector();
    const out = feed(d, 0, 300, (s) => (s < 30 ? normal : { hr: null, spo2: null, rr: 0, onBody: false }));
    expect(kinds(out)).toEqual(['technical']);
    expect(out[0]).toMatchObject({ issue: 'off_body' });
  });

  it('a stale stream cannot grow an apnea: no data, no emergency (but a technical notice)', () => {
    const d = new WearerDetector();
    const out = feed(d, 0, 35, (s) => (s < 30 ? normal : { ...normal, rr: 0 }));
    for (let s = 35; s < 200; s++) out.push(...d.tick(s * S));
    expect(kinds(out)).toEqual(['technical']);
  });

  it('implausible values count as "could not compute"', () => {
    const d = new WearerDetector();
    const out = feed(d, 0, 200, () => ({ ...normal, spo2: 12, hr: 400 }));
    expect(out).toEqual([]);
  });
});

describe('respiratory depression (Second Chance RR <= 7; NEWS2 RR <= 8 scores 3)', () => {
  it('sustained RR 6/min for 30 s prompts, naming the rate', () => {
    const d = new WearerDetector();
    const out = feed(d, 0, 100, (s) => (s < 20 ? normal : { ...normal, rr: 6 }));
    const p = first(out, 'wearer_prompt');
    expect(p?.t).toBe(50 * S);
    expect(p && 'reasons' in p ? p.reasons.join() : '').toMatch(/breathing 6\/min/);
  });

  it('RR 9/min (above the line) never prompts', () => {
    const d = new WearerDetector();
    expect(feed(d, 0, 600, () => ({ ...normal, rr: 9 }))).toEqual([]);
  });
});

describe('saturation, oximeter-only wearables (no RR)', () => {
  it('SpO2 <= 88 % for 30 s prompts with the fall from baseline', () => {
    const d = new WearerDetector();
    const out = feed(d, 0, 200, (s) => ({ hr: 80, spo2: s < 100 ? 97 : 85, rr: null, onBody: true }));
    const p = first(out, 'wearer_prompt');
    expect(p?.t).toBe(130 * S);
    expect(p && 'reasons' in p ? p.reasons[0] : '').toMatch(/SpO2 85%, 12 below baseline, for 30s/);
  });

  it('a brief dip (10 s) does not', () => {
    const d = new WearerDetector();
    expect(feed(d, 0, 200, (s) => ({ hr: 80, spo2: s >= 100 && s < 110 ? 84 : 97, rr: null }))).toEqual([]);
  });
});

describe('bradycardia is late: it escalates, never starts', () => {
  it('HR 40 alone raises nothing', () => {
    const d = new WearerDetector();
    expect(feed(d, 0, 300, () => ({ ...normal, hr: 40 }))).toEqual([]);
  });
  it('HR 40 with apnea adds to the score and names it', () => {
    const d = new WearerDetector();
    const out = feed(d, 0, 60, (s) => (s < 30 ? normal : { ...normal, rr: 0, hr: 40 }));
    const p = first(out, 'wearer_prompt');
    expect(p && 'reasons' in p ? p.reasons.join() : '').toMatch(/heart rate 40/);
  });
});

describe('stillness with presence (Brave: 3 min)', () => {
  it('room-only: occupied and still for 180 s prompts', () => {
    const d = new WearerDetector();
    const out: Decision[] = [];
    for (let s = 0; s < 400; s += 2) {
      out.push(...d.onSample({ t: s * S, deviceId: 'room', message: { stream: 'presence', data: { occupied: true, motion: s < 60 ? 40 : 1 } } }));
    }
    const p = first(out, 'wearer_prompt');
    expect(p?.t).toBe(240 * S);
  });
  it('an empty room is never "still"', () => {
    const d = new WearerDetector();
    const out: Decision[] = [];
    for (let s = 0; s < 600; s += 2) out.push(...d.onSample({ t: s * S, deviceId: 'room', message: { stream: 'presence', data: { occupied: false, motion: 0 } } }));
    expect(out).toEqual([]);
  });
});

describe('help button', () => {
  it('pressing help alerts responders at once', () => {
    const d = new WearerDetector();
    const out = d.onSample({ t: 5 * S, deviceId: 'wrist', message: { stream: 'button', data: { action: 'help' } } });
    expect(out[0]).toMatchObject({ kind: 'responder_alert', score: 100, reasons: ['wearer pressed help'] });
  });
});

describe('technical notices', () => {
  it('low battery once per crossing', () => {
    const d = new WearerDetector();
    const a = d.onSample({ t: 0, deviceId: 'wrist', message: { stream: 'status', data: { state: 'online', battery: 12 } } });
    const b = d.onSample({ t: 1000, deviceId: 'wrist', message: { stream: 'status', data: { state: 'online', battery: 11 } } });
    expect(kinds(a)).toEqual(['technical']);
    expect(b).toEqual([]);
  });
  it('a device going offline during a check-in escalates instead', () => {
    const d = new WearerDetector();
    const out = feed(d, 0, 47, (s) => (s < 30 ? normal : { ...normal, rr: 0 }));
    expect(kinds(out)).toEqual(['wearer_prompt']);
    const off = d.onSample({ t: 48 * S, deviceId: 'wrist', message: { stream: 'status', data: { state: 'offline' } } });
    expect(off[0]?.kind).toBe('responder_alert');
  });
});
