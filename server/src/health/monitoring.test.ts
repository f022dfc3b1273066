// The `monitoring` round (docs/protocol.md): every watched device hears it each round, exactly once, and a round of
// 10,000 devices does not hold the event loop (at most 500 devices per turn, MONITORING_CHUNK, the store update in a turn
// of its own), so live alerts keep moving while it runs.
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../clock.js';
import { InProcessBus, type Events } from '../events/index.js';
import { createLogger } from '../log.js';
import type { CoreHealth } from './core-health.js';
import { MONITORING_CHUNK, MonitoringBeacon } from './monitoring.js';

const healthy = { check: () => Promise.resolve({ healthy: true, problems: [] }) } as unknown as CoreHealth;

/** A loop-turn counter: one setImmediate per turn of the event loop, re-armed each turn. */
function turns() {
  const t = { n: 0, on: true };
  const tick = () => {
    t.n++;
    if (t.on) setImmediate(tick);
  };
  setImmediate(tick);
  return t;
}

function rig(devices: string[], o: { isCore?: () => boolean } = {}) {
  const bus = new InProcessBus<Events>();
  const turn = turns();
  const sent: { deviceId: string; turn: number }[] = [];
  bus.subscribe('device.command', (e) => {
    sent.push({ deviceId: e.deviceId, turn: turn.n });
  });
  const told: { ids: string[]; turn: number }[] = [];
  let asked = 0;
  const beacon = new MonitoringBeacon({
    clock: new VirtualClock(1_000_000),
    bus,
    health: healthy,
    log: createLogger('silent'),
    isCore: o.isCore,
    monitoredDevices: () => {
      asked++;
      return Promise.resolve(devices);
    },
    told: (ids) => {
      told.push({ ids: [...ids], turn: turn.n });
      return Promise.resolve();
    },
  });
  return { beacon, sent, told, turn, asked: () => asked };
}

describe('monitoring round', () => {
  const devices = Array.from({ length: 1123 }, (_, i) => `d${i}`);

  it('tells at most MONITORING_CHUNK devices per event-loop turn, every device once, and stores the round in a later turn', async () => {
    const r = rig(devices);
    expect(await r.beacon.send()).toBe(1123);
    r.turn.on = false;
    const perTurn = new Map<number, number>();
    for (const s of r.sent) perTurn.set(s.turn, (perTurn.get(s.turn) ?? 0) + 1);
    expect(Math.max(...perTurn.values())).toBeLessThanOrEqual(500);
    expect(perTurn.size).toBeGreaterThanOrEqual(Math.ceil(1123 / MONITORING_CHUNK));
    // never skips one, never tells one twice, in the store's order
    expect(r.sent.map((s) => s.deviceId)).toEqual(devices);
    // the whole round is stored once, in a turn after the last command
    expect(r.told).toHaveLength(1);
    expect(r.told[0]!.ids).toEqual(devices);
    expect(r.told[0]!.turn).toBeGreaterThan(Math.max(...r.sent.map((s) => s.turn)));
  });

  it('does not overlap itself: a send during a round joins it', async () => {
    const r = rig(devices);
    const a = r.beacon.send();
    const b = r.beacon.send();
    expect(b).toBe(a);
    expect(await a).toBe(1123);
    expect(await b).toBe(1123);
    expect(r.asked()).toBe(1);
    expect(r.sent).toHaveLength(1123);
    // the next round is a round of its own
    expect(await r.beacon.send()).toBe(1123);
    r.turn.on = false;
    expect(r.sent).toHaveLength(2246);
    expect(r.told).toHaveLength(2);
  });

  it('a core that became standby mid-round tells no further device, and stores only those it told', async () => {
    let core = true;
    const r = rig(devices, { isCore: () => core });
    const round = r.beacon.send();
    // once the first chunk is out, the lease is lost
    while (r.sent.length === 0) await new Promise((resolve) => setImmediate(resolve));
    core = false;
    const n = await round;
    r.turn.on = false;
    expect(n).toBe(r.sent.length);
    expect(n).toBeLessThan(1123);
    expect(r.told.flatMap((t) => t.ids)).toEqual(r.sent.map((s) => s.deviceId));
  });
});
