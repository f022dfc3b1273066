// Store-and-forward replays (docs/firmware-protocol.md, "Old data"): a sample older than the stale
// limit (ageMs > th.staleMs) never starts, escalates or cancels an emergency by itself; it still
// counts toward the picture, so live data that confirms it alerts at once. A help press always alerts.
import { describe, expect, it } from 'vitest';
import { WearerDetector } from './wearer-detector.js';
import type { Decision, Sample } from './types.js';

const S = 1000;
const vitals = (t: number, rr: number, spo2: number, ageMs?: number): Sample => ({
  t,
  deviceId: 'wrist',
  ageMs,
  message: { stream: 'vitals', data: { hr: 80, spo2, rr, activity: 5, onBody: true } },
});
const emergencies = (ds: Decision[]) =>
  ds.filter((d) => d.kind === 'wearer_prompt' || d.kind === 'responder_alert' || d.kind === 'update' || d.kind === 'cancelled');

describe('late samples (ageMs > staleMs) never start an emergency', () => {
  it('a replayed apnea raises nothing by itself, and the first live sample that confirms it alerts at once', () => {
    const d = new WearerDetector();
    const out: Decision[] = [];
    for (let s = 0; s < 30; s++) out.push(...d.onSample(vitals(s * S, 14, 97)));
    // 90 s of apnea with falling SpO2, delivered 2 minutes late by a gateway after an outage
    for (let s = 30; s < 120; s++) out.push(...d.onSample(vitals(s * S, 0, Math.max(80, 97 - (s - 50) * 0.3), 120_000)));
    expect(emergencies(out)).toEqual([]);
    const live = d.onSample(vitals(120 * S, 0, 80, 0));
    expect(live.map((x) => x.kind)).toEqual(['responder_alert']);
    expect(live[0] && 'reasons' in live[0] ? live[0].reasons[0] : '').toMatch(/no breathing for 90 ?s/);
  });

  it('a reading only a little late (within the stale limit) is live and can alert', () => {
    const d = new WearerDetector();
    const out: Decision[] = [];
    for (let s = 0; s < 30; s++) out.push(...d.onSample(vitals(s * S, 14, 97, 5_000)));
    for (let s = 30; s < 80; s++) out.push(...d.onSample(vitals(s * S, 0, 90, 5_000)));
    expect(out.map((x) => x.kind)).toContain('wearer_prompt');
  });

  it('ticks after a late-only burst raise nothing: old data alone never pages anyone', () => {
    const d = new WearerDetector();
    const out: Decision[] = [];
    for (let s = 0; s < 120; s++) out.push(...d.onSample(vitals(s * S, 0, 80, 300_000)));
    for (let s = 120; s < 400; s += 5) out.push(...d.tick(s * S + 300_000));
    expect(emergencies(out)).toEqual([]);
  });

  it('a help press is never discarded: a late one still alerts, marked as delivered late', () => {
    const d = new WearerDetector();
    const out = d.onSample({ t: 10 * S, deviceId: 'wrist', ageMs: 95_000, message: { stream: 'button', data: { action: 'help' } } });
    expect(out.map((x) => x.kind)).toEqual(['responder_alert']);
    expect(out[0] && 'reasons' in out[0] ? out[0].reasons[0] : '').toBe('wearer pressed help 95s ago (delivered late)');
  });

  it('a late OK does not cancel a live check-in, and a late offline status does not escalate it', () => {
    const d = new WearerDetector();
    const out: Decision[] = [];
    for (let s = 0; s < 30; s++) out.push(...d.onSample(vitals(s * S, 14, 97)));
    for (let s = 30; s < 46; s++) out.push(...d.onSample(vitals(s * S, 0, 95)));
    expect(out.map((x) => x.kind)).toContain('wearer_prompt');
    expect(d.state).toBe('prompting');
    expect(d.onSample({ t: 20 * S, deviceId: 'wrist', ageMs: 26_000, message: { stream: 'button', data: { action: 'ok' } } })).toEqual([]);
    expect(
      d
        .onSample({ t: 20 * S, deviceId: 'wrist', ageMs: 26_000, message: { stream: 'status', data: { state: 'offline' } } })
        .map((x) => x.kind),
    ).not.toContain('responder_alert');
    expect(d.state).toBe('prompting');
  });
});
