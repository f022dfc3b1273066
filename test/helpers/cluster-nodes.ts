// Server processes as cluster nodes (issue 14's fault tests): each `main.ts` on one PostgreSQL database and one
// Mosquitto, with its own NODE_ID, MQTT client id, DATA_DIR and Twilio sender number (so the fake Twilio tells
// which node sent each text), a short core lease, and the shared secrets a cluster must share. Real time across
// processes: waits poll with a deadline; nothing sleeps for a timer an event can be awaited for.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { twilioEnv, type FakeTwilio } from './fake-twilio.js';
import type { TestMosquitto } from './mosquitto.js';
import { DEMO_DEVICE_SECRET, DEMO_PASSWORD } from './server.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

/** CORE_LEASE_S of the nodes: renewed every second, so a standby takes over at most about 4 s after a death */
export const LEASE_S = 3;
export const PUBLIC_URL = 'http://127.0.0.1:3999';

export interface Node {
  name: string;
  proc: ServerProcess;
  base: string;
  /** the TWILIO_FROM this node texts from */
  from: string;
  env: Record<string, string>;
}

export interface NodeHealth {
  status: string;
  role: 'active' | 'standby';
  nodeId: string;
  epoch: number | null;
  holder: string | null;
  coreActive: boolean;
}

const dirs: string[] = [];
let seq = 0;

/** The environment of node `name` (a, b, ...) on this database, broker and fake Twilio. */
export function nodeEnv(
  name: string,
  o: { databaseUrl: string; mosq: TestMosquitto; fake: FakeTwilio; extra?: Record<string, string> },
): Record<string, string> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `odart-node-${name}-`));
  dirs.push(dataDir);
  return {
    ...twilioEnv(o.fake),
    TWILIO_FROM: `+4477009000${50 + name.charCodeAt(0) - 97}`,
    HTTP_PORT: '0',
    MQTT_PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    DATABASE_URL: o.databaseUrl,
    ...o.mosq.env,
    MQTT_CLIENT_ID: `odart-core-${name}-${process.pid}-${++seq}`,
    NODE_ID: `node-${name}`,
    CORE_LEASE_S: String(LEASE_S),
    DEMO_PASSWORD,
    DEMO_DEVICE_SECRET,
    PAGE_LINK_SECRET: 'page-link-secret-shared-by-the-test-cluster',
    PUBLIC_URL,
    LOG_LEVEL: 'warn',
    SMS_RATE_PER_S: '100',
    PAGE_REMINDER_S: '0',
    ...o.extra,
  };
}

export async function startNode(name: string, env: Record<string, string>): Promise<Node> {
  const proc = await startServerProcess(env);
  return { name, proc, base: proc.base, from: env.TWILIO_FROM!, env };
}

/** Prints a measured duration for docs/deployment.md's failure table (`[faults] what: N ms`). */
export function figure(what: string, ms: number): void {
  process.stdout.write(`[faults] ${what}: ${ms} ms\n`);
}

/** Removes the nodes' DATA_DIRs (after killServerProcesses). */
export function removeNodeDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** The node's /healthz, or null when it does not answer within `ms` (dead, or stuck on a lost database). */
export async function healthOf(node: Node, ms = 3000): Promise<NodeHealth | null> {
  try {
    const res = await fetch(`${node.base}/healthz`, { signal: AbortSignal.timeout(ms) });
    return (await res.json()) as NodeHealth;
  } catch {
    return null;
  }
}

/** Polls `probe` every `everyMs` until it returns a value (not null/undefined/false); throws after `withinMs`. */
export async function pollUntil<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  withinMs: number,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const v = await probe();
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`not within ${withinMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Resolves once `node` reports `role`; returns the wall-clock ms it was first seen so. */
export async function roleReached(node: Node, role: 'active' | 'standby', withinMs: number): Promise<number> {
  return pollUntil(`${node.name} ${role}`, async () => (await healthOf(node, 1000))?.role === role && Date.now(), withinMs, 50);
}

/** The node's log lines (pino JSON) whose msg is `msg`, with their times. */
export function logged(node: Node, msg: string): { time: number; [k: string]: unknown }[] {
  return node.proc
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{') && l.includes(msg))
    .map((l) => JSON.parse(l) as { time: number; msg: string })
    .filter((l) => l.msg === msg);
}

/** Which alert each notification is for, read from PostgreSQL beside the running nodes. */
export async function notificationAlerts(databaseUrl: string): Promise<Map<string, string>> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const { rows } = await c.query<{ id: string; alert_id: string }>('select id, alert_id from notifications');
    return new Map(rows.map((r) => [r.id, r.alert_id]));
  } finally {
    await c.end();
  }
}

/** Starts node a, waits until it is the active core, then node b (a standby). */
export async function startPair(o: Parameters<typeof nodeEnv>[1]): Promise<[Node, Node]> {
  const a = await startNode('a', nodeEnv('a', o));
  await roleReached(a, 'active', 30_000);
  const b = await startNode('b', nodeEnv('b', o));
  await roleReached(b, 'standby', 30_000);
  return [a, b];
}
