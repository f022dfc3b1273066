// `npm run bench -- --only=session-backlog`: what Mosquitto queues for the core's persistent session while no core
// holds it (a takeover, issue 14), what that costs Mosquitto's memory, and how fast the next core's session drains it.
// Real Mosquitto (test/helpers/mosquitto.ts) and the real ExternalBroker session (broker/external.ts, its PUBACKs by
// turn, SESSION_MAX_PER_TURN), with a handler that only counts: the session's own ceiling, not ingest's.
// 1. gaps: N device accounts publish QoS 1 vitals at HZ each (a load process, bench/load-child.ts) while the session
//    is open; it closes (the core is gone) for G s, the load stops, and the session reopens: what it delivers is what
//    queued in the gap, and the time to its last message how late a live message published at the reopening is.
// 2. memory: with no load, one fleet of publishers fills the closed session to each size in turn (real payload:
//    a vitals reading with its device `ts`, a device topic per publisher), Mosquitto's VmRSS read at each.
// 3. drain: the filled backlog (DRAIN messages, then the largest size) delivered to a reopened session, timed; a
//    probe device publishes one message as it reopens (where it lands in the order), and each device's readings
//    are checked for order (their `ts`).
// 4. bound: a Mosquitto with `max_queued_messages 1000`, 3,000 numbered messages queued, which ones arrive.
// Every Mosquitto here queues without limit (`max_queued_messages 0`) except the bound's, and keeps Mosquitto's
// default `max_inflight_messages` (20) unless BENCH_BACKLOG_INFLIGHT sets it.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { deviceTopic, type ParsedTopic } from '@odart/protocol';
import { ExternalBroker } from '../../server/src/broker/external.js';
import { deviceAcls, deviceRole } from '../../server/src/broker/provisioning.js';
import { DURABLE_STREAMS } from '../../server/src/ingest/ingest.js';
import { WireConnection } from '../../simulator/src/wire.js';
import { cpuOf, rssOf, startLoadChild } from '../bench/child.js';
import { blast } from '../bench/load.js';
import { HAVE_MOSQUITTO, startMosquitto, type SeedAccount, type TestMosquitto } from '../helpers/mosquitto.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const PROBE = 'backlog-probe';
/** A device's vitals reading as devices send it: its own clock's `ts` (ms) first; `ts` also numbers the message. */
const reading = (ts: number) => JSON.stringify({ ts, hr: 72, spo2: 97, rr: 14, activity: 3, onBody: true });
const DEVICE_ID = (i: number) => `wrist-${String(i).padStart(5, '0')}`;

function accounts(ids: readonly string[], secret: string): SeedAccount[] {
  return ids.map((id) => ({ username: id, password: secret, role: { rolename: deviceRole(id), acls: deviceAcls(id, null) } }));
}

/** The core's session on `mosq`, counting what it delivers; the probe's arrival noted. */
class CountingSession {
  count = 0;
  bytes = 0;
  probeAt: number | null = null;
  /** messages delivered before the probe */
  beforeProbe = 0;
  /** `ts` of every delivered message, when asked (the bound's check) */
  seen: number[] | null = null;
  /** a device's message delivered after a later one of the same device (by its `ts`): Mosquitto reordered a topic */
  outOfOrder = 0;
  private readonly lastTs = new Map<string, number>();
  private constructor(readonly broker: ExternalBroker) {}

  static async connect(mosq: TestMosquitto, clientId: string): Promise<CountingSession> {
    let self: CountingSession | null = null;
    const broker = await ExternalBroker.connect({
      url: mosq.url,
      username: mosq.username,
      password: mosq.password,
      clientId,
      controlClientId: `${clientId}-control`,
      discreteStreams: DURABLE_STREAMS,
      log: pino({ level: 'silent' }),
      maxPayloadBytes: 4096,
      onDeviceMessage: (topic: ParsedTopic, payload: Buffer) => self?.onMessage(topic, payload),
    });
    self = new CountingSession(broker);
    return self;
  }

  private onMessage(topic: ParsedTopic, payload: Buffer): void {
    this.count++;
    this.bytes += payload.length;
    if (topic.kind === 'device' && topic.deviceId === PROBE && this.probeAt === null) {
      this.probeAt = performance.now();
      this.beforeProbe = this.count - 1;
    }
    if (this.seen) this.seen.push((JSON.parse(payload.toString('utf8')) as { ts: number }).ts);
    // the readings of fill() start {"ts":N,: the order per device, without parsing the rest
    if (topic.kind === 'device' && payload[2] === 0x74 && payload[3] === 0x73) {
      const ts = Number(payload.toString('latin1', 6, payload.indexOf(0x2c, 6)));
      const last = this.lastTs.get(topic.deviceId);
      if (last !== undefined && ts < last) this.outOfOrder++;
      this.lastTs.set(topic.deviceId, ts);
    }
  }

  reset(): void {
    this.count = 0;
    this.bytes = 0;
    this.probeAt = null;
    this.beforeProbe = 0;
    this.outOfOrder = 0;
  }

  /** Until `done()` or nothing arrived for `idleMs`; resolves the time it took, ms (to the last message). */
  async until(done: () => boolean, idleMs: number, t0: number): Promise<number> {
    let last = this.count;
    let lastAt = performance.now();
    while (!done()) {
      await sleep(20);
      if (this.count !== last) {
        last = this.count;
        lastAt = performance.now();
      } else if (performance.now() - lastAt > idleMs) break;
    }
    return lastAt - t0;
  }
}

/** Publishers on their own device accounts filling the closed session, 64 in flight each, to `total` acknowledged. */
async function fill(pubs: WireConnection[], ids: readonly string[], total: number, tsFrom: number): Promise<number> {
  let ts = tsFrom;
  const r = await blast(
    pubs.map((conn, i) => ({ id: ids[i]!, conn })),
    total,
    64,
    () => reading(ts++),
  );
  return r.acked;
}

async function connectPubs(mosq: TestMosquitto, ids: readonly string[], secret: string): Promise<WireConnection[]> {
  const out: WireConnection[] = [];
  for (const id of ids) {
    const { conn, returnCode } = await WireConnection.connect({
      host: '127.0.0.1',
      port: mosq.port,
      clientId: id,
      username: id,
      password: secret,
      keepalive: 120,
    });
    if (returnCode !== 0) throw new Error(`connect ${id}: CONNACK ${returnCode}`);
    out.push(conn);
  }
  return out;
}

/** The probe publishes now; the session reopens; resolves once the probe arrived (or `timeoutMs`). */
async function reopenWithProbe(s: CountingSession, probe: WireConnection, timeoutMs: number) {
  s.reset();
  const t0 = performance.now();
  probe.publish(deviceTopic(PROBE, 'vitals'), reading(Date.now()), 1);
  await s.broker.openSession();
  const opened = performance.now() - t0;
  while (s.probeAt === null && performance.now() - t0 < timeoutMs) await sleep(5);
  return { t0, openMs: opened, probeMs: s.probeAt === null ? null : s.probeAt - t0 };
}

export interface GapRun {
  gapS: number;
  /** what the reopened session delivered: what queued in the gap */
  queued: number;
  /** the live rate before the gap times the gap: what the arithmetic says */
  expected: number;
  /** reopening to the last backlog message: how late the first live message after it would be */
  drainS: number;
  drainPerSec: number;
  load: string;
}

async function gaps(o: { wearers: number; hz: number; gapsS: readonly number[]; log: (s: string) => void; inflight?: number }): Promise<{
  liveRates: number[];
  runs: GapRun[];
  dropped: boolean;
}> {
  const secret = 'backlog-device-secret';
  const ids = Array.from({ length: o.wearers }, (_, i) => DEVICE_ID(i));
  const mosq = await startMosquitto({
    accounts: accounts(ids, secret),
    conf: ['max_queued_messages 0', ...(o.inflight !== undefined ? [`max_inflight_messages ${o.inflight}`] : [])],
  });
  const s = await CountingSession.connect(mosq, 'odart-backlog');
  let load: Awaited<ReturnType<typeof startLoadChild>> | null = null;
  const runs: GapRun[] = [];
  const liveRates: number[] = [];
  try {
    // A load process per gap: it stops publishing at the gap's end, so what the reopened session delivers is the
    // gap's backlog and nothing else (the probe's place in the order was not reliable: see DrainRun.beforeProbe).
    for (const gapS of o.gapsS) {
      await s.broker.openSession();
      o.log(`  session-backlog gap ${gapS} s: ${o.wearers} devices connecting, then ${o.hz} Hz each`);
      load = await startLoadChild({ host: '127.0.0.1', port: mosq.port, creds: ids.map((id) => ({ id, secret })), hz: o.hz });
      await sleep(3000); // the load's phases spread, the session keeping up
      const c0 = s.count;
      const r0 = performance.now();
      await sleep(3000);
      const liveRate = ((s.count - c0) / (performance.now() - r0)) * 1000;
      liveRates.push(Math.round(liveRate));
      await s.broker.closeSession();
      const closedAt = performance.now();
      await sleep(gapS * 1000);
      const stopping = load.stop();
      const gapMs = performance.now() - closedAt;
      await stopping;
      load = null;
      s.reset();
      const t0 = performance.now();
      await s.broker.openSession();
      const ms = await s.until(() => false, 2000, t0);
      const run: GapRun = {
        gapS,
        queued: s.count,
        expected: Math.round((liveRate * gapMs) / 1000),
        drainS: round(ms / 1000, 2),
        drainPerSec: Math.round(s.count / (ms / 1000)),
        load: loadavg(),
      };
      runs.push(run);
      o.log(`    ${JSON.stringify(run)}`);
      await s.broker.closeSession();
    }
    return { liveRates, runs, dropped: /being dropped/.test(mosq.log()) };
  } finally {
    await load?.stop();
    await s.broker.close();
    await mosq.close();
  }
}

export interface MemoryPoint {
  queued: number;
  rssMb: number;
  /** above the broker's resident memory with the session empty, per queued message */
  bytesPerMessage: number;
}
export interface DrainRun {
  messages: number;
  /** reopening to the last backlog message */
  seconds: number;
  perSec: number;
  /** the probe published at the reopening, behind the whole backlog */
  liveDelayMs: number | null;
  /** messages delivered before the probe (the whole backlog if Mosquitto kept the order across devices: it does not always) */
  beforeProbe: number;
  /** messages of a device delivered after a later one of the same device */
  outOfOrder: number;
  /** Mosquitto's CPU over the drain, cores */
  brokerCores: number;
  load: string;
}

async function memoryAndDrain(o: { sizes: readonly number[]; drain: number; log: (s: string) => void; inflight?: number }) {
  const secret = 'backlog-device-secret';
  const ids = Array.from({ length: 200 }, (_, i) => DEVICE_ID(i));
  const mosq = await startMosquitto({
    accounts: accounts([...ids, PROBE], secret),
    conf: ['max_queued_messages 0', ...(o.inflight !== undefined ? [`max_inflight_messages ${o.inflight}`] : [])],
  });
  const s = await CountingSession.connect(mosq, 'odart-backlog');
  const pubs = await connectPubs(mosq, ids, secret);
  const probe = (await connectPubs(mosq, [PROBE], secret))[0]!;
  const points: MemoryPoint[] = [];
  const drains: DrainRun[] = [];
  let ts = Date.UTC(2026, 11, 4);
  const drain = async (messages: number) => {
    const cpu0 = cpuOf(mosq.pid());
    const r = await reopenWithProbe(s, probe, 600_000);
    const ms = await s.until(() => s.count >= messages + 1, 5000, r.t0);
    const run: DrainRun = {
      messages: s.count - 1,
      seconds: round(ms / 1000, 2),
      perSec: Math.round((s.count - 1) / (ms / 1000)),
      liveDelayMs: r.probeMs === null ? null : Math.round(r.probeMs),
      beforeProbe: s.beforeProbe,
      outOfOrder: s.outOfOrder,
      brokerCores: round((cpuOf(mosq.pid()) - cpu0) / (ms / 1000), 2),
      load: loadavg(),
    };
    drains.push(run);
    o.log(`    drain ${JSON.stringify(run)}`);
    await s.broker.closeSession();
  };
  try {
    // the session made and closed (the core gone): what follows queues
    await s.broker.openSession();
    await s.broker.closeSession();
    await sleep(500);
    const base = rssOf(mosq.pid());
    let queued = 0;
    for (const size of [...new Set([o.drain, ...o.sizes])].sort((a, b) => a - b)) {
      queued += await fill(pubs, ids, size - queued, ts);
      ts += size;
      await sleep(500);
      const rss = rssOf(mosq.pid());
      const point = { queued, rssMb: round(rss / 2 ** 20), bytesPerMessage: Math.round((rss - base) / queued) };
      if (o.sizes.includes(size)) points.push(point);
      o.log(`    memory ${JSON.stringify({ ...point, baseMb: round(base / 2 ** 20), load: loadavg() })}`);
      if (size === o.drain || size === Math.max(...o.sizes)) {
        await drain(queued);
        queued = 0;
      }
    }
    return { baseMb: round(base / 2 ** 20), points, drains, rssAfterDrainMb: round(rssOf(mosq.pid()) / 2 ** 20) };
  } finally {
    for (const p of [...pubs, probe]) await p.disconnect();
    await s.broker.close();
    await mosq.close();
  }
}

/** Past `max_queued_messages`: which of 3,000 numbered messages queued for a closed session reach it. */
async function bound(log: (s: string) => void) {
  const secret = 'backlog-device-secret';
  const id = DEVICE_ID(0);
  const mosq = await startMosquitto({ accounts: accounts([id], secret), conf: ['max_queued_messages 1000'] });
  const s = await CountingSession.connect(mosq, 'odart-backlog');
  const pubs = await connectPubs(mosq, [id], secret);
  try {
    await s.broker.openSession();
    await s.broker.closeSession();
    const acked = await fill(pubs, [id], 3000, 1);
    s.reset();
    s.seen = [];
    const t0 = performance.now();
    await s.broker.openSession();
    await s.until(() => false, 1000, t0);
    const seen = s.seen;
    const contiguous = seen.every((ts, i) => ts === i + 1);
    const r = {
      published: 3000,
      acknowledgedToDevice: acked,
      delivered: seen.length,
      first: seen[0] ?? null,
      last: seen.at(-1) ?? null,
      /** the delivered ones are 1..n in order: the oldest kept, the newest dropped */
      oldestKept: contiguous,
      droppedLogged: /Outgoing messages are being dropped/.test(mosq.log()),
    };
    log(`    bound ${JSON.stringify(r)}`);
    return r;
  } finally {
    await pubs[0]!.disconnect();
    await s.broker.close();
    await mosq.close();
  }
}

export async function benchSessionBacklog(o: {
  wearers: number;
  hz: number;
  gapsS: readonly number[];
  sizes: readonly number[];
  drain: number;
  repeat: number;
  inflight?: number;
  log: (s: string) => void;
}) {
  if (!HAVE_MOSQUITTO) return null;
  o.log(`session backlog (Mosquitto): ${o.repeat} rounds; load ${loadavg()}`);
  const boundCheck = await bound(o.log);
  const rounds = [];
  for (let i = 0; i < o.repeat; i++) {
    o.log(`  round ${i + 1}`);
    const g = await gaps(o);
    const m = await memoryAndDrain(o);
    rounds.push({ gaps: g, memory: m });
  }
  return { wearers: o.wearers, hz: o.hz, inflight: o.inflight ?? 20, bound: boundCheck, rounds };
}
