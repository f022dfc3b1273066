// Test harness: a real server (real aedes over TCP, real fastify over HTTP, real SQLite in a temp
// folder) on random loopback ports, driven by a virtual clock.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import WebSocket from 'ws';
import { hashSecret } from '../../server/src/auth/secrets.js';
import { VirtualClock } from '../../server/src/clock.js';
import { loadConfig } from '../../server/src/config.js';
import { createLogger } from '../../server/src/log.js';
import { startServer, type RunningServer, type ServerOptions } from '../../server/src/server.js';
import { connectDevice, disconnectDevice, type VirtualDevice } from '../../simulator/src/devices.js';
import { publishTrace, type PublishSummary } from '../../simulator/src/publisher.js';
import { generateScenario } from '../../simulator/src/scenarios.js';
import type { TraceLine } from '../../simulator/src/trace.js';

export const DEMO_PASSWORD = 'demo-pass-for-tests';
/** Every demo device secret in tests (DEMO_DEVICE_SECRET): never the account password. */
export const DEMO_DEVICE_SECRET = 'demo-device-secret-for-tests';
/** The password hash cost of startTestServer (PASSWORD_SCRYPT_LOG2N=10), for users a test inserts itself. */
export const TEST_PASSWORD_COST = { N: 1024, r: 8, p: 1 } as const;
export const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

export interface TestServer {
  server: RunningServer;
  clock: VirtualClock;
  base: string;
  mqttUrl: string;
  dataDir: string;
  close(opts?: { keepData?: boolean }): Promise<void>;
}

/** The header every state-changing /api request needs (CSRF protection, http/security.ts). */
export const CSRF = { 'x-odart-csrf': '1' } as const;

export interface TestServerOptions {
  env?: Record<string, string>;
  dataDir?: string;
  server?: ServerOptions;
  clock?: VirtualClock;
}

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'odart-test-'));
  const config = loadConfig({
    HTTP_PORT: '0',
    MQTT_PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    DEMO_PASSWORD,
    DEMO_DEVICE_SECRET,
    LOG_LEVEL: 'silent',
    PUBLIC_URL: 'http://127.0.0.1:3999',
    // A light password hash (tests only; config.ts refuses it outside NODE_ENV=test): hundreds of sign-ins.
    NODE_ENV: 'test',
    PASSWORD_SCRYPT_LOG2N: '10',
    ...opts.env,
  });
  const clock = opts.clock ?? new VirtualClock(T0);
  const server = await startServer(config, { clock, log: createLogger('silent'), metricsDefaults: false, ...opts.server });
  return {
    server,
    clock,
    dataDir,
    base: `http://127.0.0.1:${server.httpPort}`,
    mqttUrl: `mqtt://127.0.0.1:${server.mqttPort}`,
    async close(o = {}) {
      await server.close();
      if (!o.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A test server and the demo admin's session cookie on it. */
export async function startWithAdmin(opts: TestServerOptions = {}): Promise<{ ts: TestServer; admin: string }> {
  const ts = await startTestServer(opts);
  return { ts, admin: await login(ts.base, 'admin') };
}

/** The test server of the current test, and its demo admin's session (signed in once per test, on first use). */
export type PerTestServer = TestServer & { admin(): Promise<string> };

/**
 * A fresh test server for every test of the file or describe block it is called in (beforeEach /
 * afterEach). The object returned stands for the current test's server: `ts.base`, `ts.clock`, and
 * passed to helpers such as driveTrace(ts, ...) as it is.
 */
export function serverPerTest(opts: () => TestServerOptions = () => ({})): PerTestServer {
  let current: TestServer | null = null;
  let admin: Promise<string> | null = null;
  beforeEach(async () => {
    current = await startTestServer(opts());
    admin = null;
  });
  afterEach(async () => {
    const c = current;
    current = null;
    await c?.close();
  });
  const live = (): TestServer => {
    if (!current) throw new Error('serverPerTest: the server exists only while a test runs');
    return current;
  };
  const adminOf = () => (admin ??= login(live().base, 'admin'));
  return new Proxy({} as PerTestServer, {
    get: (_target, key) => (key === 'admin' ? adminOf : Reflect.get(live(), key)),
  });
}

/** A responder of the demo service with no phone (so the console flags them as not pageable by SMS). */
export async function addResponder(ts: TestServer, id: string, displayName: string): Promise<void> {
  await ts.server.repos.insertUser({
    id,
    service_id: 'demo',
    username: id,
    password_hash: 'x',
    role: 'responder',
    display_name: displayName,
    phone: null,
    on_duty: 1,
    created_at: ts.clock.now(),
  });
}

/**
 * Yields to the event loop until cond() holds (no timers: the product's clocks are not waited on). It gives up after
 * `turns` turns of the loop, but never sooner than `UNTIL_FLOOR_MS` of wall time: on a loaded machine 20,000 idle
 * turns pass in a few tens of milliseconds, before another process (PostgreSQL, a second node) has answered.
 */
export const UNTIL_FLOOR_MS = 15_000;
export async function until(cond: () => boolean | Promise<boolean>, turns = 20_000): Promise<void> {
  const started = Date.now();
  for (let i = 0; i < turns || Date.now() - started < UNTIL_FLOOR_MS; i++) {
    if (await cond()) return;
    await new Promise<void>((r) => setImmediate(r));
  }
  throw new Error('condition not reached');
}

/** Waits until everything the server was sent has been ingested and all alert work is done. */
export async function settle(ts: TestServer, expectedHandled?: number): Promise<void> {
  if (expectedHandled !== undefined) await until(() => ts.server.ingest.handled >= expectedHandled);
  await ts.server.core.settled();
  await ts.server.alerts.idle();
  await ts.server.escalator.runDue();
  await ts.server.escalator.idle();
  await ts.server.alerts.idle();
  await ts.server.consent.idle();
  await ts.server.notices.idle();
}

export async function connectDemoDevices(ts: TestServer, ids = ['demo-wrist', 'demo-room']): Promise<Map<string, VirtualDevice>> {
  const devices = new Map<string, VirtualDevice>();
  for (const id of ids) devices.set(id, await connectDevice({ id, secret: DEMO_DEVICE_SECRET }, { url: ts.mqttUrl }));
  return devices;
}

export async function disconnectAll(devices: Map<string, VirtualDevice>): Promise<void> {
  for (const d of devices.values()) await disconnectDevice(d);
}

/**
 * Publishes trace lines over MQTT in virtual time: before each new trace time the server's
 * clock is moved to T0 + t, after each batch the test waits until the server has taken it in.
 */
export async function driveTrace(
  ts: TestServer,
  devices: Map<string, VirtualDevice>,
  lines: TraceLine[],
  opts: { stopWhen?: () => Promise<boolean> } = {},
): Promise<PublishSummary> {
  const start = ts.clock.now();
  let baseHandled = ts.server.ingest.handled;
  let sent = 0;
  const ac = new AbortController();
  return publishTrace(lines, devices, {
    speed: 1,
    signal: ac.signal,
    onTime: async (t) => {
      await settle(ts, baseHandled + sent);
      if (opts.stopWhen && (await opts.stopWhen())) {
        ac.abort();
        return;
      }
      ts.clock.advanceTo(start + t);
      await settle(ts);
    },
    onProgress: (done) => {
      sent = done;
    },
  }).then(async (summary) => {
    await settle(ts, baseHandled + summary.acknowledged);
    baseHandled = ts.server.ingest.handled;
    return summary;
  });
}

export async function login(base: string, username: string, password = DEMO_PASSWORD): Promise<string> {
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...CSRF },
    body: JSON.stringify({ username, password }),
  });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status}`);
  const cookie = res.headers.get('set-cookie') ?? '';
  return cookie.split(';')[0]!;
}

/**
 * Drives the seeded overdose scenario on the demo wearer (demo-wrist, demo-room) until an alert is
 * escalating as the user behind `cookie` sees it; returns that alert's id.
 */
export async function driveDemoOverdose(
  ts: TestServer,
  devices: Map<string, VirtualDevice>,
  cookie: string,
  seed: number,
): Promise<string> {
  const escalating = async () =>
    (await api<{ id: string; state: string }[]>(ts.base, cookie, 'GET', '/api/alerts')).body.find((a) => a.state === 'escalating');
  await driveTrace(
    ts,
    devices,
    generateScenario('overdose', { seed, wearer: 'demo-wearer', wrist: 'demo-wrist', room: 'demo-room' }).lines,
    {
      stopWhen: async () => (await escalating()) !== undefined,
    },
  );
  const alert = await escalating();
  if (!alert) throw new Error(`overdose scenario (seed ${seed}) ended without an escalating alert`);
  return alert.id;
}

/** A second service ('other') with its own admin, signed in: for checks that services cannot see each other. */
export async function loginOtherServiceAdmin(ts: TestServer): Promise<string> {
  const now = ts.clock.now();
  await ts.server.repos.insertService({ id: 'other', name: 'Other', emergency_number: '112', created_at: now });
  await ts.server.repos.insertUser({
    id: 'other-admin',
    service_id: 'other',
    username: 'otheradmin',
    password_hash: await hashSecret('other-password-1', TEST_PASSWORD_COST),
    role: 'admin',
    display_name: 'Other admin',
    phone: null,
    on_duty: 1,
    created_at: now,
  });
  return login(ts.base, 'otheradmin', 'other-password-1');
}

export async function api<T = unknown>(
  base: string,
  cookie: string,
  method: string,
  p: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(base + p, {
    method,
    headers: { cookie, ...CSRF, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

/** A live WebSocket client collecting every message. */
export async function liveClient(
  base: string,
  cookie: string,
): Promise<{ messages: { type: string; [k: string]: unknown }[]; ws: WebSocket }> {
  const ws = new WebSocket(base.replace('http', 'ws') + '/api/live', { headers: { cookie } });
  const messages: { type: string }[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data)) as { type: string }));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  await until(() => messages.some((m) => m.type === 'hello'));
  return { messages: messages as { type: string; [k: string]: unknown }[], ws };
}
