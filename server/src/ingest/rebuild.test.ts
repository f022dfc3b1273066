// The detector rebuild of a new core (rebuild.ts): replayed stored points put a fresh detector where the old core's
// was, so an apnoea in progress alerts when it would have without the takeover; and of what the replay decided only
// what the store does not show is handed on.
import { describe, expect, it } from 'vitest';
import { DetectionEngine, type WearerDecision } from '../detection/index.js';
import type { VitalsPoint } from '../store/vitals.js';
import { rebuildDetectors, replayWearer, sampleOf } from './rebuild.js';

const T = Date.UTC(2026, 0, 1, 12);
const ONSET = 300;
/** One wearable sample a second: 5 min of calm breathing, apnoea from ONSET (SpO2 sliding), breathing again from `breathes`. */
function point(s: number, breathes = Infinity): VitalsPoint {
  const apnoea = s >= ONSET && s < breathes;
  return {
    t: T + s * 1000,
    deviceId: 'wrist',
    stream: 'vitals',
    hr: 70,
    spo2: apnoea ? Math.max(80, 97 - (s - ONSET) * 0.5) : 97,
    rr: apnoea ? 0 : 14,
    activity: 0,
    onBody: true,
    occupied: null,
    motion: null,
  };
}
const points = (from: number, to: number, breathes?: number) => Array.from({ length: to - from }, (_, i) => point(from + i, breathes));

/** Runs live samples from `from` to `to` (s) through the engine as server.ts does (sample, then the 1 s tick). */
function live(e: DetectionEngine, from: number, to: number, breathes?: number): WearerDecision[] {
  const out: WearerDecision[] = [];
  for (let s = from; s < to; s++) {
    out.push(...e.ingest('w', sampleOf(point(s, breathes))));
    out.push(...e.tick(T + s * 1000 + 500));
  }
  return out;
}
const alertAt = (ds: WearerDecision[]) => ds.find((d) => d.kind === 'responder_alert')?.t;

describe('replaying stored vitals into a fresh detector', () => {
  it('alerts on an apnoea half-way to its alert when the uninterrupted detector does; a fresh detector is late', () => {
    const reference = new DetectionEngine();
    const expected = alertAt(live(reference, 0, 400));
    expect(expected).toBe(T + (ONSET + 24) * 1000);

    // the old core stored the samples up to 12 s into the apnoea; the new one replays them and takes live data on
    const rebuilt = new DetectionEngine();
    const stored = points(0, ONSET + 12);
    expect(replayWearer(rebuilt, 'w', stored, T + (ONSET + 12) * 1000 - 500)).toBeNull(); // no decision yet
    expect(rebuilt.detector('w').features(T + (ONSET + 11) * 1000).apneaS).toBeGreaterThanOrEqual(10);
    expect(alertAt(live(rebuilt, ONSET + 12, 400))).toBe(expected);

    // without the rebuild: the apnoea counts from the takeover, and the SpO2 baseline is not learnt
    const fresh = new DetectionEngine();
    expect(alertAt(live(fresh, ONSET + 12, 400))! - expected!).toBeGreaterThanOrEqual(10_000);
  });

  it('turns stored points back into the samples ingest made (vitals and presence, absent readings absent)', () => {
    expect(sampleOf(point(0))).toEqual({
      t: T,
      deviceId: 'wrist',
      message: { stream: 'vitals', data: { hr: 70, spo2: 97, rr: 14, activity: 0, onBody: true } },
    });
    const room: VitalsPoint = {
      ...point(1),
      deviceId: 'room',
      stream: 'presence',
      hr: null,
      spo2: null,
      rr: null,
      occupied: true,
      motion: null,
    };
    expect(sampleOf(room)).toEqual({ t: T + 1000, deviceId: 'room', message: { stream: 'presence', data: { occupied: true } } });
  });
});

describe('what the rebuild hands on', () => {
  const rebuild = async (o: { upTo: number; breathes?: number; open?: string | null; closed?: number[]; consenting?: string[] }) => {
    const engine = new DetectionEngine();
    const stored = points(0, o.upTo, o.breathes);
    const res = await rebuildDetectors({
      engine,
      now: T + o.upTo * 1000,
      windows: async (ids, from, to) => new Map(ids.map((id) => [id, id === 'w' ? stored.filter((p) => p.t >= from && p.t <= to) : []])),
      wearers: () => o.consenting ?? ['w', 'quiet'],
      openAlert: async () => o.open ?? null,
      closedSince: async (_id, since) => (o.closed ?? []).filter((t) => t >= since),
    });
    return { engine, res };
  };

  it('the check-in the old core decided but never stored (no open alert): handed on with its own time', async () => {
    const { res, engine } = await rebuild({ upTo: ONSET + 18 });
    // the rules' evidence window (the whole registry's: this wearer's devices are not known here), not all 318 s stored
    expect(res).toMatchObject({ wearers: 1, samples: engine.rebuildWindowMs('w') / 1000 });
    expect(engine.rebuildWindowMs('w')).toBeLessThan((ONSET + 18) * 1000);
    expect(res.decisions.map((d) => [d.kind, d.wearerId, d.t])).toEqual([['wearer_prompt', 'w', T + (ONSET + 15) * 1000]]);
    expect(engine.detector('w').state).toBe('prompting');
  });

  it('nothing when the store has it: the open alert is the check-in, or already escalating', async () => {
    expect((await rebuild({ upTo: ONSET + 18, open: 'pending_checkin' })).res.decisions).toEqual([]);
    expect((await rebuild({ upTo: ONSET + 30, open: 'escalating' })).res.decisions).toEqual([]);
  });

  it('the check-in ran out on the old core before it escalated: the responder alert is handed on', async () => {
    const { res } = await rebuild({ upTo: ONSET + 30, open: 'pending_checkin' });
    expect(res.decisions.map((d) => d.kind)).toEqual(['responder_alert']);
  });

  it('an alert people closed during the episode closes the replayed one: no alert raised again', async () => {
    // apnoea 30 s, breathing again, resolved by a responder at +45 s; the detector stays alerted until 5 min clear
    const closedAt = T + (ONSET + 45) * 1000;
    const without = await rebuild({ upTo: ONSET + 60, breathes: ONSET + 30 });
    expect(without.res.decisions.map((d) => d.kind)).toEqual(['responder_alert']);
    const { res, engine } = await rebuild({ upTo: ONSET + 60, breathes: ONSET + 30, closed: [closedAt] });
    expect(res.decisions).toEqual([]);
    expect(engine.detector('w').state).toBe('idle');
  });

  it('only consenting wearers are rebuilt; a wearer without stored points keeps no detector', async () => {
    const { res, engine } = await rebuild({ upTo: ONSET + 18, consenting: ['quiet'] });
    expect(res).toEqual({ wearers: 0, samples: 0, restored: 0, ignored: { unknown_version: 0, malformed: 0 }, decisions: [] });
    expect(engine.size).toBe(0);
  });
});

describe('the rebuild and the event loop', () => {
  it('replays one wearer per event-loop turn, so the node answers meanwhile', async () => {
    const engine = new DetectionEngine();
    const order: string[] = [];
    const forget = engine.forget.bind(engine);
    engine.forget = (id: string) => {
      order.push(`replay ${id}`);
      // something else the node has to do, arriving while the first wearer is replayed
      if (id === 'a') setImmediate(() => order.push('loop'));
      forget(id);
    };
    const stored = points(0, 60);
    const done = rebuildDetectors({
      engine,
      now: T + 60_000,
      windows: async (ids) => new Map(ids.map((id) => [id, stored])),
      wearers: () => ['a', 'b'],
      openAlert: async () => null,
      closedSince: async () => [],
    });
    await done;
    expect(order).toEqual(['replay a', 'loop', 'replay b']);
  });
});
