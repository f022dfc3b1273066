// `npm run bench -- [--json] [--quick] [--soak]`: performance figures measured side by side in one
// run on this machine (DESIGN.md "Performance"): ingest against the bare broker and Mosquitto, alert
// latency under background load, resident memory per wearer, detection core alone.
import os from 'node:os';
import WebSocket from 'ws';
import { AdminClient } from '../../simulator/src/admin-client.js';
import { WireConnection } from '../../simulator/src/wire.js';
import { benchDetection } from '../../server/src/detection/bench.js';
import { runEscalationBench } from '../../server/src/escalation/bench.js';
import { benchBridge } from '../../firmware-bridge/bench.js';
import { startFakeTwilio } from '../helpers/fake-twilio.js';
import { freePort, percentile, startBrokerOnlyChild, startMosquittoChild, startServerChild } from './child.js';
import { blast, closeAll, connectAll, steady, type Cred, type Pub } from './load.js';

const PASSWORD = 'bench-demo-password';
const args = new Set(process.argv.slice(2));
const JSON_OUT = args.has('--json');
const QUICK = args.has('--quick');
const SOAK = args.has('--soak');
const log = (s: string) => process.stderr.write(s + '\n');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number | null, d = 1) => (x === null ? null : Math.round(x * 10 ** d) / 10 ** d);

async function provision(base: string, n: number, prefix: string): Promise<{ admin: AdminClient; creds: Cred[]; wearerIds: string[] }> {
  const admin = await AdminClient.login(base, 'admin', PASSWORD);
  const wearers = Array.from({ length: n }, (_, i) => ({ alias: `${prefix}${i}`, consent: 'active' as const, devices: [{ id: `${prefix}-${i}`, kind: 'wearable' as const }] }));
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
  sub.conn.handlers = { onMessage: () => { got++; } };
  await sub.conn.subscribe('odart/v1/devices/+/vitals', 0);
  const conns = await connectAll('127.0.0.1', port, Array.from({ length: pubs }, (_, i) => ({ id: `bench-pub-${i}` })));
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
    while ((await metricValue(base, /odart_mqtt_messages_total\{stream="vitals"\} (\d+)/)) - before < total && performance.now() - start < 120_000) await sleep(20);
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

async function alertLatency(background: number, trials: number) {
  log(`alert latency: ${trials} help presses with ${background} wearers at 1 Hz in the background`);
  const tw = await startFakeTwilio();
  const server = await startServerChild({
    DEMO_PASSWORD: PASSWORD, TWILIO_ACCOUNT_SID: 'AC' + 'b'.repeat(32), TWILIO_AUTH_TOKEN: 'bench-token',
    TWILIO_FROM: '+15005550006', TWILIO_BASE_URL: tw.baseUrl,
  });
  const base = `http://127.0.0.1:${server.httpPort}`;
  let bg: Pub[] = [];
  let load: ReturnType<typeof steady> | null = null;
  try {
    if (background > 0) {
      const { creds } = await provision(base, background, 'bg');
      bg = await connectAll('127.0.0.1', server.mqttPort, creds);
      load = steady(bg, 1);
      await sleep(3000);
    }
    const alex = await AdminClient.login(base, 'alex', PASSWORD);
    const cookie = alex.sessionCookie;
    const ws = new WebSocket(`ws://127.0.0.1:${server.httpPort}/api/live`, { headers: { cookie } });
    const pages: { at: number; id: string }[] = [];
    ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as { type: string; alert?: { id: string } };
      if (m.type === 'page' && m.alert) pages.push({ at: Date.now(), id: m.alert.id });
    });
    await new Promise<void>((r, j) => { ws.once('open', () => r()); ws.once('error', j); });
    const smsTo = '+447700900101';
    const wrist = await WireConnection.connect({ host: '127.0.0.1', port: server.mqttPort, clientId: 'demo-wrist', username: 'demo-wrist', password: PASSWORD });
    const toWs: number[] = [];
    const toSms: number[] = [];
    for (let i = 0; i < trials; i++) {
      const p0 = pages.length;
      const s0 = tw.requests.filter((r) => r.to === smsTo).length;
      const t0 = Date.now();
      wrist.conn.publish('odart/v1/devices/demo-wrist/button', JSON.stringify({ action: 'help' }), 1);
      const sms = await Promise.race([
        tw.waitFor(s0 + 1, (r) => r.to === smsTo).then((rs) => rs[s0]!),
        sleep(10_000).then(() => null),
      ]);
      while (pages.length === p0 && Date.now() - t0 < 10_000) await sleep(1);
      if (pages.length > p0) toWs.push(pages[p0]!.at - t0);
      if (sms) toSms.push(sms.at - t0);
      const id = pages[p0]?.id;
      if (id) await alex.request('POST', `/api/alerts/${id}/resolve`, { outcome: 'false_alarm_sensor' });
      // More than the per-number SMS rate (1/s) apart, so each trial's first page is not queued.
      await sleep(1100);
    }
    ws.close();
    await wrist.conn.disconnect();
    return {
      p50: round(percentile(toWs, 50)), p99: round(percentile(toWs, 99)),
      smsP50: round(percentile(toSms, 50)), smsP99: round(percentile(toSms, 99)),
      trials, missed: trials - Math.min(toWs.length, toSms.length),
      backgroundWearers: background,
      backgroundMsgsPerSec: load ? load.ratePerSec() : 0,
    };
  } finally {
    load?.stop();
    await closeAll(bg);
    await server.stop();
    await tw.close();
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
    return { wearers: n, bytesPerWearer: Math.round((rss - baseline) / n), baselineMb: round(baseline / 2 ** 20), rssMb: round(rss / 2 ** 20) };
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
const machine = { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, memGb: round(os.totalmem() / 2 ** 30), node: process.version, quick: QUICK };
if (args.has('--soak-only')) {
  // The soak alone (30 minutes at 5,000 wearers), for a machine that has the time.
  const result = { soak: await soak(5000, Number(process.env.SOAK_MINUTES ?? 30)), machine };
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0);
}
report.ingest = await ingest(QUICK ? 30_000 : 200_000, QUICK ? 20 : 100);
report.alertLatencyMs = await alertLatency(QUICK ? 500 : 10_000, QUICK ? 20 : 100);
const mem = [await memory(1000, QUICK ? 8 : 20)];
if (!QUICK) mem.push(await memory(10_000, 30));
report.memory = { ...mem.at(-1)!, runs: mem };
log('detection core alone');
report.detection = benchDetection(QUICK ? { samples: 500_000 } : {});
log('escalation (virtual time, in-process)');
report.escalation = await runEscalationBench({ quick: QUICK });
log('firmware bridge');
report.bridge = await benchBridge({ quick: QUICK });
if (SOAK) report.soak = await soak(5000, 30);
report.machine = machine;

if (JSON_OUT) {
  process.stdout.write(JSON.stringify(report) + '\n');
} else {
  const i = report.ingest as Awaited<ReturnType<typeof ingest>>;
  const a = report.alertLatencyMs as Awaited<ReturnType<typeof alertLatency>>;
  const d = report.detection as ReturnType<typeof benchDetection>;
  const e = report.escalation as Awaited<ReturnType<typeof runEscalationBench>>;
  const b = report.bridge as Awaited<ReturnType<typeof benchBridge>>;
  const rows: [string, string][] = [
    ['machine', `${machine.cpu}, ${machine.cores} cores, Node ${machine.node}${QUICK ? ' (quick)' : ''}`],
    ['ingest: full pipeline', `${i.pipelineMsgsPerSec} msg/s`],
    ['ingest: embedded broker only', `${i.brokerOnlyMsgsPerSec} msg/s (pipeline ${i.ratioToBroker}x)`],
    ['ingest: Mosquitto', i.mosquittoMsgsPerSec === null ? 'not installed' : `${i.mosquittoMsgsPerSec} msg/s (pipeline ${i.ratioToMosquitto}x)`],
    ['alert latency to WebSocket', `p50 ${a.p50} ms, p99 ${a.p99} ms (${a.backgroundWearers} wearers at 1 Hz)`],
    ['alert latency to SMS request', `p50 ${a.smsP50} ms, p99 ${a.smsP99} ms`],
    ...mem.map((m): [string, string] => [`memory at ${m.wearers} wearers`, `${Math.round(m.bytesPerWearer / 1024)} KB per connected wearer`]),
    ['detection core', `${d.samplesPerSec} samples/s, ${d.bytesPerWearer ?? '?'} bytes of state per wearer`],
    ['escalation: decision -> first SMS', `p50 ${e.decisionToFirstSmsMs.p50} ms, p99 ${e.decisionToFirstSmsMs.p99} ms`],
    ['escalation: burst with restart', `${e.burst.alerts} alerts, ${e.burst.sent}/${e.burst.expectedSends} SMS sent, ${e.burst.missing} missing, ${e.burst.duplicates} duplicates`],
    ['bridge: decode + publish', `${b.pipelineFramesPerSec} frames/s wall, ${b.pipelineFramesPerCpuSecond} per CPU-second (${b.broker})`],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  process.stdout.write(rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n') + '\n');
}
process.exit(0);
