// Opens the database behind a kysely handle: the embedded SQLite file (WAL, foreign keys, busy timeout) by
// default, or PostgreSQL when a `postgres://` URL is given (kysely's Postgres dialect over a `pg` pool).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { DB } from './schema.js';
import { migrateToLatest } from './migrations.js';
import { boundedPool } from './pg-bounded.js';

export type Db = Kysely<DB>;

export interface OpenedDb {
  db: Db;
  /** 'sqlite' or 'postgres' */
  dialect: 'sqlite' | 'postgres';
  /** Closes the kysely handle and the SQLite file or the PostgreSQL pool. */
  close(): Promise<void>;
}

export interface DbOptions {
  /**
   * PostgreSQL: the longest a query (or taking a connection) may wait for an answer before it fails with
   * QUERY_TIMEOUT_MESSAGE. pg's client-side query_timeout (a link that drops packets never reaches the server's
   * statement_timeout); a tenth under it the server's statement_timeout (a statement waiting on a lock is cancelled
   * there, its connection free again); at it idle_in_transaction_session_timeout (a transaction whose link died
   * ends on the server, with its locks). A connection whose query the client gave up on is closed, not reused
   * (store/pg-bounded.ts). The server gives its renew window (lease - one renewal): a core write not answered by
   * then cannot land before the core's deadline anyway. Migrations are not bounded. Absent: no bound.
   */
  queryTimeoutMs?: number;
  /** hears each query (or connection) that timed out (the server counts them in odart_store_query_timeouts_total) */
  onQueryTimeout?: () => void;
  /** PostgreSQL with a bound: hears a connection ended while in use (the server restarted or ended it, the network) */
  onConnectionLost?: (err: Error) => void;
}

/** Opens (and migrates) PostgreSQL when `databaseUrl` is set, else the SQLite file in dataDir (':memory:' for none). */
export async function openDatabase(dataDir: string, databaseUrl?: string, opts: DbOptions = {}): Promise<OpenedDb> {
  if (databaseUrl) return openPostgres(databaseUrl, opts);
  let file = ':memory:';
  if (dataDir !== ':memory:') {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    file = path.join(dataDir, 'odart.sqlite');
  }
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: sqlite }) });
  await migrateToLatest(db);
  return {
    db,
    dialect: 'sqlite',
    async close() {
      await db.destroy();
    },
  };
}

// pg returns BIGINT (int8: ms epoch times, bigserial ids, COUNT and SUM) and NUMERIC as strings; the rows of this
// store are plain numbers on both dialects (every value fits a double: times in ms, counts).
const INT8 = 20;
const NUMERIC = 1700;
const pgTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8 || oid === NUMERIC) return (v: string) => (v === null ? v : Number(v));
    return pg.types.getTypeParser(oid, format);
  }) as typeof pg.types.getTypeParser,
};

/** The key of the session advisory lock that migrations run under, so nodes starting at once migrate one at a time. */
export const MIGRATION_LOCK_KEY = 0x6f64_6172; // 'odar'

function pgPool(url: string, max: number, timeoutMs?: number): pg.Pool {
  const bound = timeoutMs ? { query_timeout: timeoutMs, connectionTimeoutMillis: timeoutMs } : {};
  const pool = new pg.Pool({ connectionString: url, types: pgTypes, max, ...bound });
  // an idle client that loses its server (restart, network) must not crash the process: the pool drops it
  pool.on('error', () => {});
  return pool;
}

async function openPostgres(url: string, opts: DbOptions): Promise<OpenedDb> {
  // Migrations on a pool of their own, unbounded (one may rewrite a large table), closed once done.
  const migrator = new Kysely<DB>({ dialect: new PostgresDialect({ pool: pgPool(url, 2) }) });
  try {
    // One session holds the advisory lock while the migrator runs on the pool: the second node waits, then finds
    // nothing to do. (kysely's own lock is taken after it creates its tables, which two nodes could race.)
    await migrator.connection().execute(async (conn) => {
      await sql`select pg_advisory_lock(${sql.lit(MIGRATION_LOCK_KEY)})`.execute(conn);
      try {
        await migrateToLatest(migrator);
      } finally {
        await sql`select pg_advisory_unlock(${sql.lit(MIGRATION_LOCK_KEY)})`.execute(conn);
      }
    });
  } finally {
    await migrator.destroy();
  }
  const ms = opts.queryTimeoutMs;
  const pool = pgPool(url, 10, ms);
  const db = new Kysely<DB>({
    dialect: new PostgresDialect({
      pool: ms ? boundedPool(pool, { ms, onTimeout: opts.onQueryTimeout, onLost: opts.onConnectionLost }) : pool,
    }),
  });
  return {
    db,
    dialect: 'postgres',
    async close() {
      await db.destroy();
    },
  };
}
