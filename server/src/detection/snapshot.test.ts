// The detector snapshot (snapshot.ts, issue 14): what the rules learnt over hours goes into a small versioned record
// and comes back into a fresh detector; a snapshot of another version or an unreadable one is refused, never half
// restored; replayed readings the snapshot already counted are not counted twice. Virtual time throughout.
import { describe, expect, it } from 'vitest';
import { DetectionEngine } from './engine.js';
import { MAX_SNAPSHOT_BYTES, SNAPSHOT_VERSION, restoreSnapshot, snapshotOf } from './snapshot.js';
import { WearerDetector } from './wearer-detector.js';
import type { Sample } from './types.js';

const S = 1000;
const vitals = (t: number, hr: number, spo2: number, rr: number, activity = 0): Sample => ({
  t,
  deviceId: 'wrist',
  message: { stream: 'vitals', data: { hr, spo2, rr, activity, onBody: true } },
});
const presence = (t: number, device: string, motion: number): Sample => ({
  t,
  deviceId: device,
  message: { stream: 'presence', data: { occupied: true, motion } },
});

/** 20 min of calm vitals (SpO2 95, RR 15, HR 64) and four room sensors in turns moving and still; a door closes. */
function lived(): WearerDetector {
  const d = new WearerDetector();
  for (let s = 0; s < 1200; s++) {
    d.onSample(vitals(s * S, 64, 95, 15));
    if (s % 2 === 0)
      for (const [i, dev] of ['a', 'b', 'c', 'd'].entries()) d.onSample(presence(s * S, dev, (s / 60) % 2 < 1 ? 20 * (i + 1) : i + 1));
  }
  d.onSample({ t: 1200 * S, deviceId: 'door', message: { stream: 'door', data: { open: false } } });
  return d;
}

describe('detector snapshot', () => {
  it('carries the baselines, every room scale and the door into a fresh detector', () => {
    const d = lived();
    const snap = snapshotOf(d, 1200 * S)!;
    expect(snap.version).toBe(SNAPSHOT_VERSION);
    // bounded: four room sensors (the most a wearer keeps) of 42 bins each
    expect(snap.data.length).toBeLessThan(MAX_SNAPSHOT_BYTES);
    const fresh = new WearerDetector();
    expect(restoreSnapshot(fresh, snap)).toBe('restored');
    expect(fresh.calibration()).toEqual(d.calibration());
    expect(fresh.calibration().room.map((r) => r.learnt)).toEqual([true, true, true, true]);
    expect(JSON.parse(snap.data).rules.stillness.doorClosed).toBe(true);
    // a second snapshot of the restored detector is the same record
    expect(snapshotOf(fresh, 1200 * S)!.data).toBe(snap.data);
    // each scale was confirmed by moving bouts (a minute moving, a minute still, in turns), and that is kept
    const scales = JSON.parse(snap.data).rules.stillness.scales as { confirmed?: boolean; runs?: number[] }[];
    expect(scales.map((x) => x.confirmed)).toEqual([true, true, true, true]);
    expect(fresh.calibration().room.map((r) => r.warning)).toEqual([null, null, null, null]);
  });

  it('a snapshot from before the scales kept their time structure restores them as not confirmed (the bounded fallback stays in force)', () => {
    const d = lived();
    const data = JSON.parse(snapshotOf(d, 1200 * S)!.data);
    for (const x of data.rules.stillness.scales) {
      delete x.confirmed;
      delete x.runs;
    }
    const fresh = new WearerDetector();
    expect(restoreSnapshot(fresh, { version: SNAPSHOT_VERSION, at: 1200 * S, data: JSON.stringify(data) })).toBe('restored');
    const room = fresh.calibration().room;
    expect(room.map((r) => r.factor)).toEqual(d.calibration().room.map((r) => r.factor));
    for (const r of room) expect(r.warning).toMatch(/scale not confirmed yet/);
    // runs out of range are refused
    data.rules.stillness.scales[0].runs = new Array(42).fill(9);
    expect(restoreSnapshot(new WearerDetector(), { version: SNAPSHOT_VERSION, at: 1200 * S, data: JSON.stringify(data) })).toBe(
      'malformed',
    );
  });

  it('a scale not learnt yet keeps its entry prior, and a learnt factor is kept, through the snapshot', () => {
    // a radar x0.1: someone walks into the empty room reading 2-3 (on the reference scale, stillness)
    const d = new WearerDetector();
    d.onSample({ t: 0, deviceId: 'r', message: { stream: 'presence', data: { occupied: false, motion: 0 } } });
    for (let s = 2; s <= 12; s += 2) d.onSample(presence(s * S, 'r', 2 + (s % 4 === 0 ? 1 : 0)));
    const before = d.calibration().room[0]!;
    expect(before.learnt).toBe(false);
    expect(before.factor).toBeLessThan(0.2);
    const fresh = new WearerDetector();
    expect(restoreSnapshot(fresh, snapshotOf(d, 12 * S)!)).toBe('restored');
    // without the prior in the snapshot the restored sensor read 2-3 as stillness again (factor 1)
    expect(fresh.calibration().room[0]!.factor).toBe(before.factor);
  });

  it('a snapshot of another version is refused and leaves the detector as it was', () => {
    const snap = snapshotOf(lived(), 1200 * S)!;
    const fresh = new WearerDetector();
    const before = fresh.calibration();
    expect(restoreSnapshot(fresh, { ...snap, version: SNAPSHOT_VERSION + 1 })).toBe('unknown_version');
    expect(restoreSnapshot(fresh, { ...snap, version: 0 })).toBe('unknown_version');
    expect(fresh.calibration()).toEqual(before);
  });

  it('unreadable snapshots are refused (not JSON, wrong shapes, out of range, too large); the engine then keeps no detector', () => {
    const snap = snapshotOf(lived(), 1200 * S)!;
    const bad = [
      'not json',
      'null',
      '[]',
      '{"rules":[]}',
      '{"rules":{"desaturation":{"base":"97","seenMs":60000}}}',
      '{"rules":{"desaturation":{"base":400,"seenMs":60000}}}',
      '{"rules":{"stillness":{"doorClosed":null,"scales":[{"device":"r","hist":[1,2],"total":3,"samples":3}]}}}',
      '{"rules":{"arousal":{"count":-1,"lastT":null}}}',
      JSON.stringify({ rules: {}, pad: 'x'.repeat(MAX_SNAPSHOT_BYTES) }),
    ];
    const engine = new DetectionEngine();
    for (const data of bad) {
      expect(restoreSnapshot(new WearerDetector(), { ...snap, data }), data.slice(0, 60)).toBe('malformed');
      expect(engine.restore('w', { ...snap, data })).toBe('malformed');
      expect(engine.size).toBe(0);
    }
    // rules it does not name stay fresh (a rule added since the snapshot was written)
    expect(restoreSnapshot(new WearerDetector(), { ...snap, data: '{"rules":{"unknown-rule":{"x":1}}}' })).toBe('restored');
  });

  it('self-ending pauses the snapshot counted are not counted again when the replay feeds their readings once more', () => {
    // obstructive sleep apnoea: a 12 s pause that ends by itself every minute
    const night = (d: WearerDetector, from: number, to: number) => {
      for (let s = from; s < to; s++) d.onSample(vitals(s * S, 62, 95, s % 60 >= 40 && s % 60 < 52 ? 0 : 14));
    };
    const recurrent = (x: WearerDetector) =>
      (JSON.parse(snapshotOf(x, 600 * S)!.data) as { rules: { 'sleep-apnoea': { recurrent: number } } }).rules['sleep-apnoea'].recurrent;
    const d = new WearerDetector();
    night(d, 0, 600);
    expect(recurrent(d)).toBeGreaterThan(3);
    // a takeover: restored, then the last 3 minutes replayed (three pauses the snapshot already counted)
    const r = new WearerDetector();
    restoreSnapshot(r, snapshotOf(d, 600 * S)!);
    night(r, 420, 600);
    expect(recurrent(r)).toBeCloseTo(recurrent(d), 3);
  });
  it('resaturations the snapshot counted as arousals are not counted again by the replay', () => {
    // obstructive cycles the pulse does not show: SpO2 falls 4 points and climbs back by itself every 90 s
    const night = (d: WearerDetector, from: number, to: number) => {
      for (let s = from; s < to; s++) {
        const c = s % 90;
        const spo2 = s < 120 || c >= 50 ? 96 : c < 40 ? 96 - 4 * Math.min(1, c / 15) : 96 - 4 * (1 - (c - 40) / 10);
        d.onSample(vitals(s * S, 60, Math.round(spo2), 14, 1));
      }
    };
    const arousals = (x: WearerDetector) =>
      (JSON.parse(snapshotOf(x, 900 * S)!.data) as { rules: { arousal: { count: number } } }).rules.arousal.count;
    const d = new WearerDetector();
    night(d, 0, 900);
    expect(arousals(d)).toBeGreaterThan(3);
    const r = new WearerDetector();
    restoreSnapshot(r, snapshotOf(d, 900 * S)!);
    night(r, 720, 900);
    expect(arousals(r)).toBeCloseTo(arousals(d), 3);
  });
});
