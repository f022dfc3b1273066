// The detector rebuild of a new core (rebuild.ts): replayed stored points put a fresh detector where the old core's
// was, so an apnoea in progress alerts when it would have without the takeover; and of what the replay decided only
// what the store does not show is handed on.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_THRESHOLDS,
  DetectionEngine,
  ROOM,
  RULES,
  WEARABLE,
  rebuildWindowMs,
  type RuleEntry,
  type WearerDecision,
} from '../detection/index.js';
import type { VitalsPoint } from '../store/vitals.js';
import { MAX_FAILED_READS, rebuildDetectors, replayWearer, sampleOf } from './rebuild.js';

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
    expect(res).toEqual({
      wearers: 0,
      samples: 0,
      restored: 0,
      ignored: { unknown_version: 0, malformed: 0 },
      decisions: [],
      failedReads: 0,
      unrebuilt: [],
      unchecked: [],
    });
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

  // 450 wearers: three pages of 200, 200 and 50
  const many = Array.from({ length: 450 }, (_, i) => `w${String(i).padStart(3, '0')}`);

  it('reads the next page of stored samples while the current page replays; pages read and wearers replayed in order', async () => {
    const engine = new DetectionEngine();
    const events: string[] = [];
    const forget = engine.forget.bind(engine);
    engine.forget = (id: string) => {
      events.push(`replay ${id}`);
      forget(id);
    };
    const stored = points(0, 30);
    const res = await rebuildDetectors({
      engine,
      now: T + 30_000,
      windows: async (ids) => {
        events.push(`read ${ids[0]}`);
        // the database answers on a later turn
        await new Promise((resolve) => setImmediate(resolve));
        return new Map(ids.map((id) => [id, stored]));
      },
      wearers: () => many,
      openAlert: async () => null,
      closedSince: async () => [],
    });
    expect(res.wearers).toBe(450);
    expect(events.filter((e) => e.startsWith('replay'))).toEqual(many.map((id) => `replay ${id}`));
    expect(events.filter((e) => e.startsWith('read'))).toEqual(['read w000', 'read w200', 'read w400']);
    // page 2 was asked for before page 1's last wearer replayed, page 3 before page 2's
    expect(events.indexOf('read w200')).toBeLessThan(events.indexOf('replay w199'));
    expect(events.indexOf('read w400')).toBeLessThan(events.indexOf('replay w399'));
    expect(events.indexOf('read w400')).toBeGreaterThan(events.indexOf('replay w000'));
  });

  it('a read that fails while a page replays costs that page one more read after the others, not the rebuild; no rejection goes unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (err: unknown) => unhandled.push(err);
    process.on('unhandledRejection', onUnhandled);
    try {
      const stored = points(0, 30);
      const replayed: string[] = [];
      const reads: string[] = [];
      const told: [string, number][] = [];
      const engine = new DetectionEngine();
      const forget = engine.forget.bind(engine);
      engine.forget = (id: string) => {
        replayed.push(id);
        forget(id);
      };
      const res = await rebuildDetectors({
        engine,
        now: T + 30_000,
        windows: (ids) => {
          reads.push(ids[0]!);
          // page 2's first read fails (a query timed out); its second is answered
          return ids[0] === 'w200' && reads.filter((x) => x === 'w200').length === 1
            ? Promise.reject(new Error('connection lost'))
            : Promise.resolve(new Map(ids.map((id) => [id, stored])));
        },
        readFailed: (err, n) => told.push([(err as Error).message, n]),
        wearers: () => many,
        openAlert: async () => null,
        closedSince: async () => [],
      });
      // a few turns for Node to report a rejection nobody handled
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
      expect(told).toEqual([['connection lost', 200]]);
      expect(res).toMatchObject({ wearers: many.length, failedReads: 1, unrebuilt: [], unchecked: [] });
      // page 2 was read again after page 3 replayed, and replayed then
      expect(reads).toEqual(['w000', 'w200', 'w400', 'w200']);
      expect(replayed).toEqual([...many.slice(0, 200), ...many.slice(400), ...many.slice(200, 400)]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it(`reads that keep failing: once ${MAX_FAILED_READS} failed no page is read (again), and every wearer not replayed is listed`, async () => {
    const engine = new DetectionEngine();
    const ids = Array.from({ length: 2000 }, (_, i) => `w${String(i).padStart(4, '0')}`);
    const reads: string[] = [];
    const res = await rebuildDetectors({
      engine,
      now: T + 30_000,
      windows: (page) => {
        reads.push(page[0]!);
        return page[0] === 'w0000' ? Promise.resolve(new Map(page.map((id) => [id, points(0, 30)]))) : Promise.reject(new Error('timeout'));
      },
      wearers: () => ids,
      openAlert: async () => null,
      closedSince: async () => [],
    });
    // page 1 was read; of the 9 failing pages only those asked for before the third failure came back (the one read
    // ahead may be under way then), none of them twice
    expect(res.wearers).toBe(200);
    expect(res.failedReads).toBeGreaterThanOrEqual(MAX_FAILED_READS);
    expect(reads.length).toBe(1 + res.failedReads);
    expect(reads.length).toBeLessThanOrEqual(1 + MAX_FAILED_READS + 1);
    expect(new Set(reads).size).toBe(reads.length);
    expect([...res.unrebuilt].sort()).toEqual(ids.slice(200));
  });

  it("a wearer's alert look-up that fails hands its replayed decision on, listed as unchecked (a lost alert is the worse error)", async () => {
    const res = await rebuildDetectors({
      engine: new DetectionEngine(),
      now: T + (ONSET + 30) * 1000,
      windows: (ids) => Promise.resolve(new Map(ids.map((id) => [id, points(0, ONSET + 30)]))),
      wearers: () => ['a', 'b'],
      openAlert: async (id) => {
        if (id === 'a') throw new Error('timeout');
        return 'escalating';
      },
      closedSince: async () => [],
    });
    expect(res.unchecked).toEqual(['a']);
    expect(res.decisions.map((d) => [d.wearerId, d.kind])).toEqual([['a', 'responder_alert']]);
  });
});

describe('what the detector learnt over hours survives a takeover (the detector snapshot)', () => {
  /** A small deterministic generator (uniform 0..1). */
  const rnd = (seed: number) => {
    let x = seed;
    return () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  };
  /**
   * A room radar on 4 times the reference scale: moving ~100, still (breathing) 0-16, about 8; the reference line
   * (stillMotion 5) is below the still readings, so only a learnt scale sees this person as still. Every 2 s: 3 hours
   * of an occupied room (moving and sitting in turns, a minute each), out for 30 min, back: moving 10 s (fewer readings
   * than a new sensor's moving level needs), then still.
   */
  function radar() {
    const u = rnd(11);
    const out: VitalsPoint[] = [];
    const at = (s: number, occupied: boolean, motion: number): VitalsPoint => ({
      t: T + s * 1000,
      deviceId: 'radar',
      stream: 'presence',
      hr: null,
      spo2: null,
      rr: null,
      activity: null,
      onBody: null,
      occupied,
      motion,
    });
    let s = 0;
    for (; s < 3 * 3600; s += 2) out.push(at(s, true, (s / 60) % 2 < 1 ? 100 + (u() - 0.5) * 120 : 4 * (2 + (u() - 0.5) * 3.5)));
    for (const end = s + 1800; s < end; s += 2) out.push(at(s, false, 0));
    for (const end = s + 10; s < end; s += 2) out.push(at(s, true, 100 + (u() - 0.5) * 120));
    const stillFrom = s;
    for (const end = s + 400; s < end; s += 2) out.push(at(s, true, Math.max(0, 4 * (2 + (u() - 0.5) * 3.5))));
    return { points: out, stillFrom };
  }
  /** Feeds points from `from` (ms, inclusive) to `to` (exclusive) live, as server.ts does; returns the decisions. */
  const feed = (e: DetectionEngine, ps: readonly VitalsPoint[], from: number, to: number) => {
    const out: WearerDecision[] = [];
    for (const p of ps) {
      if (p.t < from || p.t >= to) continue;
      out.push(...e.ingest('w', sampleOf(p)));
      out.push(...e.tick(p.t + 500), ...e.tick(p.t + 1500));
    }
    return out;
  };
  const prompted = (ds: WearerDecision[]) => ds.find((d) => d.kind === 'wearer_prompt')?.t;

  it('stillness is judged on the room scale learnt hours before, as on the uninterrupted detector', async () => {
    const { points, stillFrom } = radar();
    const end = T + (stillFrom + 400) * 1000;
    // the old core, uninterrupted: the learnt scale (factor ~4) reads the person as still; stillness alone prompts at 3 min
    const old = new DetectionEngine();
    const reference = prompted(feed(old, points, 0, end));
    expect(reference).toBeDefined();
    expect((reference! - T) / 1000 - stillFrom).toBeGreaterThanOrEqual(180);
    expect((reference! - T) / 1000 - stillFrom).toBeLessThanOrEqual(200);

    // a second old core, snapshotted (as the core does each minute) 30 s before it dies, 100 s into the stillness
    const dying = new DetectionEngine();
    const takeover = T + (stillFrom + 100) * 1000;
    feed(dying, points, 0, takeover - 30_000);
    const snap = dying.snapshot('w', takeover - 30_000)!;
    expect(dying.calibration('w')!.room[0]).toMatchObject({ learnt: true });
    feed(dying, points, takeover - 30_000, takeover);

    const rebuild = async (snapshots: Map<string, typeof snap>) => {
      const engine = new DetectionEngine();
      const res = await rebuildDetectors({
        engine,
        now: takeover,
        windows: async (ids, from, to) => new Map(ids.map((id) => [id, points.filter((p) => p.t >= from && p.t <= to)])),
        snapshots: async () => snapshots,
        wearers: () => ['w'],
        openAlert: async () => null,
        closedSince: async () => [],
      });
      // live data after the takeover (placed at its arrival, after what the store holds)
      return { engine, res, prompt: prompted(feed(engine, points, takeover + 1, end)) };
    };
    const restored = await rebuild(new Map([['w', snap]]));
    expect(restored.res.restored).toBe(1);
    // the replay read minutes, not the hours the scale was learnt over
    expect(restored.res.samples).toBeLessThan(200);
    expect(restored.engine.calibration('w')!.room[0]!.factor).toBeCloseTo(old.calibration('w')!.room[0]!.factor, 1);
    expect(restored.engine.detector('w').features(takeover).stillS).toBeGreaterThan(60);
    expect(Math.abs(restored.prompt! - reference!)).toBeLessThanOrEqual(2_000);

    // without it (10 s of movement is too little to learn the moving level: the replay learns the still person's
    // breathing as the sensor's movement, a factor near 0.4 instead of 4) the person never reads as still
    const fresh = await rebuild(new Map());
    expect(fresh.engine.calibration('w')!.room[0]!.factor).toBeLessThan(1);
    expect(fresh.prompt).toBeUndefined();
  });

  it('a snapshot of another version is ignored and counted; the detector learns afresh and nothing breaks', async () => {
    const { points, stillFrom } = radar();
    const takeover = T + (stillFrom + 100) * 1000;
    const old = new DetectionEngine();
    feed(old, points, 0, takeover);
    const snap = old.snapshot('w', takeover)!;
    const engine = new DetectionEngine();
    const res = await rebuildDetectors({
      engine,
      now: takeover,
      windows: async (ids, from, to) => new Map(ids.map((id) => [id, points.filter((p) => p.t >= from && p.t <= to)])),
      snapshots: async () =>
        new Map([
          ['w', { ...snap, version: snap.version + 1 }],
          ['x', { ...snap, data: '{"rules":{"stillness":{"scales":"?"}}}' }],
        ]),
      wearers: () => ['w', 'x'],
      openAlert: async () => null,
      closedSince: async () => [],
    });
    expect(res).toMatchObject({ restored: 0, ignored: { unknown_version: 1, malformed: 1 } });
    expect(engine.calibration('w')!.room[0]).toMatchObject({ learnt: false });
    // the unreadable one: a fresh detector, rebuilt from the replay alone
    expect(engine.calibration('x')!.room[0]).toMatchObject({ learnt: false });
  });
});

describe('the replay window comes from the rules', () => {
  /** Stillness in an occupied room (project radar, readings every 2 s) from s=0; `upTo` s stored. */
  const room = (upTo: number): VitalsPoint[] =>
    Array.from({ length: upTo / 2 }, (_, i) => ({
      t: T + i * 2000,
      deviceId: 'radar',
      stream: 'presence' as const,
      hr: null,
      spo2: null,
      rr: null,
      activity: null,
      onBody: null,
      occupied: true,
      // still but breathing (on the project radar 3: above the deep-stillness line, below the stillness line)
      motion: i < 15 ? 30 : 3,
    }));
  const run = async (windowMs: number | undefined) => {
    const points = room(600);
    const takeover = T + 200_000; // 170 s into the stillness (from 30 s), 10 s before its 3-minute prompt
    const engine = new DetectionEngine();
    await rebuildDetectors({
      engine,
      now: takeover,
      windows: async (ids, from, to) => new Map(ids.map((id) => [id, points.filter((p) => p.t >= from && p.t <= to)])),
      wearers: () => ['w'],
      openAlert: async () => null,
      closedSince: async () => [],
      ...(windowMs === undefined ? {} : { windowFor: () => windowMs }),
    });
    for (const p of points) {
      if (p.t <= takeover) continue; // live data: after what the store holds
      const ds = [...engine.ingest('w', sampleOf(p)), ...engine.tick(p.t + 500), ...engine.tick(p.t + 1500)];
      const prompt = ds.find((d) => d.kind === 'wearer_prompt');
      if (prompt) return (prompt.t - T) / 1000;
    }
    return null;
  };

  it("stillness (the longest evidence, minutes): the registry's window rebuilds the prompt on time, a shorter one is late", async () => {
    const uninterrupted = await run(10 * 60_000);
    expect(uninterrupted).toBeGreaterThanOrEqual(30 + 180);
    expect(uninterrupted).toBeLessThanOrEqual(30 + 190);
    // the default: what the rules declare for a wearer with a room sensor
    const windowMs = new DetectionEngine().rebuildWindowMs('w', ROOM);
    expect(windowMs).toBe(rebuildWindowMs(DEFAULT_THRESHOLDS, ROOM));
    expect(windowMs).toBeLessThan(5 * 60_000);
    expect(await run(windowMs)).toBe(uninterrupted);
    expect(await run(undefined)).toBe(uninterrupted);
    // a window shorter than the stillness timer it must cover misses the movement that taught the
    // radar its scale: the replayed sensor is on the reference prior, where stillness that does not
    // read 0 raises watch until the prior's bounded fallback (priorStillnessSeconds of nothing at the
    // line, counted from the replay's first reading at 50 s): the prompt comes late, but it comes
    const short = await run(150_000);
    expect(short! - uninterrupted!).toBeGreaterThanOrEqual(15);
    expect(short).toBeLessThanOrEqual(50 + DEFAULT_THRESHOLDS.priorStillnessSeconds + 18);
  });

  it('the window is the longest of the rules the wearer has devices for, and follows their thresholds', () => {
    const th = DEFAULT_THRESHOLDS;
    expect(rebuildWindowMs(th, WEARABLE)).toBeLessThan(rebuildWindowMs(th, ROOM));
    expect(rebuildWindowMs(th, WEARABLE | ROOM)).toBe(rebuildWindowMs(th, ROOM));
    // a service that gives a wearer 20 minutes of stillness gets 20 minutes replayed
    expect(rebuildWindowMs({ ...th, stillnessSeconds: 1200 }, ROOM)).toBeGreaterThan(1200_000);
    // and one whose sensor may stay on the reference prior gets its longer fallback timer replayed
    expect(rebuildWindowMs({ ...th, priorStillnessSeconds: 600 }, ROOM)).toBeGreaterThan(600_000);
    // a rule registered with a longer evidence window lengthens it
    const long: RuleEntry = { ...RULES[0]!, name: 'long', evidenceMs: () => 3_600_000 };
    expect(rebuildWindowMs(th, WEARABLE, [...RULES, long])).toBeGreaterThan(3_600_000);
  });
});
