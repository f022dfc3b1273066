// Test harness: a throwaway PostgreSQL cluster (initdb in a temp folder, pg_ctl on a free loopback port, its
// socket in that folder), a fresh database per test, stopped and removed afterwards. As root (CI, this
// machine) initdb and the server run as the `postgres` user, which initdb requires.
// Without PostgreSQL binaries the suites fail with CI=true and are skipped, loudly, elsewhere.
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, it } from 'vitest';

/** The bin folder of the newest installed PostgreSQL (Debian's /usr/lib/postgresql/N/bin), or null. */
export function postgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (process.env.PG_BIN) return existsSync(path.join(process.env.PG_BIN, 'initdb')) ? process.env.PG_BIN : null;
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')) && existsSync(path.join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? path.join(root, versions[0]!, 'bin') : null;
}

export interface PgCluster {
  port: number;
  /** A URL for database `name` on this cluster. */
  url(name: string): string;
  /** Creates an empty database and returns its URL. */
  createDatabase(): Promise<string>;
  /** Drops a database made by createDatabase (connections still open are ended). */
  dropDatabase(url: string): Promise<void>;
  /** `pg_ctl restart` (fast: open connections are ended), resolving once it accepts connections again; async, so the test's own servers keep answering meanwhile */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function asPostgres(bin: string, args: string[]): void {
  const isRoot = process.getuid?.() === 0;
  const [file, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  execFileSync(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
}

function asPostgresAsync(bin: string, args: string[]): Promise<void> {
  const isRoot = process.getuid?.() === 0;
  const [file, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  return new Promise((resolve, reject) =>
    execFile(file, argv, (err, _out, stderr) => (err ? reject(new Error(`${bin} ${args.join(' ')}: ${stderr}`)) : resolve())),
  );
}

let seq = 0;

/** Starts a cluster; call stop() when done (removes its folder). */
export async function startPostgres(): Promise<PgCluster> {
  const bin = postgresBin();
  if (!bin) throw new Error(MISSING);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'odart-pg-'));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const data = path.join(dir, 'data');
  const port = await freePort();
  let started = false;
  const stop = async () => {
    if (started) {
      started = false;
      try {
        asPostgres(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    asPostgres(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
    const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    asPostgres(path.join(bin, 'pg_ctl'), ['-D', data, '-o', opts, '-l', path.join(dir, 'log'), '-w', '-t', '60', 'start']);
    started = true;
  } catch (err) {
    await stop();
    throw err;
  }
  const url = (name: string) => `postgres://postgres@127.0.0.1:${port}/${name}`;
  const admin = async <T>(run: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ connectionString: url('postgres') });
    await c.connect();
    try {
      return await run(c);
    } finally {
      await c.end();
    }
  };
  return {
    port,
    url,
    async createDatabase() {
      const name = `odart_${process.pid}_${++seq}`;
      await admin((c) => c.query(`CREATE DATABASE ${name}`));
      return url(name);
    },
    async dropDatabase(dbUrl: string) {
      const name = new URL(dbUrl).pathname.slice(1);
      if (!/^odart_[0-9_]+$/.test(name)) throw new Error(`not a test database: ${name}`);
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
    async restart() {
      await asPostgresAsync(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', '-t', '60', '-l', path.join(dir, 'log'), 'restart']);
    },
    stop,
  };
}

const MISSING =
  'PostgreSQL binaries not found (initdb and pg_ctl in /usr/lib/postgresql/N/bin, or PG_BIN): install the Debian package postgresql (.ci/run does)';

/**
 * A describe block with one cluster for the file, started on first use and stopped after the block. Without the
 * binaries it is one failing test that says what to install (never a skipped block: a missing database must not
 * pass as green, locally or in CI).
 */
export function describePostgres(name: string, body: (cluster: () => Promise<PgCluster>) => void): void {
  if (!postgresBin()) {
    describe(name, () => {
      it('needs PostgreSQL', () => {
        throw new Error(MISSING);
      });
    });
    return;
  }
  describe(name, () => {
    let started: Promise<PgCluster> | null = null;
    afterAll(async () => {
      if (started) await (await started).stop();
    }, 60_000);
    body(() => (started ??= startPostgres()));
  });
}
