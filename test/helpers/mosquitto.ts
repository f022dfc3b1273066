// A real Mosquitto 2 for the external-broker tests: a temp folder with its config (dynamic security
// plugin, persistence), `mosquitto_ctrl dynsec init` for the server's account, its odart-core role and any seed
// accounts written into the dynamic-security file before the start, a free loopback port.
// stop() and start() keep the folder (a broker restart); close() stops it and removes the folder.
// Without mosquitto the suites are skipped on a developer machine and FAIL in CI (CI=true).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { deviceAcls, deviceRole } from '../../server/src/broker/provisioning.js';

export const MOSQUITTO_BIN = '/usr/sbin/mosquitto';
export const MOSQUITTO_CTRL_BIN = '/usr/bin/mosquitto_ctrl';
export const DYNSEC_PLUGIN = '/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so';

const missing = [MOSQUITTO_BIN, MOSQUITTO_CTRL_BIN, DYNSEC_PLUGIN].filter((f) => !existsSync(f));
/** true when the external-broker suites can run here */
export const HAVE_MOSQUITTO = missing.length === 0;
if (!HAVE_MOSQUITTO && process.env.CI) {
  throw new Error(
    `Mosquitto 2 is required in CI for the external-broker tests; missing: ${missing.join(', ')} (apt-get install mosquitto)`,
  );
}

export interface TestMosquitto {
  port: number;
  url: string;
  /** the server's account (MQTT_USERNAME / MQTT_PASSWORD): dynsec admin plus the odart-core role */
  username: string;
  password: string;
  dir: string;
  /** the env that puts a test server into external mode on this broker */
  env: Record<string, string>;
  /** the broker's log so far (its last 20,000 characters): connections, session takeovers */
  log(): string;
  /** the broker process's pid while it runs (its resident memory, for the bench) */
  pid(): number | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** An account written into dynamic-security.json before the broker starts (as `createClient` would make it). */
export interface SeedAccount {
  username: string;
  password: string;
  /** its own role with these ACLs (dynsec's JSON form) */
  role: { rolename: string; acls: { acltype: string; topic: string; allow: boolean }[] };
}

/** A device's account as provisioning makes it: its own role with the device ACL (publish its streams, read its commands). */
export const deviceAccount = (username: string, password: string): SeedAccount => ({
  username,
  password,
  role: { rolename: deviceRole(username), acls: deviceAcls(username, null) },
});

/** Mosquitto's own password hash: PBKDF2-SHA512, 101 iterations, a 12-byte salt, base64 (what dynsec writes). */
function dynsecHash(password: string): { password: string; salt: string; iterations: number } {
  const salt = randomBytes(12);
  return { password: pbkdf2Sync(password, salt, 101, 64, 'sha512').toString('base64'), salt: salt.toString('base64'), iterations: 101 };
}

/**
 * tls: the listener speaks MQTT over TLS with this certificate (PEM), and the url is mqtts://. accounts: written
 * into the dynamic-security file before the start (thousands of devices for the bench in a moment, where one
 * `createClient` each would have the broker rewrite the whole file every time). conf: more lines of mosquitto.conf.
 */
export async function startMosquitto(
  o: { tls?: { certFile: string; keyFile: string }; accounts?: readonly SeedAccount[]; conf?: readonly string[] } = {},
): Promise<TestMosquitto> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'odart-mosquitto-'));
  const port = await freePort();
  const username = 'odart-core';
  const password = randomBytes(18).toString('base64url');
  const dynsecFile = path.join(dir, 'dynamic-security.json');
  const init = spawnSync(MOSQUITTO_CTRL_BIN, ['dynsec', 'init', dynsecFile, username, password], { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`mosquitto_ctrl dynsec init failed: ${init.stderr}`);
  // Everything the tests need goes into the file before the start: the broker reads it once, and no connection of
  // ours (each mosquitto_ctrl round trip cost seconds; the one that changed the admin's own roles was kicked and
  // waited out its timeout) is needed before the first test connects.
  const file = JSON.parse(readFileSync(dynsecFile, 'utf8')) as {
    clients: { username: string; roles: { rolename: string }[]; [field: string]: unknown }[];
    roles: unknown[];
  };
  // The server's role, as docs/operations.md sets it up: commands and gateway config may be published.
  file.roles.push({
    rolename: 'odart-core',
    acls: [
      { acltype: 'publishClientSend', topic: 'odart/v1/devices/+/command', allow: true },
      { acltype: 'publishClientSend', topic: 'odart/v1/devices/+/config', allow: true },
    ],
  });
  const admin = file.clients.find((c) => c.username === username);
  if (!admin) throw new Error('mosquitto_ctrl dynsec init wrote no admin client');
  admin.roles.push({ rolename: 'odart-core' });
  for (const a of o.accounts ?? []) {
    file.clients.push({ username: a.username, clientid: a.username, ...dynsecHash(a.password), roles: [{ rolename: a.role.rolename }] });
    file.roles.push(a.role);
  }
  writeFileSync(dynsecFile, JSON.stringify(file));
  writeFileSync(
    path.join(dir, 'mosquitto.conf'),
    [
      'per_listener_settings false',
      'allow_anonymous false',
      `listener ${port} 127.0.0.1`,
      ...(o.tls ? [`certfile ${o.tls.certFile}`, `keyfile ${o.tls.keyFile}`] : []),
      `plugin ${DYNSEC_PLUGIN}`,
      `plugin_opt_config_file ${dynsecFile}`,
      'persistence true',
      `persistence_location ${dir}/`,
      'max_queued_messages 100000',
      ...(o.conf ?? []),
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'log_type notice',
      'log_type information',
      // started as root by the tests: keep root (it owns the temp folder) instead of dropping to user mosquitto
      'user root',
      '',
    ].join('\n'),
  );
  let proc: ChildProcess | null = null;
  let log = '';

  const start = async () => {
    const p = spawn(MOSQUITTO_BIN, ['-c', path.join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    proc = p;
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        log += chunk.toString('utf8');
        if (/mosquitto version \S+ running/.test(log)) {
          p.stderr!.removeListener('data', onData);
          p.stderr!.on('data', (c: Buffer) => (log = (log + c.toString('utf8')).slice(-20_000)));
          resolve();
        }
      };
      p.stderr!.on('data', onData);
      p.once('exit', (code) => reject(new Error(`mosquitto exited (${code}) at start:\n${log}`)));
    });
  };
  const stop = async () => {
    const p = proc;
    proc = null;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((r) => {
      p.once('exit', () => r());
      p.kill('SIGTERM');
    });
  };

  await start();

  const url = `${o.tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`;
  return {
    port,
    url,
    username,
    password,
    dir,
    env: { MQTT_URL: url, MQTT_USERNAME: username, MQTT_PASSWORD: password },
    log: () => log,
    pid: () => proc?.pid,
    start,
    stop,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
