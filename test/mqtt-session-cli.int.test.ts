// `npm run mqtt-session -- init` as an operator runs it (a child process, the server's own settings): its exit codes
// (docs/operations.md) are 0 created, 1 refused (an active core holds the lease in PostgreSQL: connecting as the
// shared client id would kick it), 2 usage (arguments, settings), 3 broker or database unusable; every message is one
// line, and no password (MQTT_PASSWORD, the one in DATABASE_URL) is ever printed.
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../server/src/store/index.js';
import { runCli, type CliResult } from './helpers/cli.js';
import { HAVE_MOSQUITTO, startMosquitto, type TestMosquitto } from './helpers/mosquitto.js';
import { describePostgres } from './helpers/postgres.js';

const CLI = 'server/src/mqtt-session.ts';
const CLIENT_ID = 'odart-core-cli';
const DB_PASSWORD = 'db-pass-never-printed';
let mosq: TestMosquitto;
let dataDir: string;
beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'odart-mqtt-session-'));
  if (HAVE_MOSQUITTO) mosq = await startMosquitto();
});
afterAll(async () => {
  await mosq?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

const run = (args: string[], env: Record<string, string>) =>
  runCli(CLI, args, { NODE_ENV: 'test', DATA_DIR: dataDir, DATABASE_URL: '', MQTT_URL: '', MQTT_USERNAME: '', MQTT_PASSWORD: '', ...env });

/** one line on stderr (or stdout), no password in either */
function oneRedactedLine(r: CliResult, secrets: string[]): void {
  const out = r.code === 0 ? r.stdout : r.stderr;
  expect(out.trimEnd().split('\n')).toHaveLength(1);
  for (const s of secrets) expect(r.stdout + r.stderr).not.toContain(s);
}

describe.skipIf(!HAVE_MOSQUITTO)('mqtt-session exit codes', () => {
  it('2 for usage: no command, an unknown one, MQTT_URL not set', async () => {
    expect((await run([], {})).code).toBe(2);
    expect((await run(['create'], {})).code).toBe(2);
    const noUrl = await run(['init'], {});
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toMatch(/MQTT_URL is not set/);
    oneRedactedLine(noUrl, []);
  }, 60_000);

  it('3 when the broker is unreachable or refuses the login; the password is not printed', async () => {
    const env = {
      MQTT_URL: `mqtt://127.0.0.1:${await closedPort()}`,
      MQTT_USERNAME: 'odart-core',
      MQTT_PASSWORD: mosq.password,
      MQTT_CLIENT_ID: CLIENT_ID,
    };
    const down = await run(['init'], env);
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(/^mqtt-session: the broker .* is unusable/);
    oneRedactedLine(down, [mosq.password]);
    const wrong = await run(['init'], { ...env, MQTT_URL: mosq.url, MQTT_PASSWORD: 'wrong-password-never-printed' });
    expect(wrong.code).toBe(3);
    oneRedactedLine(wrong, ['wrong-password-never-printed']);
  }, 60_000);

  it('3 when the database is unusable; its password is not printed', async () => {
    const r = await run(['init'], {
      ...mosq.env,
      MQTT_CLIENT_ID: CLIENT_ID,
      DATABASE_URL: `postgres://odart:${DB_PASSWORD}@127.0.0.1:${await closedPort()}/odart`,
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^mqtt-session: the database .* is unusable/);
    oneRedactedLine(r, [DB_PASSWORD, mosq.password]);
    expect(mosq.log()).not.toContain(CLIENT_ID); // nothing done on the broker
  }, 60_000);
});

describePostgres('mqtt-session against a real PostgreSQL lease', (cluster) => {
  it.skipIf(!HAVE_MOSQUITTO)(
    '1 while an active core holds the lease (without connecting); 0 once the lease has gone',
    async () => {
      const pg = await cluster();
      const url = await pg.createDatabase();
      const store = await openStore(dataDir, url);
      try {
        // node-a holds the lease by the wall clock the CLI reads
        expect((await store.repos.lease.acquire('node-a', null, Date.now(), 120_000)).held).toBe(true);
        const env = { ...mosq.env, MQTT_CLIENT_ID: CLIENT_ID, DATABASE_URL: url };
        const refused = await run(['init'], env);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toMatch(/^mqtt-session: node node-a holds the core lease/);
        oneRedactedLine(refused, [mosq.password, new URL(url).password].filter(Boolean));
        expect(mosq.log()).not.toContain(CLIENT_ID);
        // node-a stops and releases it: the session is created
        const lease = await store.repos.lease.read();
        expect(await store.repos.lease.release({ nodeId: 'node-a', epoch: lease.epoch }, Date.now())).toBe(true);
        const created = await run(['init'], env);
        expect(created.code).toBe(0);
        expect(created.stdout).toMatch(
          new RegExp(`^mqtt-session: sessions ${CLIENT_ID}/discrete \\(.*button\\) and ${CLIENT_ID} \\(.*vitals.*\\) created`),
        );
        oneRedactedLine(created, [mosq.password]);
        expect(mosq.log()).toContain(CLIENT_ID);
      } finally {
        await store.close();
        await pg.dropDatabase(url);
      }
    },
    120_000,
  );
});
