// Server processes as cluster nodes (issue 14's fault tests): each `main.ts` on one PostgreSQL database and one
// Mosquitto, with its own NODE_ID, DATA_DIR and Twilio sender number (so the fake Twilio tells which node sent each
// text), the cluster's one MQTT_CLIENT_ID, a short core lease, and the shared secrets a cluster must share. Real time
// across processes: waits poll with a deadline; nothing sleeps for a timer an event can be awaited for.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startFakeTwilio, twilioEnv, type FakeTwilio, type TwilioRequest } from './fake-twilio.js';
import { startMosquitto, type TestMosquitto } from './mosquitto.js';
import type { PgCluster } from './postgres.js';
import { killServerProcesses } from './server-process.js';
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
    // The cluster's one persistent session, the same on every node (docs/operations.md): what devices publish while
    // no core holds it is queued there for the next core. One per database, so no test gets another's queue.
    MQTT_CLIENT_ID: `odart-core-${new URL(o.databaseUrl).pathname.slice(1)}`,
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

/** Kills `node` with SIGKILL and waits until it is gone; returns the wall-clock ms of the kill. */
export async function kill9(node: Node): Promise<number> {
  const at = Date.now();
  node.proc.proc.kill('SIGKILL');
  await node.proc.exited;
  return at;
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

export interface ClusterRig {
  /** one Mosquitto for the file */
  readonly mosq: TestMosquitto;
  /** this test's fake Twilio */
  readonly fake: FakeTwilio;
  readonly pg: PgCluster;
  /** a fresh database for this test (and a fresh fake Twilio); dropped afterwards */
  database(): Promise<string>;
  /** resolves once `n` texts match (polling), throws after `withinMs` */
  waitTexts(what: string, n: number, pred: (r: TwilioRequest) => boolean, withinMs?: number): Promise<boolean>;
  /** run after the test, before its database is dropped */
  afterTest(fn: () => Promise<void> | void): void;
}

/**
 * Inside a describePostgres block: Mosquitto for the file; per test a database and a fake Twilio; after each test
 * every server process killed, their folders removed, the database dropped.
 */
export function useClusterRig(cluster: () => Promise<PgCluster>): ClusterRig {
  let mosq: TestMosquitto | undefined;
  let fake: FakeTwilio | undefined;
  let pgc: PgCluster | undefined;
  const dbs: string[] = [];
  const cleanups: (() => Promise<void> | void)[] = [];
  beforeAll(async () => {
    mosq = await startMosquitto();
  });
  afterAll(async () => {
    await mosq?.close();
  });
  afterEach(async () => {
    killServerProcesses();
    removeNodeDirs();
    for (const fn of cleanups.splice(0)) await fn();
    await fake?.close();
    fake = undefined;
    for (const url of dbs.splice(0)) await pgc!.dropDatabase(url);
  });
  const rig: ClusterRig = {
    get mosq() {
      return mosq!;
    },
    get fake() {
      return fake!;
    },
    get pg() {
      return pgc!;
    },
    async database() {
      pgc = await cluster();
      const url = await pgc.createDatabase();
      dbs.push(url);
      fake = await startFakeTwilio();
      return url;
    },
    waitTexts: (what, n, pred, withinMs = 60_000) => pollUntil(what, async () => fake!.requests.filter(pred).length >= n, withinMs),
    afterTest(fn) {
      cleanups.push(fn);
    },
  };
  return rig;
}
