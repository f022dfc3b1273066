// Escalation benchmark (for `npm run bench`): decision -> first SMS request latency with other alerts
// escalating in the background, and a burst of 1,000 alerts escalating at once, with a simulated crash
// and restart half-way, counting every (alert, step) sent: none may be lost, none sent twice.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ChainDefinition } from '../../server/src/escalation/chain.js';
import { createHarness, seedService, type Harness } from './escalation-harness.js';

export interface EscalationBenchResult {
  decisionToFirstSmsMs: { p50: number; p99: number; max: number; samples: number; backgroundAlerts: number; sendRatePerS: number };
  burst: {
    alerts: number;
    positionsPerAlert: number;
    expectedSends: number;
    sent: number;
    missing: number;
    duplicates: number;
    /** wall ms from the burst's decisions to each alert's first SMS request */
    firstSmsWallMs: { p50: number; p99: number; max: number };
    crashRestartAt: string;
    /** latest a step's SMS left after its due time, virtual ms */
    maxLateMs: number;
    wallMs: number;
    sendRatePerS: number;
  };
}

const CHAIN: ChainDefinition = {
  steps: [
    { targets: [{ type: 'responder', id: 'r1' }], channels: ['app', 'sms'], waitS: 60 },
    { targets: [{ type: 'responder', id: 'r2' }], channels: ['app', 'sms'], waitS: 60 },
  ],
  finalStep: { targets: [{ type: 'emergency_contact' }], channels: ['sms'], waitS: 0 },
};

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}
const round = (x: number) => Math.round(x * 100) / 100;

/** Latency from the alert decision to the first SMS provider request, one alert at a time. */
async function latency(samples: number, background: number): Promise<EscalationBenchResult['decisionToFirstSmsMs']> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'odart-bench-esc-'));
  const h = await createHarness({ dataDir: dir, escalator: { ratePerS: 1 } });
  try {
    await seedService(h, { responders: 3, wearers: background + samples, chain: CHAIN });
    // Background: alerts already escalating, their later steps pending in the store.
    for (let i = 1; i <= background; i++) await h.raise(`w${i}`);
    // Their first pages leave (at the rate limit); their later steps keep coming during the samples.
    // (1 s steps: virtual time only moves between passes, so coarser steps would under-use the rate.)
    await h.advance(background * 1_000 + 10_000, 1_000);
    const ms: number[] = [];
    for (let i = 0; i < samples; i++) {
      // Alerts seconds apart, as real ones are: the rate bucket has refilled.
      h.clock.advance(2_000);
      await h.escalator.tick();
      await h.drain();
      const before = h.sms.requests.length;
      const t0 = performance.now();
      const id = await h.raise(`w${background + i + 1}`);
      await h.drain();
      const first = h.sms.requests.slice(before).find((r) => r.body.includes(id));
      if (first) ms.push(first.wall - t0);
    }
    ms.sort((a, b) => a - b);
    return {
      p50: round(percentile(ms, 50)),
      p99: round(percentile(ms, 99)),
      max: round(ms.at(-1) ?? NaN),
      samples: ms.length,
      backgroundAlerts: background,
      sendRatePerS: 1,
    };
  } finally {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * 1,000 alerts at once; after step 0 the escalator is dropped and a fresh one (as after a restart)
 * recovers the same SQLite file and finishes the chains. (The real kill -9 is in escalation-crash.int.test.ts.)
 */
async function burst(alerts: number, ratePerS: number): Promise<EscalationBenchResult['burst']> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'odart-bench-esc-'));
  const started = performance.now();
  let h: Harness = await createHarness({ dataDir: dir, escalator: { ratePerS } });
  const harnesses = [h];
  try {
    await seedService(h, { responders: 3, wearers: alerts, chain: CHAIN });
    const t0 = h.clock.now();
    const wall0 = performance.now();
    await h.alerts.handle(
      Array.from({ length: alerts }, (_, i) => ({
        kind: 'responder_alert' as const,
        wearerId: `w${i + 1}`,
        t: t0,
        score: 90,
        reasons: ['bench'],
        news2: null,
      })),
    );
    await h.advance(30_000, 5_000);
    // Crash: the first process stops mid-escalation (nothing finished cleanly), a second one recovers.
    h.escalator.close();
    h = await createHarness({ dataDir: dir, clock: h.clock, sms: h.sms, voice: h.voice, escalator: { ratePerS } });
    harnesses.push(h);
    await h.escalator.recover();
    const horizon = ratePerS > 0 ? Math.ceil((alerts * 3) / ratePerS) * 1000 + 180_000 : 180_000;
    await h.advance(horizon, 5_000);

    const count = new Map<string, number>();
    for (const r of h.sms.requests) {
      const id = /#\/alerts\/(\S+)$/.exec(r.body)?.[1] ?? '?';
      const key = `${id}|${r.to}`;
      count.set(key, (count.get(key) ?? 0) + 1);
    }
    const expected = alerts * 3;
    const duplicates = [...count.values()].reduce((s, n) => s + Math.max(0, n - 1), 0);
    // Wall time from the burst's decisions to each alert's first SMS request (all decided at once).
    const firstWall = new Map<string, number>();
    for (const r of h.sms.requests) {
      const id = /#\/alerts\/(\S+)$/.exec(r.body)?.[1] ?? '?';
      if (!firstWall.has(id)) firstWall.set(id, r.wall - wall0);
    }
    const fw = [...firstWall.values()].sort((a, b) => a - b);
    let maxLateMs = 0;
    // Lateness: position p is due at t0 + 60 s * p (no acknowledgement in this run).
    const firstByAlert = new Map<string, number[]>();
    for (const r of h.sms.requests) {
      const id = /#\/alerts\/(\S+)$/.exec(r.body)?.[1] ?? '?';
      firstByAlert.set(id, [...(firstByAlert.get(id) ?? []), r.at]);
    }
    for (const times of firstByAlert.values())
      times.sort((a, b) => a - b).forEach((at, p) => (maxLateMs = Math.max(maxLateMs, at - (t0 + 60_000 * p))));
    return {
      alerts,
      positionsPerAlert: 3,
      expectedSends: expected,
      sent: count.size,
      missing: expected - count.size,
      duplicates,
      firstSmsWallMs: { p50: round(percentile(fw, 50)), p99: round(percentile(fw, 99)), max: round(fw.at(-1) ?? NaN) },
      crashRestartAt: 'after 30 s: step 0 sent, steps 1-2 pending; a fresh Escalator recovers the same store',
      maxLateMs,
      wallMs: Math.round(performance.now() - started),
      sendRatePerS: ratePerS,
    };
  } finally {
    for (const x of harnesses) await x.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runEscalationBench(opts: { quick?: boolean } = {}): Promise<EscalationBenchResult> {
  const decisionToFirstSmsMs = await latency(opts.quick ? 50 : 300, opts.quick ? 50 : 200);
  const b = await burst(opts.quick ? 200 : 1000, 0);
  return { decisionToFirstSmsMs, burst: b };
}
