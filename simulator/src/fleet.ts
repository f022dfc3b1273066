// Fleet load: N virtual wearers, each one wearable on its own lightweight MQTT connection
// (wire.ts, not one mqtt.js client per device), publishing vitals at HZ for S seconds. Enrols its
// wearers through the admin API first and removes them afterwards; every phase is bounded in time.
import { randomBytes } from 'node:crypto';
import { deviceTopic } from '@odart/protocol';
import { AdminClient, type ProvisionedWearer } from './admin-client.js';
import { Rng } from './rng.js';
import { CONNACK_NAMES, WireConnection } from './wire.js';

export interface FleetOptions {
  /** HTTP base of the running system (admin API) */
  base: string;
  mqttHost: string;
  mqttPort: number;
  /** MQTT over TLS (mqtts://), trusting these CA certificates (PEM) or the system's */
  tls?: { ca?: Buffer | undefined };
  admin: { username: string; password: string };
  wearers: number;
  /** messages per second per wearer */
  rate: number;
  durationS: number;
  /** connections opening at once */
  connectConcurrency?: number;
  /** messages awaiting PUBACK across the fleet before publishing pauses (counted as throttled) */
  maxInflight?: number;
  /** wait for outstanding PUBACKs after the run, ms */
  drainMs?: number;
  /** keep the wearers enrolled afterwards */
  keep?: boolean;
  seed?: number;
  /** progress lines (stderr on the command line) */
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface FleetReport {
  wearers: number;
  rateHz: number;
  durationS: number;
  connected: number;
  connectFailures: Record<string, number>;
  published: number;
  acknowledged: number;
  /** publishes skipped because too many were awaiting PUBACK (server slower than the offered load) */
  throttled: number;
  /** publishes whose connection closed before the PUBACK */
  unacknowledged: number;
  /** connections the server closed during the run, and the publishes skipped because of it */
  lostConnections: number;
  skippedClosed: number;
  offeredMsgsPerSec: number;
  msgsPerSec: number;
  ackedMsgsPerSec: number;
  latencyMs: { p50: number | null; p99: number | null; max: number | null };
  phasesS: { provision: number; connect: number; run: number; drain: number; cleanup: number };
  /** simulator CPU during the run phase, in cores (1 = one core fully busy) */
  cpuCores: number;
  rssMb: number;
  removed: number;
}

/** Latencies kept for percentiles: all of them up to a cap, then a uniform reservoir sample. */
class Reservoir {
  private readonly xs: Float64Array;
  private n = 0;
  private seen = 0;
  max = 0;
  constructor(
    cap: number,
    private readonly rng: Rng,
  ) {
    this.xs = new Float64Array(cap);
  }
  add(x: number): void {
    this.seen++;
    if (x > this.max) this.max = x;
    if (this.n < this.xs.length) this.xs[this.n++] = x;
    else {
      const j = Math.floor(this.rng.next() * this.seen);
      if (j < this.xs.length) this.xs[j] = x;
    }
  }
  percentile(p: number): number | null {
    if (this.n === 0) return null;
    const sorted = this.xs.slice(0, this.n).sort();
    return sorted[Math.min(this.n - 1, Math.floor((p / 100) * this.n))] ?? null;
  }
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const seconds = (fromMs: number) => round((performance.now() - fromMs) / 1000, 2);

export async function runFleet(o: FleetOptions): Promise<FleetReport> {
  const log = o.log ?? (() => undefined);
  const rng = new Rng(o.seed ?? 1);
  const runId = randomBytes(3).toString('hex');
  const phasesS = { provision: 0, connect: 0, run: 0, drain: 0, cleanup: 0 };

  let t = performance.now();
  const admin = await AdminClient.login(o.base, o.admin.username, o.admin.password);
  const planned = Array.from({ length: o.wearers }, (_, i) => ({
    alias: `fleet ${runId} ${i}`,
    consent: 'active' as const,
    devices: [{ id: `fleet-${runId}-${i}`, kind: 'wearable' as const }],
  }));
  let provisioned: ProvisionedWearer[] = [];
  const conns: (WireConnection | null)[] = [];
  const report: FleetReport = {
    wearers: o.wearers,
    rateHz: o.rate,
    durationS: o.durationS,
    connected: 0,
    connectFailures: {},
    published: 0,
    acknowledged: 0,
    throttled: 0,
    unacknowledged: 0,
    lostConnections: 0,
    skippedClosed: 0,
    offeredMsgsPerSec: o.wearers * o.rate,
    msgsPerSec: 0,
    ackedMsgsPerSec: 0,
    latencyMs: { p50: null, p99: null, max: null },
    phasesS,
    cpuCores: 0,
    rssMb: 0,
    removed: 0,
  };
  try {
    provisioned = await admin.provision(planned, (n) => log(`provisioned ${n}/${o.wearers} wearers`));
    phasesS.provision = seconds(t);

    // ---- connect, a bounded number at a time ----
    t = performance.now();
    const latencies = new Reservoir(1_000_000, rng);
    let inflight = 0;
    let running = false;
    const onPuback = (_id: number, ms: number) => {
      report.acknowledged++;
      inflight--;
      latencies.add(ms);
    };
    // Keepalive long enough that the publishes themselves keep the session alive ([MQTT-3.1.2-23]).
    const keepalive = Math.max(60, Math.ceil(3 / o.rate));
    const devices = provisioned.map((w) => w.devices[0]!);
    let next = 0;
    const worker = async () => {
      while (next < devices.length && !o.signal?.aborted) {
        const i = next++;
        const dev = devices[i]!;
        try {
          const { conn, returnCode } = await WireConnection.connect(
            {
              host: o.mqttHost,
              port: o.mqttPort,
              ...(o.tls ? { tls: o.tls } : {}),
              clientId: dev.id,
              username: dev.id,
              password: dev.secret,
              keepalive,
              connectTimeoutMs: 15_000,
            },
            {
              onPuback,
              onClose: (closed) => {
                if (running) report.lostConnections++;
                // PUBACKs that can no longer arrive (the connection may close before CONNACK, too)
                inflight -= closed.inflight.size;
                report.unacknowledged += closed.inflight.size;
                closed.inflight.clear();
              },
            },
          );
          if (returnCode === 0) {
            conns[i] = conn;
            report.connected++;
            if (report.connected % 1000 === 0) log(`connected ${report.connected}/${devices.length}`);
          } else {
            const why = CONNACK_NAMES[returnCode] ?? (returnCode === -1 ? 'no CONNACK' : `code ${returnCode}`);
            report.connectFailures[why] = (report.connectFailures[why] ?? 0) + 1;
            conn.destroy();
            conns[i] = null;
          }
        } catch (err) {
          const why = (err as NodeJS.ErrnoException).code ?? 'socket error';
          report.connectFailures[why] = (report.connectFailures[why] ?? 0) + 1;
          conns[i] = null;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(o.connectConcurrency ?? 100, devices.length) }, worker));
    phasesS.connect = seconds(t);
    log(`connected ${report.connected}/${devices.length} in ${phasesS.connect}s; publishing for ${o.durationS}s`);

    // ---- run: spread publishes evenly over time, round-robin over the connections ----
    const live: WireConnection[] = [];
    const topics: string[] = [];
    conns.forEach((c, i) => {
      if (!c) return;
      live.push(c);
      topics.push(deviceTopic(devices[i]!.id, 'vitals'));
    });
    const seq = new Uint32Array(live.length);
    const maxInflight = o.maxInflight ?? Math.max(1000, live.length * 2);
    const total = Math.round(live.length * o.rate * o.durationS);
    running = true;
    const cpu0 = process.cpuUsage();
    const start = performance.now();
    let cursor = 0;
    let offered = 0;
    await new Promise<void>((resolve) => {
      const tick = () => {
        const elapsed = (performance.now() - start) / 1000;
        const due = Math.min(total, Math.floor(elapsed * live.length * o.rate));
        while (offered < due) {
          offered++;
          const k = cursor;
          cursor = (cursor + 1) % live.length;
          const c = live[k]!;
          if (c.closed) {
            report.skippedClosed++;
            continue;
          }
          if (inflight >= maxInflight) {
            report.throttled++;
            continue;
          }
          const s = seq[k]!;
          seq[k] = s + 1;
          // Plausible resting vitals; small variation so the detection core does real work.
          const payload = `{"hr":${70 + ((s * 7 + k) % 11)},"spo2":${96 + ((s + k) % 3)},"rr":${13 + ((s + 2 * k) % 4)},"activity":${(s * 13 + k) % 40},"onBody":true,"ts":${Date.now()},"seq":${s}}`;
          c.publish(topics[k]!, payload, 1);
          report.published++;
          inflight++;
        }
        if (offered >= total || o.signal?.aborted) {
          clearInterval(h);
          resolve();
        }
      };
      const h = setInterval(tick, 10);
    });
    const runS = (performance.now() - start) / 1000;
    running = false;
    const cpu = process.cpuUsage(cpu0);
    phasesS.run = round(runS, 2);
    report.cpuCores = round((cpu.user + cpu.system) / 1e6 / runS, 2);
    report.rssMb = Math.round(process.memoryUsage().rss / 1e6);

    // ---- drain: wait (bounded) for the last PUBACKs ----
    t = performance.now();
    const drainMs = o.drainMs ?? 10_000;
    await new Promise<void>((resolve) => {
      const h = setInterval(() => {
        if (inflight <= 0 || performance.now() - t > drainMs || o.signal?.aborted) {
          clearInterval(h);
          resolve();
        }
      }, 20);
    });
    phasesS.drain = seconds(t);
    const ackWindowS = runS + phasesS.drain;
    report.unacknowledged += Math.max(0, inflight);
    report.msgsPerSec = Math.round(report.published / runS);
    report.ackedMsgsPerSec = Math.round(report.acknowledged / ackWindowS);
    const p50 = latencies.percentile(50);
    const p99 = latencies.percentile(99);
    report.latencyMs = {
      p50: p50 === null ? null : round(p50, 2),
      p99: p99 === null ? null : round(p99, 2),
      max: report.acknowledged > 0 ? round(latencies.max, 2) : null,
    };
  } finally {
    t = performance.now();
    await Promise.all(
      conns.map((c) =>
        c ? Promise.race([c.disconnect(), new Promise<void>((r) => setTimeout(r, 2000).unref())]).then(() => c.destroy()) : undefined,
      ),
    );
    if (!o.keep && provisioned.length > 0) {
      report.removed = await admin.remove(provisioned.map((w) => w.id));
      log(`removed ${report.removed} wearers`);
    }
    phasesS.cleanup = seconds(t);
  }
  return report;
}
