// Is the core healthy? One definition, asked by the dead man's switch (heartbeat.ts) and the `monitoring`
// command (monitoring.ts): both must stop reassuring anyone the moment the core cannot do its job.
import type { Clock } from '../clock.js';

/** What the composition root (server.ts) lets the health check see; each probe is cheap. */
export interface HealthProbes {
  /** true while devices can deliver messages (the broker port is open, or the external broker reachable) */
  brokerUp(): boolean;
  /** resolves when the store answers a query; rejects (or never resolves) when it cannot */
  storeAnswers(): Promise<unknown>;
  /** when the detection engine last ticked (ms, the injected clock); ingest feeds it synchronously */
  lastDetectionTick(): number;
  /** when the escalation loop last finished a pass (ms); a stuck pass (hung store, wedged job) stops it */
  lastEscalationTick(): number;
}

export interface HealthReport {
  healthy: boolean;
  /** the failed checks, e.g. ["escalation: no loop pass for 31 s"]; empty when healthy */
  problems: string[];
}

export interface CoreHealthOptions {
  clock: Clock;
  probes: HealthProbes;
  /** a detection tick older than this is a stall (the engine ticks every 1 s) */
  detectionStaleMs?: number;
  /** an escalation loop pass older than this is a stall (the loop runs every 1 s) */
  escalationStaleMs?: number;
  /** a store query not answered by then fails the check (clock time, the injected clock) */
  storeTimeoutMs?: number;
}

/**
 * Healthy = ingest, detection and escalation can all do their job now:
 * - ingest: the broker is up (devices can deliver) and detection ticks (ingest hands samples to it in-process);
 * - detection: the engine ticked within `detectionStaleMs` (default 5 s);
 * - escalation: the escalation loop finished a pass within `escalationStaleMs` (default 30 s);
 * - the store answers a query within `storeTimeoutMs` (default 5 s).
 */
export class CoreHealth {
  private readonly detectionStaleMs: number;
  private readonly escalationStaleMs: number;
  private readonly storeTimeoutMs: number;

  constructor(private readonly o: CoreHealthOptions) {
    this.detectionStaleMs = o.detectionStaleMs ?? 5000;
    this.escalationStaleMs = o.escalationStaleMs ?? 30_000;
    this.storeTimeoutMs = o.storeTimeoutMs ?? 5000;
  }

  async check(): Promise<HealthReport> {
    const { clock, probes } = this.o;
    const problems: string[] = [];
    const now = clock.now();
    if (!probes.brokerUp()) problems.push('ingest: the broker is down');
    const sinceDetection = now - probes.lastDetectionTick();
    if (sinceDetection > this.detectionStaleMs) problems.push(`detection: no tick for ${Math.round(sinceDetection / 1000)} s`);
    const sinceEscalation = now - probes.lastEscalationTick();
    if (sinceEscalation > this.escalationStaleMs) {
      problems.push(`escalation: no loop pass for ${Math.round(sinceEscalation / 1000)} s`);
    }
    const store = await this.storeCheck();
    if (store) problems.push(store);
    return { healthy: problems.length === 0, problems };
  }

  private storeCheck(): Promise<string | null> {
    return new Promise((resolve) => {
      const timer = this.o.clock.setTimeout(() => resolve('store: no answer'), this.storeTimeoutMs);
      let answer: Promise<unknown>;
      try {
        answer = this.o.probes.storeAnswers();
      } catch (err) {
        answer = Promise.reject(err);
      }
      answer.then(
        () => {
          timer.cancel();
          resolve(null);
        },
        (err: unknown) => {
          timer.cancel();
          resolve(`store: ${err instanceof Error ? err.message : 'query failed'}`);
        },
      );
    });
  }
}
