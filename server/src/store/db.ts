// Opens the embedded SQLite database (WAL, foreign keys, busy timeout) behind a kysely handle.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { DB } from './schema.js';
import { migrateToLatest } from './migrations.js';

export type Db = Kysely<DB>;

export interface OpenedDb {
  db: Db;
  /** Closes the kysely handle and the SQLite file. */
  close(): Promise<void>;
}

export async function openDatabase(dataDir: string): Promise<OpenedDb> {
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
    async close() {
      await db.destroy();
    },
  };
}
