// `npm run simulate -- <scenario> [--wearers N] [--speed N] [--seed S] [--out file.jsonl] [behaviour flags]`
// `npm run simulate -- fleet --wearers N --rate HZ --duration S [--json] [--keep]`
// Publishes a scenario as virtual devices over MQTT (same env as `npm start`), writes its trace, or runs fleet load.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { parseArgs, numberFlag, UsageError, type Args } from './args.js';
import { AdminClient } from './admin-client.js';
import { adminCredentials, deviceSecret, httpBase, mqttCa, mqttUrl } from './env.js';
import { runFleet } from './fleet.js';
import { SCENARIOS2, generateScenario2 } from './model2/library.js';
import { generateWearers } from './multi.js';
import { provisionWearers } from './provision.js';
import { BEHAVIOUR_USAGE, behaviourFromArgs, connectAll, formatSummary, runTrace, speedFromArgs } from './run.js';
import { SCENARIOS, generateScenario } from './scenarios.js';
import { serializeTrace, type TraceHeader, type TraceLine } from './trace.js';
import { formatOffTheShelfSummary, homeBrokerUrl, offTheShelfFailed, playOffTheShelf } from './off-the-shelf-play.js';
import { openBridgeTarget, sendTraceViaBridge } from './via-bridge.js';

const USAGE = `usage: npm run simulate -- <scenario> [--wearers N] [--seed S] [--speed N] [--out trace.jsonl] [--keep] [--via-bridge udp://host:port] [--model 2]
       npm run simulate -- <scenario> --off-the-shelf [--home-broker mqtt://host:port] [--seed S] [--speed N] [--model 2]
       npm run simulate -- fleet --wearers N --rate HZ --duration S [--json] [--keep] [--concurrency C]
scenarios: ${Object.keys(SCENARIOS).join(', ')}
  --model 2      the second, independent trace model (simulator/src/model2/; one wearer, timings and
                 physiology always drawn from --seed): ${Object.keys(SCENARIOS2).join(', ')}
  --wearers N    N wearers live the scenario at once (wearer i seeded with seed + i). Without --out and
                 with N > 1 they are enrolled through the admin API (ADMIN_USER/ADMIN_PASSWORD, or admin +
                 DEMO_PASSWORD) with --chain (default demo-chain) and --responders (default alex,sam);
                 --cleanup removes them at the end. With N = 1 the demo devices publish (DATA_DIR/
                 demo-credentials.json, or DEMO_DEVICE_SECRET), unless --provision.
  --off-the-shelf  the demo home as off-the-shelf sensors (docs/devices.md): Zigbee2MQTT door contact,
                 ESPHome presence and breathing radars on a home broker (a Mosquitto started for the
                 run, or --home-broker URL), a Bluetooth pulse oximeter as --ble-hex lines; the gateway
                 runs here as BRIDGE_ID (default demo-gateway) with a generated mapping file and
                 forwards to the running server (MQTT_URL; secret as for npm run bridge)
${BEHAVIOUR_USAGE}`;

/** What --off-the-shelf may be combined with (the rest are virtual-device, fleet or trace-file flags). */
const OFF_THE_SHELF_FLAGS = new Set(['off-the-shelf', 'home-broker', 'speed', 'seed', 'model', 'wearers']);

/** null without --off-the-shelf; bad combinations are usage errors. */
function offTheShelfFromArgs(args: Args): { homeBroker?: string } | null {
  const ots = args.flags.get('off-the-shelf');
  const hb = args.flags.get('home-broker');
  if (ots === undefined) {
    if (hb !== undefined) throw new UsageError('--home-broker goes with --off-the-shelf');
    return null;
  }
  if (ots !== true) throw new UsageError(`--off-the-shelf takes no value (got "${ots}"): npm run simulate -- <scenario> --off-the-shelf`);
  const other = [...args.flags.keys()].filter((k) => !OFF_THE_SHELF_FLAGS.has(k) || (k === 'wearers' && args.flags.get(k) !== '1'));
  if (other.length > 0)
    throw new UsageError(
      `--off-the-shelf plays the demo home (one wearer, its room and wearable as off-the-shelf sensors) and cannot be combined with ${other.map((k) => `--${k}`).join(', ')}`,
    );
  const model = args.flags.get('model');
  if (model !== undefined && model !== '1' && model !== '2')
    throw new UsageError('with --off-the-shelf, --model is 1 or 2 (the trace model); the wearable is a Bluetooth pulse oximeter');
  if (hb === undefined) return {};
  try {
    return { homeBroker: homeBrokerUrl(hb) };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

async function offTheShelf(name: string, lines: TraceLine[], o: { homeBroker?: string }, speed: number): Promise<number> {
  const say = (s: string) => process.stdout.write(s);
  const durationS = Math.round((lines.at(-1)?.t ?? 0) / 1000);
  say(
    `simulating "${name}" as off-the-shelf sensors (Zigbee2MQTT, ESPHome, Bluetooth) through the gateway: ${durationS}s of trace at speed ${speed}\n`,
  );
  if (lines.some((l) => 'device' in l && l.stream === 'button'))
    say('note: the scenario presses a button; no off-the-shelf sensor here has one, so the press is not played\n');
  const ac = new AbortController();
  // stopped (Ctrl-C, or a supervisor's SIGTERM): the run ends and the Mosquitto it started goes with it
  process.once('SIGINT', () => ac.abort());
  process.once('SIGTERM', () => ac.abort());
  const summary = await playOffTheShelf(lines, {
    ids: { room: 'demo-room', wrist: 'demo-wrist' },
    ...o,
    speed,
    env: process.env,
    out: say,
    signal: ac.signal,
  });
  if (ac.signal.aborted) say('stopped before the end of the scenario\n');
  say(`${formatOffTheShelfSummary(summary)}\n`);
  return offTheShelfFailed(summary) ? 1 : 0;
}

async function fleet(args: Args): Promise<number> {
  const url = new URL(mqttUrl());
  const json = args.flags.has('json');
  const report = await runFleet({
    base: httpBase(),
    mqttHost: url.hostname,
    admin: adminCredentials(),
    ...(url.protocol === 'mqtts:' ? { mqttPort: Number(url.port || 8883), tls: { ca: mqttCa() } } : { mqttPort: Number(url.port || 1883) }),
    wearers: Math.floor(numberFlag(args, 'wearers', 100)),
    rate: numberFlag(args, 'rate', 1),
    durationS: numberFlag(args, 'duration', 10),
    connectConcurrency: Math.floor(numberFlag(args, 'concurrency', 100)),
    keep: args.flags.has('keep'),
    log: (l) => process.stderr.write(`fleet: ${l}\n`),
  });
  if (json) {
    process.stdout.write(JSON.stringify(report) + '\n');
  } else {
    const r = report;
    process.stdout.write(
      [
        `fleet: ${r.connected}/${r.wearers} wearers connected${Object.keys(r.connectFailures).length ? ` (failures: ${JSON.stringify(r.connectFailures)}; all from one address: is the server's MQTT_MAX_CONNECTIONS_PER_ADDRESS 0?)` : ''}`,
        `  offered ${r.offeredMsgsPerSec} msgs/s for ${r.durationS}s: published ${r.published} (${r.msgsPerSec} msgs/s), acknowledged ${r.acknowledged} (${r.ackedMsgsPerSec} msgs/s), throttled ${r.throttled}, unacknowledged ${r.unacknowledged}${r.lostConnections ? `, ${r.lostConnections} connections lost (${r.skippedClosed} publishes skipped)` : ''}`,
        `  publish->PUBACK latency: p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, max ${r.latencyMs.max} ms`,
        `  simulator: ${r.cpuCores} cores, ${r.rssMb} MB resident; phases (s): ${JSON.stringify(r.phasesS)}`,
        `  ${args.flags.has('keep') ? 'wearers kept' : `removed ${r.removed} wearers`}`,
      ].join('\n') + '\n',
    );
  }
  return report.connected === report.wearers && report.unacknowledged === 0 && report.lostConnections === 0 ? 0 : 1;
}

async function scenario(args: Args, name: string): Promise<number> {
  const speed = speedFromArgs(args);
  const seed = numberFlag(args, 'seed', 1);
  const wearers = Math.floor(numberFlag(args, 'wearers', 1));
  const out = args.flags.get('out');
  const model = modelFromArgs(args);
  const ots = offTheShelfFromArgs(args);
  const provision = wearers > 1 || args.flags.has('provision');
  let header: TraceHeader;
  let lines: TraceLine[];
  if (model === 2) {
    if (wearers !== 1) throw new Error('--model 2 generates one wearer');
    const sc = generateScenario2(name, { seed, wearer: 'demo-wearer', wrist: 'demo-wrist', room: 'demo-room', vary: true });
    header = sc.header;
    lines = sc.lines;
  } else if (wearers === 1 && !provision) {
    const sc = generateScenario(name, { seed, wearer: 'demo-wearer', wrist: 'demo-wrist', room: 'demo-room' });
    header = sc.header;
    lines = sc.lines;
  } else {
    // Written traces get stable ids; live runs get a run id so runs never collide with each other.
    const prefix = typeof out === 'string' ? 'sim' : `sim-${randomBytes(2).toString('hex')}`;
    ({ header, lines } = generateWearers(name, { seed, wearers, prefix }));
  }
  if (typeof out === 'string') {
    writeFileSync(out, serializeTrace(header, lines));
    process.stdout.write(`wrote ${lines.length} lines (${wearers} wearer${wearers > 1 ? 's' : ''}) to ${out}\n`);
    return 0;
  }

  if (ots) return offTheShelf(name, lines, ots, speed);

  const via = args.flags.get('via-bridge');
  if (via !== undefined) {
    // Frames to a running bridge (`npm run bridge`) instead of MQTT as the devices themselves.
    if (via === true) throw new Error('--via-bridge needs udp://host:port or tcp://host:port');
    const target = await openBridgeTarget(via);
    process.stdout.write(`simulating "${name}" as frames to the bridge at ${via}, speed ${speed}\n`);
    const ac = new AbortController();
    process.once('SIGINT', () => ac.abort());
    const r = await sendTraceViaBridge(lines, target, { speed, signal: ac.signal });
    await target.close();
    process.stdout.write(`done: ${r.sent} frames sent, ${r.errors} errors\n`);
    return r.errors > 0 ? 1 : 0;
  }

  const behaviour = behaviourFromArgs(args);
  // In `wearer-cancels` the wearer answers the live prompt (the trace's own button line is for evaluate).
  if (name === 'wearer-cancels' && !behaviour.profile.wearer) behaviour.profile.wearer = { answers: 'ok', afterS: 5 };
  const tty = process.stdout.isTTY === true;
  const say = (s: string) => process.stdout.write(s);
  let secretOf: (id: string) => string = (id) => deviceSecret(id);
  let admin: AdminClient | null = null;
  let enrolled: string[] = [];
  if (provision) {
    const cred = adminCredentials();
    admin = await AdminClient.login(httpBase(), cred.username, cred.password);
    const groups = header.wearers ?? [{ id: header.wearer, devices: header.devices.map((d) => d.id) }];
    const kindOf = new Map(header.devices.map((d) => [d.id, d.kind]));
    const chain = args.flags.get('chain');
    const responders = args.flags.get('responders');
    const p = await provisionWearers(
      admin,
      groups.map((g) => ({ id: g.id, devices: g.devices.map((id) => ({ id, kind: kindOf.get(id) ?? 'wearable' })) })),
      {
        chainId: typeof chain === 'string' ? chain : 'demo-chain',
        responderIds: typeof responders === 'string' ? responders.split(',').filter(Boolean) : ['alex', 'sam'],
        log: (l) => process.stderr.write(`${l}\n`),
      },
    );
    enrolled = p.wearerIds;
    secretOf = (id) => p.secrets.get(id) ?? deviceSecret(id);
    say(`enrolled ${enrolled.length} wearers through the admin API\n`);
  }
  try {
    const url = mqttUrl();
    const devices = await connectAll(header.devices, secretOf, { url, ca: mqttCa(), profile: behaviour.profile, out: say });
    const durationS = Math.round((lines.at(-1)?.t ?? 0) / 1000);
    say(
      `simulating "${name}" with ${wearers} wearer${wearers > 1 ? 's' : ''} (${devices.size} devices) on ${url}: ${durationS}s of trace at speed ${speed}\n`,
    );
    const ac = new AbortController();
    process.once('SIGINT', () => ac.abort());
    const summary = await runTrace(lines, devices, { speed, behaviour, tty, out: say, signal: ac.signal });
    say(`\n${formatSummary(summary)}\n`);
    return summary.errors > 0 ? 1 : 0;
  } finally {
    if (admin && enrolled.length > 0) {
      if (args.flags.has('cleanup')) say(`removed ${await admin.remove(enrolled)} wearers\n`);
      else say(`the enrolled wearers stay (look at their alerts in the app); add --cleanup to remove them at the end\n`);
    }
  }
}

/** `--model 2`: the second trace model; `--model spo2|spo2-rr` is the wearable model (run.ts) on model 1. */
function modelFromArgs(args: Args): 1 | 2 {
  return args.flags.get('model') === '2' ? 2 : 1;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const name = args.positionals[0];
  // `--off-the-shelf overdose` reads the scenario as the flag's value: say so rather than print the usage
  if (!name && typeof args.flags.get('off-the-shelf') === 'string') offTheShelfFromArgs(args);
  if (!name || args.flags.has('help')) {
    process.stdout.write(USAGE + '\n');
    return name ? 0 : 2;
  }
  if (name === 'fleet') return fleet(args);
  if (modelFromArgs(args) === 2 ? !SCENARIOS2[name] : !SCENARIOS[name]) {
    process.stderr.write(`unknown scenario "${name}"\n${USAGE}\n`);
    return 2;
  }
  return scenario(args, name);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`simulate: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
