// `npm run simulate -- <scenario> [--speed N] [--seed S] [--out file.jsonl]`
// Publishes a scenario as the demo devices over MQTT (same env as `npm start`), or writes its trace.
import { writeFileSync } from 'node:fs';
import { parseArgs, numberFlag } from './args.js';
import { connectDevice, disconnectDevice, type VirtualDevice } from './devices.js';
import { deviceSecret, mqttUrl } from './env.js';
import { publishTrace } from './publisher.js';
import { SCENARIOS, generateScenario } from './scenarios.js';
import { serializeTrace } from './trace.js';
import { openBridgeTarget, sendTraceViaBridge } from './via-bridge.js';

const USAGE = `usage: npm run simulate -- <scenario> [--speed N] [--seed S] [--out trace.jsonl] [--via-bridge udp://host:port]
scenarios: ${Object.keys(SCENARIOS).join(', ')}`;

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const name = args.positionals[0];
  if (!name || args.flags.has('help')) {
    process.stdout.write(USAGE + '\n');
    return name ? 0 : 2;
  }
  if (!SCENARIOS[name]) {
    process.stderr.write(`unknown scenario "${name}"\n${USAGE}\n`);
    return 2;
  }
  const speed = numberFlag(args, 'speed', 1);
  const seed = numberFlag(args, 'seed', 1);
  const scenario = generateScenario(name, { seed, wearer: 'demo-wearer', wrist: 'demo-wrist', room: 'demo-room' });
  const out = args.flags.get('out');
  if (typeof out === 'string') {
    writeFileSync(out, serializeTrace(scenario.header, scenario.lines));
    process.stdout.write(`wrote ${scenario.lines.length} lines to ${out}\n`);
    return 0;
  }

  const via = args.flags.get('via-bridge');
  if (via !== undefined) {
    // Frames to a running bridge (`npm run bridge`) instead of MQTT as the devices themselves.
    if (via === true) throw new Error('--via-bridge needs udp://host:port or tcp://host:port');
    const target = await openBridgeTarget(via);
    process.stdout.write(`simulating "${name}" as frames to the bridge at ${via}, speed ${speed}\n`);
    const ac = new AbortController();
    process.once('SIGINT', () => ac.abort());
    const r = await sendTraceViaBridge(scenario.lines, target, { speed, signal: ac.signal });
    await target.close();
    process.stdout.write(`done: ${r.sent} frames sent, ${r.errors} errors\n`);
    return r.errors > 0 ? 1 : 0;
  }
  const url = mqttUrl();
  const devices = new Map<string, VirtualDevice>();
  for (const d of scenario.header.devices) {
    devices.set(d.id, await connectDevice({ id: d.id, secret: deviceSecret(d.id) }, {
      url,
      onCommand: (id, cmd) => {
        if (cmd.type === 'checkin') process.stdout.write(`\n[${id}] check-in prompt: vibrating ("are you OK?"), ${cmd.expiresInS}s to answer\n`);
        else if (cmd.type === 'cancel') process.stdout.write(`\n[${id}] check-in cancelled\n`);
      },
    }));
  }
  const durationS = Math.round((scenario.lines.at(-1)?.t ?? 0) / 1000);
  process.stdout.write(`simulating "${name}" as ${[...devices.keys()].join(', ')} on ${url}: ${durationS}s of trace at speed ${speed}\n`);
  const ac = new AbortController();
  process.once('SIGINT', () => ac.abort());
  const tty = process.stdout.isTTY;
  const summary = await publishTrace(scenario.lines, devices, {
    speed,
    signal: ac.signal,
    onProgress: (done, total) => {
      if (tty) process.stdout.write(`\r${Math.round((done / total) * 100)}% (${done}/${total} messages)`);
    },
  });
  for (const d of devices.values()) await disconnectDevice(d);
  process.stdout.write(`\ndone: ${summary.sent} sent, ${summary.acknowledged} acknowledged, ${summary.errors} errors\n`);
  return summary.errors > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`simulate: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
