// The core lease's timing on an injected clock, over the real lease repository (SQLite in memory): a node whose
// renewals fail (its database is gone) stops acting at its renew deadline, before the lease it wrote can run out
// and pass to a standby; a node that finds the lease held stays standby; shutdown releases it.
import { afterEach, expect, it } from 'vitest';
import { VirtualClock } from '../clock.js';
import { createLogger } from '../log.js';
import { createMetrics } from '../metrics.js';
import { openDatabase, type OpenedDb } from '../store/db.js';
import { createLeaseRepo, type LeaseRepo } from '../store/lease.js';
import { CoreLease } from './core-lease.js';

const T0 = Date.UTC(2026, 0, 1, 12);
let opened: OpenedDb | null = null;
afterEach(async () => {
  await opened?.close();
  opened = null;
});

function node(lease: LeaseRepo, clock: VirtualClock, nodeId: string, events: string[], metrics = createMetrics({ defaults: false })) {
  return new CoreLease({
    lease,
    metrics,
    clock,
    log: createLogger('silent'),
    nodeId,
    leaseMs: 6000,
    renewMs: 2000,
    onActive: async (fence) => {
      events.push(`${nodeId} active ${fence?.epoch} @${clock.now() - T0}`);
    },
    onStandby: async () => {
      events.push(`${nodeId} standby @${clock.now() - T0}`);
    },
  });
}

async function step(clock: VirtualClock, nodes: CoreLease[], ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 500) {
    clock.advance(500);
    for (const n of nodes) await n.settled();
  }
}

/** Nodes A and B on one lease repository (SQLite in memory); A's connection to it fails once `lose()` is called. */
async function pairOnLosableDb() {
  opened = await openDatabase(':memory:');
  const real = createLeaseRepo(opened.db);
  let lost = false;
  const aConn: LeaseRepo = {
    ...real,
    acquire: (...args) => (lost ? Promise.reject(new Error('connection terminated')) : real.acquire(...args)),
  };
  const clock = new VirtualClock(T0);
  const events: string[] = [];
  const lose = () => {
    lost = true;
  };
  return { real, a: node(aConn, clock, 'a', events), b: node(real, clock, 'b', events), clock, events, lose };
}

it('a node that cannot renew stops acting at its deadline, before its lease runs out; then the standby takes over', async () => {
  const { real, a, b, clock, events, lose } = await pairOnLosableDb();
  await a.start();
  await b.start();
  expect(a.active).toBe(true);
  expect(b.active).toBe(false);
  expect(a.fence()).toEqual({ nodeId: 'a', epoch: 1 });
  expect(b.fence()).toEqual({ nodeId: 'b', epoch: -1 });
  await step(clock, [a, b], 10_000);
  expect(a.active && !b.active).toBe(true);

  lose(); // at +10 s; A's last good renewal was at +10 s (expiry +16 s, deadline +14 s)
  const lease = await real.read();
  await step(clock, [a, b], 3500);
  expect(a.active).toBe(true); // +13.5 s: within its deadline
  await step(clock, [a, b], 500);
  expect(a.active).toBe(false); // +14 s: stopped, the lease still A's for 2 s more
  expect(clock.now()).toBeLessThan(lease.expiresAt);
  expect(a.status()).toMatchObject({ role: 'standby', epoch: null });
  await step(clock, [a, b], 4000);
  expect(b.active).toBe(true);
  expect(events).toEqual(['a active 1 @0', 'a standby @14000', 'b active 2 @16000']);
  await a.stop();
  await b.stop();
  expect((await real.read()).expiresAt).toBe(0);
});

it("a standby whose round falls between the holder's renewals takes over the moment the lease runs out, not a round later", async () => {
  const { real, a, b, clock, events, lose } = await pairOnLosableDb();
  await a.start();
  // B's rounds come 1 s after A's: at +1, +3, +5 ...
  await step(clock, [a], 1000);
  await b.start();
  await step(clock, [a, b], 9000);
  expect(a.active && !b.active).toBe(true);
  lose(); // at +10 s; A's last good renewal was at +10 s: its lease runs out at +16 s, B's rounds at +15, +17
  await step(clock, [a, b], 6000);
  expect(b.active).toBe(true);
  expect(events).toEqual(['a active 1 @0', 'a standby @14000', 'b active 2 @16000']);
  // the rounds go on from that attempt: renewals every 2 s from +16 s, the lease held through the next ones
  await step(clock, [a, b], 6000);
  expect(b.active).toBe(true);
  expect((await real.read()).renewedAt - T0).toBe(22_000);
  await a.stop();
  await b.stop();
});

it('the single node (no lease repository) is active at once, unfenced', async () => {
  const clock = new VirtualClock(T0);
  const single = new CoreLease({
    clock,
    log: createLogger('silent'),
    nodeId: 'solo',
    leaseMs: 6000,
    renewMs: 2000,
    onActive: async () => {},
    onStandby: async () => {},
  });
  await single.start();
  clock.advance(60_000);
  expect(single.active).toBe(true);
  expect(single.fence()).toBeUndefined();
  expect(single.status()).toMatchObject({ role: 'active', holder: 'solo', coreActive: true });
});

it('a core write the store refused is counted and the node steps down at once; it comes back only with a new epoch', async () => {
  opened = await openDatabase(':memory:');
  const real = createLeaseRepo(opened.db);
  const clock = new VirtualClock(T0);
  const events: string[] = [];
  const metrics = createMetrics({ defaults: false });
  const a = node(real, clock, 'a', events, metrics);
  await a.start();
  expect(a.fence()).toEqual({ nodeId: 'a', epoch: 1 });
  a.refused('alert_transition');
  expect(a.active).toBe(false);
  expect(a.fence()).toEqual({ nodeId: 'a', epoch: -1 });
  await a.settled();
  const text = await metrics.registry.metrics();
  expect(text).toContain('odart_fenced_writes_total{op="alert_transition"} 1');
  // its old lease (epoch 1) is not renewed under a new role: it waits until it ran out, then takes epoch 2
  await step(clock, [a], 4000);
  expect(a.active).toBe(false);
  await step(clock, [a], 4000);
  expect(a.status()).toMatchObject({ role: 'active', epoch: 2 });
  expect(events).toEqual(['a active 1 @0', 'a standby @0', 'a active 2 @6000']);
  await a.stop();
});

it('after stop() the node reports no lease: not active, no holder, no core known to be active', async () => {
  opened = await openDatabase(':memory:');
  const real = createLeaseRepo(opened.db);
  const clock = new VirtualClock(T0);
  const events: string[] = [];
  const a = node(real, clock, 'a', events);
  const b = node(real, clock, 'b', events);
  await a.start();
  await b.start();
  expect(a.status()).toMatchObject({ role: 'active', holder: 'a', coreActive: true });
  expect(b.status()).toMatchObject({ role: 'standby', holder: 'a', coreActive: true });
  await a.stop();
  // A released its lease (expiry 0): nobody holds it, so A must not go on reporting its old lease as a live core
  expect((await real.read()).expiresAt).toBe(0);
  expect(a.status()).toMatchObject({ role: 'standby', epoch: null, holder: null, coreActive: false, leaseRemainingMs: null });
  // a stopped standby no longer follows the lease either: what it read before is not reported as current
  await b.stop();
  expect(b.status()).toMatchObject({ role: 'standby', holder: null, coreActive: false, leaseRemainingMs: null });
  expect(events).toEqual(['a active 1 @0', 'a standby @0']);
});

it('a lease attempt still unanswered at the next round counts as failed: the holder is not known, no live core (PostgreSQL hangs)', async () => {
  opened = await openDatabase(':memory:');
  const real = createLeaseRepo(opened.db);
  let hang = false;
  const stuck: LeaseRepo = { ...real, acquire: (...args) => (hang ? new Promise<never>(() => undefined) : real.acquire(...args)) };
  const clock = new VirtualClock(T0);
  const a = node(real, clock, 'a', []);
  const b = node(stuck, clock, 'b', []);
  await a.start();
  await b.start();
  expect(b.status()).toMatchObject({ holder: 'a', holderKnown: true, coreActive: true, leaseFailures: 0 });
  hang = true;
  // rounds at +2 s, +4 s: B's first attempt hangs, the second round finds it unanswered (settled() would wait on it)
  for (let t = 0; t < 4000; t += 500) {
    clock.advance(500);
    await a.settled();
    await new Promise<void>((r) => setImmediate(r));
  }
  expect(b.status()).toMatchObject({ holder: null, holderKnown: false, lastHolder: 'a', coreActive: false, leaseFailures: 1 });
  expect(a.status()).toMatchObject({ holder: 'a', holderKnown: true, coreActive: true, leaseFailures: 0 });
  await a.stop();
});

it('a lease attempt that never answers does not hold the next: the round after counts it failed and tries again (PostgreSQL hangs once)', async () => {
  opened = await openDatabase(':memory:');
  const real = createLeaseRepo(opened.db);
  let hangs = 0;
  const once: LeaseRepo = {
    ...real,
    acquire: (...args) => (hangs-- === 1 ? new Promise<never>(() => undefined) : real.acquire(...args)),
  };
  const clock = new VirtualClock(T0);
  const events: string[] = [];
  const metrics = createMetrics({ defaults: false });
  const a = node(once, clock, 'a', events, metrics);
  await a.start();
  hangs = 1; // the renewal at +2 s never answers
  for (let t = 0; t < 4000; t += 500) {
    clock.advance(500);
    for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
  }
  // +4 s: its deadline (+0 + 6 - 2) passed with the +2 s renewal unanswered; that round counted it failed and tried
  // again, and found its own lease (of an epoch it no longer acts with) still running
  await a.settled();
  expect(a.status()).toMatchObject({ role: 'standby', leaseFailures: 0, holder: 'a', holderKnown: true });
  // +6 s: the lease ran out, and the next round takes it with a new epoch (before, the stuck attempt held every round)
  for (let t = 0; t < 2000; t += 500) {
    clock.advance(500);
    await a.settled();
  }
  expect(a.status()).toMatchObject({ role: 'active', epoch: 2, leaseFailures: 0, holder: 'a' });
  expect(events).toEqual(['a active 1 @0', 'a standby @4000', 'a active 2 @6000']);
  await a.stop();
});

it('stop() ends within two renewals although the attempt in flight and the release never answer (PostgreSQL hangs)', async () => {
  opened = await openDatabase(':memory:');
  const real = createLeaseRepo(opened.db);
  let hang = false;
  const never = new Promise<never>(() => undefined);
  const stuck: LeaseRepo = {
    ...real,
    acquire: (...args) => (hang ? never : real.acquire(...args)),
    release: (...args) => (hang ? never : real.release(...args)),
  };
  const clock = new VirtualClock(T0);
  const events: string[] = [];
  const a = node(stuck, clock, 'a', events);
  await a.start();
  hang = true;
  clock.advance(2500); // the +2 s renewal is in flight, unanswered
  let stopped = false;
  const stopping = a.stop().then(() => {
    stopped = true;
  });
  for (let t = 0; t < 8000 && !stopped; t += 500) {
    clock.advance(500);
    for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
  }
  expect(stopped).toBe(true);
  await stopping;
  // two renewals (the attempt in flight, then the release), give or take this loop's 500 ms steps
  expect(clock.now() - T0).toBeLessThanOrEqual(2500 + 4000 + 500);
  expect(events).toEqual(['a active 1 @0', expect.stringMatching(/^a standby @/)]);
  expect(a.status()).toMatchObject({ role: 'standby', holder: null, coreActive: false });
});
