// `npm run bench -- [--json] [--quick] [--soak]`: performance figures measured side by side in one
// run on this machine (DESIGN.md "Performance"): ingest against the bare broker and Mosquitto, alert
// latency under background load, resident memory per wearer, detection core alone.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { AdminClient } from '../../simulator/src/admin-client.js';
import { WireConnection } from '../../simulator/src/wire.js';
import { benchDetection } from '../../simulator/src/detection-bench.js';
import { runEscalationBench } from '../rigs/escalation-bench.js';
import { benchClusterBus } from '../rigs/cluster-bus-bench.js';
import { benchRebuild, type RebuildKit } from '../rigs/rebuild-bench.js';
import { benchMonitoring } from '../rigs/monitoring-bench.js';
import { benchSessionBacklog } from '../rigs/session-backlog-bench.js';
import type { Stall } from './stalls.mjs';
import { benchBridge } from '../../firmware-bridge/bench.js';
import { deviceAcls, deviceRole } from '../../server/src/broker/provisioning.js';
import { startFakeTwilio } from '../helpers/fake-twilio.js';
import { HAVE_MOSQUITTO, startMosquitto } from '../helpers/mosquitto.js';
import type { ServerProcessOptions } from '../helpers/server-process.js';
import { freePort, percentile, startBrokerOnlyChild, startLoadChild, startMosquittoChild, startServerChild, type Child } from './child.js';
import { blast, closeAll, connectAll, steady, type Cred, type Pub } from './load.js';

const PASSWORD = 'bench-demo-password';
const DEVICE_SECRET = 'bench-demo-device-secret';
const args = new Set(process.argv.slice(2));
const JSON_OUT = args.has('--json');
const QUICK = args.has('--quick');
const SOAK = args.has('--soak');
/** `--only=latency` (or latency-mosquitto, ingest, ingest-cpu, floor, memory, detection, escalation, bridge, cluster-bus, rebuild, monitoring,
 * session-backlog, session-drain-server;
 * comma-separated) */
const ONLY = new Set((process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length) ?? '').split(',').filter(Boolean));
const wants = (section: string) => ONLY.size === 0 || ONLY.has(section);
/** Node flags for the server child, e.g. BENCH_SERVER_NODE_ARGS=--cpu-prof (profiling runs) */
const SERVER_NODE_ARGS = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
const log = (s: string) => process.stderr.write(s + '\n');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number | null, d = 1) => (x === null ? null : Math.round(x * 10 ** d) / 10 ** d);

async function provision(base: string, n: number, prefix: string): Promise<{ admin: AdminClient; creds: Cred[]; wearerIds: string[] }> {
  const admin = await AdminClient.login(base, 'admin', PASSWORD);
  const wearers = Array.from({ length: n }, (_, i) => ({
    alias: `${prefix}${i}`,
    consent: 'active' as const,
    devices: [{ id: `${prefix}-${i}`, kind: 'wearable' as const }],
  }));
  const got = await admin.provision(wearers);
  return {
    admin,
    creds: got.map((w) => ({ id: w.devices[0]!.id, secret: w.devices[0]!.secret })),
    wearerIds: got.map((w) => w.id),
  };
}

async function metricValue(base: string, re: RegExp): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(re.exec(text)?.[1] ?? 0);
}

// ---- ingest: full pipeline vs bare broker vs Mosquitto ----------------------------------------

async function passThrough(port: number, pubs: number, total: number): Promise<number> {
  const sub = await WireConnection.connect({ host: '127.0.0.1', port, clientId: 'bench-sub', keepalive: 120 });
  let got = 0;
  sub.conn.handlers = {
    onMessage: () => {
      got++;
    },
  };
  await sub.conn.subscribe('odart/v1/devices/+/vitals', 0);
  const conns = await connectAll(
    '127.0.0.1',
    port,
    Array.from({ length: pubs }, (_, i) => ({ id: `bench-pub-${i}` })),
  );
  await blast(conns, Math.min(2000, total)); // warm-up
  got = 0;
  const start = performance.now();
  const r = await blast(conns, total);
  while (got < r.acked && performance.now() - start < 120_000) await sleep(5);
  const seconds = (performance.now() - start) / 1000;
  await closeAll(conns);
  await sub.conn.disconnect();
  return got / seconds;
}

async function ingest(total: number, pubs: number) {
  log(`ingest: ${total} vitals over ${pubs} connections, QoS 1`);
  const server = await startServerChild({ DEMO_PASSWORD: PASSWORD });
  const base = `http://127.0.0.1:${server.httpPort}`;
  let pipeline: number;
  try {
    const { creds } = await provision(base, pubs, 'ingest');
    const conns = await connectAll('127.0.0.1', server.mqttPort, creds);
    await blast(conns, Math.min(2000, total));
    const before = await metricValue(base, /odart_mqtt_messages_total\{stream="vitals"\} (\d+)/);
    const start = performance.now();
    await blast(conns, total);
    while (
      (await metricValue(base, /odart_mqtt_messages_total\{stream="vitals"\} (\d+)/)) - before < total &&
      performance.now() - start < 120_000
    )
      await sleep(20);
    pipeline = total / ((performance.now() - start) / 1000);
    await closeAll(conns);
  } finally {
    await server.stop();
  }
  log(`  pipeline ${Math.round(pipeline)} msg/s`);
  const broker = await startBrokerOnlyChild();
  let brokerOnly: number;
  try {
    brokerOnly = await passThrough(broker.mqttPort, pubs, total);
  } finally {
    await broker.stop();
  }
  log(`  broker only ${Math.round(brokerOnly)} msg/s`);
  let mosquitto: number | null = null;
  const mosq = await startMosquittoChild(await freePort());
  if (mosq) {
    try {
      mosquitto = await passThrough(mosq.mqttPort, pubs, total);
    } finally {
      await mosq.stop();
    }
    log(`  mosquitto ${Math.round(mosquitto)} msg/s`);
  }
  return {
    pipelineMsgsPerSec: Math.round(pipeline),
    brokerOnlyMsgsPerSec: Math.round(brokerOnly),
    mosquittoMsgsPerSec: mosquitto === null ? null : Math.round(mosquitto),
    ratioToBroker: round(pipeline / brokerOnly, 2),
    ratioToMosquitto: mosquitto === null ? null : round(pipeline / mosquitto, 2),
    messages: total,
    connections: pubs,
  };
}

// ---- alert latency under background load -----------------------------------------------------

/** The responder's /api/live socket; a server busy taking in 10,000 connections may time the upgrade out (408): tried again. */
async function openLive(url: string, cookie: string, attempts = 5): Promise<WebSocket> {
  for (let i = 1; ; i++) {
    const ws = new WebSocket(url, { headers: { cookie } });
    try {
      await new Promise<void>((r, j) => {
        ws.once('open', () => r());
        ws.once('error', j);
      });
      return ws;
    } catch (err) {
      if (i >= attempts) throw err;
      log(`  /api/live did not open (${err instanceof Error ? err.message : String(err)}); again`);
      await sleep(2000);
    }
  }
}

/** The server for an alert-latency run with `background` wearers provisioned: devices on its embedded broker, or on Mosquitto. */
async function latencyServer(
  broker: 'embedded' | 'mosquitto',
  background: number,
  env: Record<string, string>,
  opts: Omit<ServerProcessOptions, 'inheritEnv'>,
  /** more lines of mosquitto.conf (the last of a setting wins) */
  mosqConf: readonly string[] = [],
): Promise<{
  server: Child;
  mqttPort: number;
  creds: Cred[];
  restart?(between: () => Promise<void>): Promise<Child>;
  /** Mosquitto's log so far (its last 20,000 characters) */
  brokerLog?(): string;
  close(): Promise<void>;
}> {
  if (broker === 'embedded') {
    const server = await startServerChild(env, opts);
    const creds = background > 0 ? (await provision(`http://127.0.0.1:${server.httpPort}`, background, 'bg')).creds : [];
    return { server, mqttPort: server.mqttPort, creds, close: () => server.stop() };
  }
  // Mosquitto (MQTT_URL): the wearers are enrolled first with the embedded broker on the same DATA_DIR, then their
  // accounts and ACLs go into Mosquitto's dynamic-security file before it starts (one `createClient` each would have
  // Mosquitto rewrite the whole file ten thousand times), and the server starts on MQTT_URL, checking them (resync).
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'odart-bench-mosq-'));
  const enrol = await startServerChild({ ...env, DATA_DIR: dataDir });
  let creds: Cred[];
  try {
    creds = background > 0 ? (await provision(`http://127.0.0.1:${enrol.httpPort}`, background, 'bg')).creds : [];
  } finally {
    await enrol.stop();
  }
  const devices = [
    ...creds.map((c) => ({ id: c.id, secret: c.secret! })),
    ...['demo-wrist', 'demo-room'].map((id) => ({ id, secret: DEVICE_SECRET })),
  ];
  const mosq = await startMosquitto({
    accounts: devices.map((d) => ({
      username: d.id,
      password: d.secret,
      role: { rolename: deviceRole(d.id), acls: deviceAcls(d.id, null) },
    })),
    conf: mosqConf,
  });
  try {
    const serverEnv = { ...env, DATA_DIR: dataDir, ...mosq.env, MQTT_CLIENT_ID: 'odart-bench' };
    let server = await startServerChild(serverEnv, opts);
    return {
      get server() {
        return server;
      },
      mqttPort: mosq.port,
      creds,
      brokerLog: () => mosq.log(),
      /** the server stopped, `between` awaited, and started again on the same data and Mosquitto (a new core opening the session) */
      async restart(between: () => Promise<void>) {
        await server.stop();
        await between();
        server = await startServerChild(serverEnv, opts);
        return server;
      },
      async close() {
        await server.stop();
        await mosq.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await mosq.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}

async function alertLatency(background: number, trials: number, pinned: boolean, broker: 'embedded' | 'mosquitto' = 'embedded') {
  log(
    `alert latency${broker === 'mosquitto' ? ' through Mosquitto' : ''}: ${trials} help presses with ${background} wearers at 1 Hz in the background${pinned ? ' (server on core 0, load generator on the others)' : ''}`,
  );
  const tw = await startFakeTwilio();
  const loopFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'odart-loop-')), 'loop.json');
  const setup = await latencyServer(
    broker,
    background,
    {
      DEMO_PASSWORD: PASSWORD,
      DEMO_DEVICE_SECRET: DEVICE_SECRET,
      TWILIO_ACCOUNT_SID: 'AC' + 'b'.repeat(32),
      TWILIO_AUTH_TOKEN: 'bench-token',
      TWILIO_FROM: '+15005550006',
      TWILIO_BASE_URL: tw.baseUrl,
      BENCH_LOOP_FILE: loopFile,
      // the child gets only the environment given here: the in-process profile of the stalls is asked for by name
      ...(process.env.BENCH_LOOP_PROFILE === '1' ? { BENCH_LOOP_PROFILE: '1' } : {}),
    },
    {
      nodeArgs: [...SERVER_NODE_ARGS, '--import', path.join(import.meta.dirname, 'loop-delay.mjs')],
      ...(pinned ? { wrap: ['taskset', '-c', '0'] } : {}),
    },
  );
  const { server, mqttPort } = setup;
  if (pinned) pinSelf(`1-${os.cpus().length - 1}`);
  const base = `http://127.0.0.1:${server.httpPort}`;
  let load: Awaited<ReturnType<typeof startLoadChild>> | null = null;
  let backgroundMsgsPerSec = 0;
  try {
    if (background > 0) {
      // The load runs in a process of its own, so this process's event loop only times the trials.
      load = await startLoadChild(
        { host: '127.0.0.1', port: mqttPort, creds: setup.creds, hz: 1 },
        pinned ? `1-${os.cpus().length - 1}` : undefined,
      );
      await sleep(3000);
    }
    const alex = await AdminClient.login(base, 'alex', PASSWORD);
    const cookie = alex.sessionCookie;
    const pages: { at: number; id: string }[] = [];
    const ws = await openLive(`ws://127.0.0.1:${server.httpPort}/api/live`, cookie);
    ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as { type: string; alert?: { id: string } };
      if (m.type === 'page' && m.alert) pages.push({ at: Date.now(), id: m.alert.id });
    });
    const smsTo = '+447700900101';
    const wrist = await WireConnection.connect({
      host: '127.0.0.1',
      port: mqttPort,
      clientId: 'demo-wrist',
      username: 'demo-wrist',
      password: DEVICE_SECRET,
    });
    const toWs: number[] = [];
    const toSms: number[] = [];
    const cpu0 = server.cpuSeconds();
    const wall0 = performance.now();
    await serverLoopDelay(server, loopFile); // resets the server's histogram: what follows is the trials'
    const vitalsRe = /odart_mqtt_messages_total\{stream="vitals"\} (\d+)/;
    const vitals0 = await metricValue(base, vitalsRe);
    for (let i = 0; i < trials; i++) {
      const p0 = pages.length;
      const s0 = tw.requests.filter((r) => r.to === smsTo).length;
      const t0 = Date.now();
      wrist.conn.publish('odart/v1/devices/demo-wrist/button', JSON.stringify({ action: 'help' }), 1);
      const sms = await Promise.race([tw.waitFor(s0 + 1, (r) => r.to === smsTo).then((rs) => rs[s0]!), sleep(10_000).then(() => null)]);
      while (pages.length === p0 && Date.now() - t0 < 10_000) await sleep(1);
      if (pages.length > p0) toWs.push(pages[p0]!.at - t0);
      if (sms) toSms.push(sms.at - t0);
      const id = pages[p0]?.id;
      if (id) await alex.request('POST', `/api/alerts/${id}/resolve`, { outcome: 'false_alarm_sensor' });
      // More than the per-number SMS rate (1/s) apart, so each trial's first page is not queued.
      await sleep(1100);
    }
    const serverCores = (server.cpuSeconds() - cpu0) / ((performance.now() - wall0) / 1000);
    const loop = await serverLoopDelay(server, loopFile);
    // what the server ingested meanwhile: the load reached it (through whichever broker)
    const ingestedPerSec = ((await metricValue(base, vitalsRe)) - vitals0) / ((performance.now() - wall0) / 1000);
    ws.close();
    await wrist.conn.disconnect();
    if (load) backgroundMsgsPerSec = (await load.stop()).ratePerSec;
    load = null;
    return {
      p50: round(percentile(toWs, 50)),
      p99: round(percentile(toWs, 99)),
      max: round(percentile(toWs, 100)),
      smsP50: round(percentile(toSms, 50)),
      smsP99: round(percentile(toSms, 99)),
      trials,
      missed: trials - Math.min(toWs.length, toSms.length),
      backgroundWearers: background,
      backgroundMsgsPerSec,
      ingestedPerSec: Math.round(ingestedPerSec),
      serverCores: round(serverCores, 2),
      serverLoopDelayMs: loop && { p50: loop.p50, p99: loop.p99, max: loop.max },
      serverGc: loop && { ms: loop.gcMs, maxMs: loop.gcMaxMs, count: loop.gcCount },
      /** every server event-loop stall over 50 ms during the trials, longest first */
      serverStalls: loop?.stalls ?? null,
      pinned,
      broker,
    };
  } finally {
    if (pinned) pinSelf(`0-${os.cpus().length - 1}`);
    await load?.stop();
    await setup.close();
    await tw.close();
    rmSync(path.dirname(loopFile), { recursive: true, force: true });
  }
}

// ---- ingest CPU per message through Mosquitto ---------------------------------------------------

/**
 * The server's CPU time per ingested message at a fixed rate through Mosquitto (MQTT_URL, the core's one session):
 * less noisy than latency on a shared machine, since it counts what the server itself spent (user + system, from
 * /proc) over a fixed number of messages, not how long anything waited for a core. `windows` measurements in one run.
 */
async function ingestCpu(wearers: number, hz: number, perWindow: number, windows: number) {
  log(`ingest CPU through Mosquitto: ${wearers} wearers at ${hz} Hz, ${windows} windows of ${perWindow} vitals`);
  const setup = await latencyServer(
    'mosquitto',
    wearers,
    { DEMO_PASSWORD: PASSWORD, DEMO_DEVICE_SECRET: DEVICE_SECRET },
    { nodeArgs: SERVER_NODE_ARGS },
  );
  const base = `http://127.0.0.1:${setup.server.httpPort}`;
  const vitalsRe = /odart_mqtt_messages_total\{stream="vitals"\} (\d+)/;
  let load: Awaited<ReturnType<typeof startLoadChild>> | null = null;
  try {
    load = await startLoadChild({ host: '127.0.0.1', port: setup.mqttPort, creds: setup.creds, hz });
    await sleep(5000); // warm-up: JIT, the first vitals blocks, the first monitoring round
    // write syscalls of the server (/proc/<pid>/io syscw: socket writes, SQLite's, the log's): the PUBACKs' share
    const syscw = () => {
      try {
        return Number(/syscw: (\d+)/.exec(readFileSync(`/proc/${setup.server.proc.pid}/io`, 'utf8'))?.[1] ?? NaN);
      } catch {
        return NaN;
      }
    };
    const runs: { usPerMsg: number; writesPerMsg: number | null; msgs: number; seconds: number; cores: number }[] = [];
    for (let w = 0; w < windows; w++) {
      const v0 = await metricValue(base, vitalsRe);
      const cpu0 = setup.server.cpuSeconds();
      const w0 = syscw();
      const t0 = performance.now();
      let v = v0;
      while (v - v0 < perWindow && performance.now() - t0 < 120_000) {
        await sleep(250);
        v = await metricValue(base, vitalsRe);
      }
      const cpu = setup.server.cpuSeconds() - cpu0;
      const seconds = (performance.now() - t0) / 1000;
      const writes = (syscw() - w0) / (v - v0);
      runs.push({
        usPerMsg: round((cpu / (v - v0)) * 1e6, 1)!,
        writesPerMsg: Number.isFinite(writes) ? round(writes, 3) : null,
        msgs: v - v0,
        seconds: round(seconds, 1)!,
        cores: round(cpu / seconds, 2)!,
      });
      log(`  ${JSON.stringify(runs.at(-1))}`);
    }
    const rate = (await load.stop()).ratePerSec;
    load = null;
    const us = runs.map((r) => r.usPerMsg).sort((a, b) => a - b);
    return { wearers, hz, publishedPerSec: rate, usPerMsg: { min: us[0], median: us[Math.floor(us.length / 2)], max: us.at(-1) }, runs };
  } finally {
    await load?.stop();
    await setup.close();
  }
}

// ---- the real server draining the session's backlog ------------------------------------------

/**
 * The real server on Mosquitto (MQTT_URL, SQLite) with `wearers` publishing vitals at `hz`: stopped for `gapS`
 * (its session closed, Mosquitto queueing), started again on the same data, and its ingest counter (`/metrics`)
 * watched until it has taken in everything published since the stop: the time the backlog delays live data. The
 * backlog is the live rate (measured on the first server) times the time from the stop to the second server's
 * start; `caughtUpS` counts from that start (its session opens during it).
 */
async function serverDrain(wearers: number, hz: number, gapS: number) {
  log(`session backlog through the server: ${wearers} wearers at ${hz} Hz, the server down for ${gapS} s`);
  // queueing unbounded, so the catch-up below can happen at all (a start-up takes seconds: the broker's accounts resync)
  const setup = await latencyServer(
    'mosquitto',
    wearers,
    { DEMO_PASSWORD: PASSWORD, DEMO_DEVICE_SECRET: DEVICE_SECRET },
    { nodeArgs: SERVER_NODE_ARGS },
    ['max_queued_messages 0'],
  );
  const vitalsRe = /odart_mqtt_messages_total\{stream="vitals"\} (\d+)/;
  let load: Awaited<ReturnType<typeof startLoadChild>> | null = null;
  try {
    load = await startLoadChild({ host: '127.0.0.1', port: setup.mqttPort, creds: setup.creds, hz });
    await sleep(5000);
    const base0 = `http://127.0.0.1:${setup.server.httpPort}`;
    const v0 = await metricValue(base0, vitalsRe);
    const t0 = performance.now();
    await sleep(5000);
    const liveRate = ((await metricValue(base0, vitalsRe)) - v0) / ((performance.now() - t0) / 1000);
    const down = performance.now();
    const next = await setup.restart!(async () => {
      await sleep(Math.max(0, gapS * 1000 - (performance.now() - down)));
    });
    const up = performance.now();
    const base = `http://127.0.0.1:${next.httpPort}`;
    const backlog = Math.round((liveRate * (up - down)) / 1000);
    const trace: { s: number; ingested: number }[] = [];
    let caughtUp: number | null = null;
    const cpu0 = next.cpuSeconds();
    while (performance.now() - up < 180_000) {
      await sleep(250);
      const now = performance.now();
      const got = await metricValue(base, vitalsRe);
      trace.push({ s: round((now - up) / 1000, 2)!, ingested: got });
      // everything published since the stop (at the live rate), less a second of it in flight
      if (got >= (liveRate * (now - down)) / 1000 - liveRate) {
        caughtUp = (now - up) / 1000;
        break;
      }
    }
    const cores = (next.cpuSeconds() - cpu0) / ((performance.now() - up) / 1000);
    // when the new server opened the session: Mosquitto's log line for it (its time stamp, whole seconds)
    const opened = [...(setup.brokerLog?.() ?? '').matchAll(/^(\d+): New client connected from \S+ as odart-bench /gm)].at(-1);
    const openedAgoS = opened ? Date.now() / 1000 - Number(opened[1]) : null;
    const sinceUpS = (performance.now() - up) / 1000;
    const r = {
      wearers,
      hz,
      gapS: round((up - down) / 1000, 1),
      liveRate: Math.round(liveRate),
      backlog,
      caughtUpS: caughtUp === null ? null : round(caughtUp, 1),
      /** the session opened this long before the server's start-up ended (whole seconds of Mosquitto's log, +-1 s) */
      sessionOpenedBeforeUpS: openedAgoS === null ? null : round(openedAgoS - sinceUpS, 1),
      drainPerSec: caughtUp === null ? null : Math.round(backlog / caughtUp + liveRate),
      serverCores: round(cores, 2),
      load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
      trace: trace.filter((_, i) => i % 4 === 0),
    };
    log(`  ${JSON.stringify({ ...r, trace: undefined })}`);
    return r;
  } finally {
    await load?.stop();
    await setup.close();
  }
}

/** Stalls for the table: the count, then the longest ten with their GC time and what ran. */
function stallList(stalls: readonly Stall[]): string {
  if (stalls.length === 0) return 'none';
  const one = (s: Stall) =>
    `${s.ms} ms at ${s.atMs}${s.gcMs > 0 ? ` (GC ${s.gcMs} ms)` : ''}${s.during ? ` during ${s.during}` : ''}${s.top?.length ? ` [${s.top.join('; ')}]` : ''}`;
  return `${stalls.length}: ${stalls.slice(0, 10).map(one).join(', ')}${stalls.length > 10 ? ', ...' : ''}`;
}

/** The server child's event-loop delay (ms) and GC since the last call (test/bench/loop-delay.mjs), or null. */
async function serverLoopDelay(server: Child, file: string) {
  rmSync(file, { force: true });
  server.proc.kill('SIGUSR2');
  for (let i = 0; i < 200; i++) {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as {
        p50: number;
        p99: number;
        max: number;
        gcMs: number;
        gcMaxMs: number;
        gcCount: number;
        stalls: Stall[];
      };
    } catch {
      await sleep(25);
    }
  }
  return null;
}

/**
 * The floor under the alert latency: a broker alone (the embedded aedes, or Mosquitto) with the same
 * background load, timing a QoS 1 publish from one client to a subscriber. Broker on core 0, load and
 * probe on the others, as in the pinned alert-latency run.
 */
async function brokerFloor(which: 'aedes' | 'mosquitto', background: number, trials: number) {
  const broker = which === 'aedes' ? await startBrokerOnlyChild() : await startMosquittoChild(await freePort());
  if (!broker) return null;
  log(`latency floor: ${which} alone, ${trials} probes with ${background} connections at 1 Hz in the background`);
  execFileSync('taskset', ['-a', '-p', '-c', '0', String(broker.proc.pid)], { stdio: 'ignore' });
  pinSelf(`1-${os.cpus().length - 1}`);
  let load: Awaited<ReturnType<typeof startLoadChild>> | null = null;
  try {
    const creds = Array.from({ length: background }, (_, i) => ({ id: `floor-${i}` }));
    load = await startLoadChild({ host: '127.0.0.1', port: broker.mqttPort, creds, hz: 1 }, `1-${os.cpus().length - 1}`);
    await sleep(3000);
    const sub = await WireConnection.connect({ host: '127.0.0.1', port: broker.mqttPort, clientId: 'floor-sub', keepalive: 120 });
    const probe = await WireConnection.connect({ host: '127.0.0.1', port: broker.mqttPort, clientId: 'floor-probe', keepalive: 120 });
    const arrivals: number[] = [];
    sub.conn.handlers = {
      onMessage: () => {
        arrivals.push(performance.now());
      },
    };
    await sub.conn.subscribe('floor/probe', 1);
    const lat: number[] = [];
    const cpu0 = broker.cpuSeconds();
    const wall0 = performance.now();
    for (let i = 0; i < trials; i++) {
      const n = arrivals.length;
      const t0 = performance.now();
      probe.conn.publish('floor/probe', 'help', 1);
      while (arrivals.length === n && performance.now() - t0 < 10_000) await sleep(1);
      if (arrivals.length > n) lat.push(arrivals[n]! - t0);
      await sleep(300);
    }
    const cores = (broker.cpuSeconds() - cpu0) / ((performance.now() - wall0) / 1000);
    await probe.conn.disconnect();
    await sub.conn.disconnect();
    log(
      `  slowest: ${[...lat]
        .sort((a, b) => b - a)
        .slice(0, 5)
        .map((x) => x.toFixed(1))
        .join(', ')} ms`,
    );
    return {
      broker: which,
      p50: round(percentile(lat, 50)),
      p90: round(percentile(lat, 90)),
      p99: round(percentile(lat, 99)),
      max: round(percentile(lat, 100)),
      trials,
      missed: trials - lat.length,
      backgroundConnections: background,
      brokerCores: round(cores, 2),
    };
  } finally {
    pinSelf(`0-${os.cpus().length - 1}`);
    await load?.stop();
    await broker.stop();
  }
}

/** Pins this process (all its threads) to the given cores, e.g. '1-1'. */
function pinSelf(cores: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cores, String(process.pid)], { stdio: 'ignore' });
}

/** Whether the latency run can put the server and the load generator on separate cores. */
function canPin(): boolean {
  if (os.cpus().length < 2) return false;
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// ---- resident memory per connected wearer ----------------------------------------------------

async function memory(n: number, settleS: number) {
  log(`memory: ${n} connected wearers at 1 Hz`);
  const server = await startServerChild({ DEMO_PASSWORD: PASSWORD });
  const base = `http://127.0.0.1:${server.httpPort}`;
  let pubs: Pub[] = [];
  let load: ReturnType<typeof steady> | null = null;
  try {
    await sleep(2000);
    const baseline = server.rssBytes();
    const { creds } = await provision(base, n, `mem${n}`);
    pubs = await connectAll('127.0.0.1', server.mqttPort, creds);
    load = steady(pubs, 1);
    await sleep(settleS * 1000);
    const rss = server.rssBytes();
    return {
      wearers: n,
      bytesPerWearer: Math.round((rss - baseline) / n),
      baselineMb: round(baseline / 2 ** 20),
      rssMb: round(rss / 2 ** 20),
    };
  } finally {
    load?.stop();
    await closeAll(pubs);
    await server.stop();
  }
}

// ---- soak ------------------------------------------------------------------------------------

async function soak(wearers: number, minutes: number) {
  log(`soak: ${wearers} wearers for ${minutes} min`);
  const server = await startServerChild({ DEMO_PASSWORD: PASSWORD });
  const base = `http://127.0.0.1:${server.httpPort}`;
  const { creds } = await provision(base, wearers, 'soak');
  const pubs = await connectAll('127.0.0.1', server.mqttPort, creds);
  const load = steady(pubs, 1);
  const samples: { minute: number; rssMb: number; pubackP99Ms: number | null }[] = [];
  try {
    for (let m = 1; m <= minutes; m++) {
      const lat: number[] = [];
      for (const p of pubs.slice(0, 200)) p.conn.handlers = { onPuback: (_id, ms) => lat.push(ms) };
      await sleep(60_000);
      samples.push({ minute: m, rssMb: round(server.rssBytes() / 2 ** 20)!, pubackP99Ms: round(percentile(lat, 99)) });
      log(`  minute ${m}: rss ${samples.at(-1)!.rssMb} MB, publish->PUBACK p99 ${samples.at(-1)!.pubackP99Ms} ms`);
    }
  } finally {
    load.stop();
    await closeAll(pubs);
    await server.stop();
  }
  const warm = samples.slice(Math.min(5, samples.length - 1));
  const growth = warm.length > 1 ? (warm.at(-1)!.rssMb - warm[0]!.rssMb) / warm[0]!.rssMb : 0;
  return { wearers, minutes, samples, growthAfterWarmup: round(growth, 3) };
}

// ---- main ------------------------------------------------------------------------------------

const report: Record<string, unknown> = {};
const machine = {
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.cpus().length,
  memGb: round(os.totalmem() / 2 ** 30),
  node: process.version,
  quick: QUICK,
};
if (args.has('--soak-only')) {
  // The soak alone (30 minutes at 5,000 wearers), for a machine that has the time.
  const result = { soak: await soak(5000, Number(process.env.SOAK_MINUTES ?? 30)), machine };
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0);
}
const LAT_WEARERS = Number(process.env.BENCH_LATENCY_WEARERS ?? (QUICK ? 500 : 10_000));
const LAT_TRIALS = Number(process.env.BENCH_LATENCY_TRIALS ?? (QUICK ? 20 : 100));
if (wants('ingest')) report.ingest = await ingest(QUICK ? 30_000 : 200_000, QUICK ? 20 : 100);
if (wants('latency')) {
  // Side by side: everything sharing both cores (as a one-box deployment runs), then the server
  // pinned to one core and the load generator to the other, so the figure is the server's own.
  report.alertLatencyMs = await alertLatency(LAT_WEARERS, LAT_TRIALS, false);
  log(`  ${JSON.stringify(report.alertLatencyMs)}`);
  if (canPin()) report.alertLatencyPinnedMs = await alertLatency(LAT_WEARERS, LAT_TRIALS, true);
}
if (wants('latency') || ONLY.has('latency-mosquitto')) {
  // The same wearers and presses with the devices on Mosquitto (MQTT_URL), everything sharing the cores as above.
  report.alertLatencyMosquittoMs = HAVE_MOSQUITTO ? await alertLatency(LAT_WEARERS, LAT_TRIALS, false, 'mosquitto') : null;
  log(`  ${JSON.stringify(report.alertLatencyMosquittoMs)}`);
}
if ((wants('latency') || ONLY.has('floor') || ONLY.has('latency-mosquitto')) && canPin()) {
  report.latencyFloorMs = [
    await brokerFloor('aedes', LAT_WEARERS, LAT_TRIALS),
    await brokerFloor('mosquitto', LAT_WEARERS, LAT_TRIALS),
  ].filter((x) => x !== null);
}
if (ONLY.has('ingest-cpu')) {
  // Not in the default run (the A/B measure of the per-message work, issue 14). `--only=ingest-cpu`.
  report.ingestCpu = HAVE_MOSQUITTO
    ? await ingestCpu(
        Number(process.env.BENCH_INGEST_CPU_WEARERS ?? (QUICK ? 500 : 2000)),
        Number(process.env.BENCH_INGEST_CPU_HZ ?? 2.5),
        Number(process.env.BENCH_INGEST_CPU_MESSAGES ?? (QUICK ? 10_000 : 50_000)),
        Number(process.env.BENCH_INGEST_CPU_WINDOWS ?? 3),
      )
    : null;
  log(`  ${JSON.stringify(report.ingestCpu)}`);
}
if (ONLY.has('rebuild')) {
  // Not in the default run: storing 10 minutes of 10,000 wearers takes minutes. `--only=rebuild`.
  const kit = (process.env.BENCH_REBUILD_KIT ?? 'wearable') as RebuildKit;
  if (kit !== 'wearable' && kit !== 'room') throw new Error(`BENCH_REBUILD_KIT must be wearable or room, not ${String(kit)}`);
  const ab = process.env.BENCH_REBUILD_AB === '1';
  report.rebuild = await benchRebuild({
    wearers: Number(process.env.BENCH_REBUILD_WEARERS ?? (QUICK ? 1000 : 10_000)),
    kit,
    ab,
    repeat: Number(process.env.BENCH_REBUILD_REPEAT ?? (ab ? 3 : 1)),
    log,
  });
  log(`  ${JSON.stringify(report.rebuild)}`);
}
if (ONLY.has('monitoring')) {
  // Not in the default run: one in-process part. `--only=monitoring`.
  log('monitoring command round (in process, SQLite)');
  report.monitoring = await benchMonitoring({
    devices: Number(process.env.BENCH_MONITORING_DEVICES ?? (QUICK ? 1000 : 10_000)),
    rounds: 3,
    log,
  });
  log(`  ${JSON.stringify(report.monitoring)}`);
}
if (ONLY.has('session-backlog')) {
  // Not in the default run: minutes of Mosquitto queueing and draining. `--only=session-backlog` (docs/performance.md).
  const list = (v: string | undefined, d: number[]) => (v ? v.split(',').map(Number) : d);
  report.sessionBacklog = await benchSessionBacklog({
    wearers: Number(process.env.BENCH_BACKLOG_WEARERS ?? (QUICK ? 1000 : 10_000)),
    hz: Number(process.env.BENCH_BACKLOG_HZ ?? 2),
    gapsS: list(process.env.BENCH_BACKLOG_GAPS_S, QUICK ? [2] : [5, 10, 15]),
    sizes: list(process.env.BENCH_BACKLOG_SIZES, QUICK ? [10_000, 30_000] : [100_000, 300_000, 1_000_000]),
    drain: Number(process.env.BENCH_BACKLOG_DRAIN ?? (QUICK ? 30_000 : 300_000)),
    repeat: Number(process.env.BENCH_BACKLOG_REPEAT ?? (QUICK ? 1 : 3)),
    ...(process.env.BENCH_BACKLOG_INFLIGHT ? { inflight: Number(process.env.BENCH_BACKLOG_INFLIGHT) } : {}),
    log,
  });
  log(`  ${JSON.stringify(report.sessionBacklog)}`);
}
if (ONLY.has('session-drain-server')) {
  // Not in the default run: the real server's drain of a takeover gap's backlog. `--only=session-drain-server`.
  report.sessionDrainServer = HAVE_MOSQUITTO
    ? await serverDrain(
        Number(process.env.BENCH_BACKLOG_WEARERS ?? (QUICK ? 1000 : 10_000)),
        Number(process.env.BENCH_BACKLOG_HZ ?? 1),
        Number(process.env.BENCH_BACKLOG_GAPS_S ?? 15),
      )
    : null;
}
const mem: Awaited<ReturnType<typeof memory>>[] = [];
if (wants('memory')) {
  mem.push(await memory(1000, QUICK ? 8 : 20));
  if (!QUICK) mem.push(await memory(10_000, 30));
  report.memory = { ...mem.at(-1)!, runs: mem };
}
if (wants('detection')) {
  log('detection core alone');
  report.detection = benchDetection(QUICK ? { samples: 500_000 } : {});
}
if (wants('escalation')) {
  log('escalation (virtual time, in-process)');
  report.escalation = await runEscalationBench({ quick: QUICK });
}
if (wants('bridge')) {
  log('firmware bridge');
  report.bridge = await benchBridge({ quick: QUICK });
}
if (wants('cluster-bus')) {
  log('cross-node bus (PostgreSQL LISTEN/NOTIFY)');
  report.clusterBus = await benchClusterBus({ quick: QUICK });
}
if (SOAK) report.soak = await soak(5000, 30);
report.machine = machine;

if (JSON_OUT) {
  process.stdout.write(JSON.stringify(report) + '\n');
} else {
  const i = report.ingest as Awaited<ReturnType<typeof ingest>> | undefined;
  const lat = (a: Awaited<ReturnType<typeof alertLatency>> | undefined, label: string): [string, string][] =>
    a
      ? [
          [
            `alert latency to WebSocket${label}`,
            `p50 ${a.p50} ms, p99 ${a.p99} ms (${a.backgroundWearers} wearers at 1 Hz, ${a.ingestedPerSec} vitals/s ingested; server used ${a.serverCores} cores)`,
          ],
          [`alert latency to SMS request${label}`, `p50 ${a.smsP50} ms, p99 ${a.smsP99} ms`],
          ...(a.serverLoopDelayMs && a.serverGc
            ? [
                [
                  `server event-loop delay${label}`,
                  `p99 ${a.serverLoopDelayMs.p99} ms, max ${a.serverLoopDelayMs.max} ms; GC ${a.serverGc.ms} ms in ${a.serverGc.count} pauses, longest ${a.serverGc.maxMs} ms`,
                ] as [string, string],
              ]
            : []),
          ...(a.serverStalls ? [[`server stalls over 50 ms${label}`, stallList(a.serverStalls)] as [string, string]] : []),
        ]
      : [];
  const d = report.detection as ReturnType<typeof benchDetection> | undefined;
  const e = report.escalation as Awaited<ReturnType<typeof runEscalationBench>> | undefined;
  const b = report.bridge as Awaited<ReturnType<typeof benchBridge>> | undefined;
  const rb = report.rebuild as Awaited<ReturnType<typeof benchRebuild>> | undefined;
  const cb = report.clusterBus as Awaited<ReturnType<typeof benchClusterBus>> | undefined;
  const ic = report.ingestCpu as Awaited<ReturnType<typeof ingestCpu>> | null | undefined;
  const mon = report.monitoring as Awaited<ReturnType<typeof benchMonitoring>> | undefined;
  const sb = report.sessionBacklog as Awaited<ReturnType<typeof benchSessionBacklog>> | undefined;
  const rows: [string, string][] = [
    ['machine', `${machine.cpu}, ${machine.cores} cores, Node ${machine.node}${QUICK ? ' (quick)' : ''}`],
    ...(i
      ? ([
          ['ingest: full pipeline', `${i.pipelineMsgsPerSec} msg/s`],
          ['ingest: embedded broker only', `${i.brokerOnlyMsgsPerSec} msg/s (pipeline ${i.ratioToBroker}x)`],
          [
            'ingest: Mosquitto',
            i.mosquittoMsgsPerSec === null ? 'not installed' : `${i.mosquittoMsgsPerSec} msg/s (pipeline ${i.ratioToMosquitto}x)`,
          ],
        ] as [string, string][])
      : []),
    ...lat(report.alertLatencyMs as Awaited<ReturnType<typeof alertLatency>> | undefined, ', shared cores'),
    ...lat(report.alertLatencyPinnedMs as Awaited<ReturnType<typeof alertLatency>> | undefined, ', server pinned'),
    ...(report.alertLatencyMosquittoMs === null
      ? ([['alert latency to WebSocket, through Mosquitto', 'Mosquitto not installed']] as [string, string][])
      : lat(report.alertLatencyMosquittoMs as Awaited<ReturnType<typeof alertLatency>> | undefined, ', through Mosquitto (MQTT_URL)')),
    ...((report.latencyFloorMs ?? []) as NonNullable<Awaited<ReturnType<typeof brokerFloor>>>[]).map((f): [string, string] => [
      `latency floor: ${f.broker} alone, pinned`,
      `publish -> subscriber p50 ${f.p50} ms, p99 ${f.p99} ms (${f.backgroundConnections} connections at 1 Hz; broker used ${f.brokerCores} cores)`,
    ]),
    ...mem.map((m): [string, string] => [
      `memory at ${m.wearers} wearers`,
      `${Math.round(m.bytesPerWearer / 1024)} KB per connected wearer`,
    ]),
    ...(d
      ? ([['detection core', `${d.samplesPerSec} samples/s, ${d.bytesPerWearer ?? '?'} bytes of state per wearer`]] as [string, string][])
      : []),
    ...(e
      ? ([
          ['escalation: decision -> first SMS', `p50 ${e.decisionToFirstSmsMs.p50} ms, p99 ${e.decisionToFirstSmsMs.p99} ms`],
          [
            'escalation: burst with restart',
            `${e.burst.alerts} alerts, ${e.burst.sent}/${e.burst.expectedSends} SMS sent, ${e.burst.missing} missing, ${e.burst.duplicates} duplicates`,
          ],
        ] as [string, string][])
      : []),
    ...(b
      ? ([
          [
            'bridge: decode + publish',
            `${b.pipelineFramesPerSec} frames/s wall, ${b.pipelineFramesPerCpuSecond} per CPU-second (${b.broker})`,
          ],
        ] as [string, string][])
      : []),
    ...(cb !== undefined
      ? ([
          [
            'cross-node bus: publish -> other node',
            cb === null
              ? 'PostgreSQL not installed'
              : `p50 ${cb.small.p50Ms} ms, p99 ${cb.small.p99Ms} ms (${cb.small.events} events one at a time); over 7900 bytes by reference p50 ${cb.byReference.p50Ms} ms, p99 ${cb.byReference.p99Ms} ms`,
          ],
        ] as [string, string][])
      : []),
    ...(rb !== undefined
      ? ([
          [
            'takeover: detector rebuild (PostgreSQL)',
            rb === null
              ? 'PostgreSQL not installed'
              : `${rb.seconds} s for ${rb.wearers} wearers (${rb.restored} snapshots restored, ${rb.windowS} s replayed), ${rb.samples} samples (${rb.samplesPerSec}/s); device data waits meanwhile (${rb.heldAt1Hz} messages held at 1 Hz); longest loop stall ${rb.loopMaxMs} ms; ${rb.stalls.length} stalls over 50 ms${rb.runs.length > 1 ? `; runs: ${rb.runs.map((r) => `${r.variant} ${r.seconds} s`).join(', ')}` : ''}`,
          ],
        ] as [string, string][])
      : []),
    ...(ic !== undefined
      ? ([
          [
            'ingest CPU per message, through Mosquitto',
            ic === null
              ? 'Mosquitto not installed'
              : `${ic.usPerMsg.min}-${ic.usPerMsg.max} us (median ${ic.usPerMsg.median}) of server CPU per vitals message, ${ic.wearers} wearers at ${ic.hz} Hz (${ic.publishedPerSec}/s published); windows: ${ic.runs.map((r) => `${r.usPerMsg} us, ${r.writesPerMsg ?? '?'} write syscalls, ${r.cores} cores`).join('; ')}`,
          ],
        ] as [string, string][])
      : []),
    ...(mon
      ? ([
          [
            'monitoring round',
            `${mon.devices} devices: ${mon.roundMs.join(', ')} ms a round, at most ${mon.maxDevicesPerTurn} devices in one loop turn; the round's read: every row ${mon.reads.allRowsMs.join(', ')} ms, the watched ids ${mon.reads.watchedIdsMs.join(', ')} ms`,
          ],
          ['monitoring: loop stalls over 50 ms', stallList(mon.stalls)],
        ] as [string, string][])
      : []),
    ...(sb === null
      ? ([['session backlog', 'Mosquitto not installed']] as [string, string][])
      : sb
        ? sb.rounds.flatMap((r, i): [string, string][] => [
            [
              `session backlog ${i + 1}: gaps`,
              `${sb.wearers} devices at ${sb.hz} Hz (live ${r.gaps.liveRates.join(', ')}/s): ${r.gaps.runs.map((g) => `${g.gapS} s -> ${g.queued} queued (${g.expected} by rate), drained in ${g.drainS} s (${g.drainPerSec}/s)`).join('; ')}`,
            ],
            [
              `session backlog ${i + 1}: Mosquitto RSS`,
              `${r.memory.baseMb} MB empty; ${r.memory.points.map((p) => `${p.queued} queued ${p.rssMb} MB (${p.bytesPerMessage} B each)`).join('; ')}`,
            ],
            [
              `session backlog ${i + 1}: drain`,
              r.memory.drains
                .map(
                  (d) =>
                    `${d.messages} in ${d.seconds} s (${d.perSec}/s, Mosquitto ${d.brokerCores} cores; a probe after ${d.beforeProbe}, ${d.outOfOrder} out of order)`,
                )
                .join('; '),
            ],
          ])
        : []),
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  process.stdout.write(rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n') + '\n');
}
process.exit(0);
