// `npm run replay -- trace.jsonl [--speed N] [--provision [--chain ID] [--responders a,b] [--cleanup]] [behaviour flags]`
// Publishes any contract trace (one or many wearers) to a running system as its devices, with their own credentials.
import { readFileSync } from 'node:fs';
import { parseArgs } from './args.js';
import { AdminClient } from './admin-client.js';
import { adminCredentials, deviceSecret, httpBase, mqttCa, mqttUrl } from './env.js';
import { provisionWearers } from './provision.js';
import { BEHAVIOUR_USAGE, behaviourFromArgs, connectAll, formatSummary, runTrace, speedFromArgs } from './run.js';
import { parseTrace, traceDevices, traceWearers, TraceError } from './trace.js';

const USAGE = `usage: npm run replay -- trace.jsonl [--speed N] [--provision] [--chain ID] [--responders a,b] [--cleanup]
  Device secrets: DEVICE_SECRETS='{"id":"secret"}', else DEMO_DEVICE_SECRET, else DATA_DIR/demo-credentials.json.
  --provision    enrol the trace's wearers and devices (ids as in the trace) through the admin API
                 (ADMIN_USER/ADMIN_PASSWORD, or admin + DEMO_PASSWORD); --cleanup removes them at the end
${BEHAVIOUR_USAGE}`;

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const file = args.positionals[0];
  if (!file || args.flags.has('help')) {
    process.stdout.write(USAGE + '\n');
    return file ? 0 : 2;
  }
  let trace;
  try {
    trace = parseTrace(readFileSync(file, 'utf8'), file);
  } catch (err) {
    if (err instanceof TraceError) {
      process.stderr.write(`replay: malformed trace: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const speed = speedFromArgs(args);
  const behaviour = behaviourFromArgs(args);
  const devices = traceDevices(trace);
  const say = (s: string) => process.stdout.write(s);

  let secretOf: (id: string) => string = (id) => deviceSecret(id);
  let admin: AdminClient | null = null;
  let enrolled: string[] = [];
  if (args.flags.has('provision')) {
    const cred = adminCredentials();
    admin = await AdminClient.login(httpBase(), cred.username, cred.password);
    const chain = args.flags.get('chain');
    const responders = args.flags.get('responders');
    const p = await provisionWearers(admin, traceWearers(trace), {
      chainId: typeof chain === 'string' ? chain : 'demo-chain',
      responderIds: typeof responders === 'string' ? responders.split(',').filter(Boolean) : ['alex', 'sam'],
      log: (l) => process.stderr.write(`${l}\n`),
    });
    enrolled = p.wearerIds;
    secretOf = (id) => p.secrets.get(id) ?? deviceSecret(id);
    say(`enrolled ${enrolled.length} wearers (${p.secrets.size} devices) through the admin API\n`);
  } else {
    // Fail before connecting anything if a secret is missing.
    for (const d of devices) deviceSecret(d.id);
  }

  try {
    const url = mqttUrl();
    const connected = await connectAll(devices, secretOf, { url, ca: mqttCa(), profile: behaviour.profile, out: say });
    say(
      `replaying ${file}: ${trace.samples.length} messages from ${connected.size} devices over ${Math.round(trace.durationMs / 1000)}s of trace at speed ${speed} to ${url}\n`,
    );
    const ac = new AbortController();
    process.once('SIGINT', () => ac.abort());
    const summary = await runTrace(trace.lines, connected, {
      speed,
      behaviour,
      tty: process.stdout.isTTY === true,
      out: say,
      signal: ac.signal,
    });
    say(`\n${formatSummary(summary)}\n`);
    return summary.errors > 0 ? 1 : 0;
  } finally {
    if (admin && enrolled.length > 0 && args.flags.has('cleanup')) say(`removed ${await admin.remove(enrolled)} wearers\n`);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`replay: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
