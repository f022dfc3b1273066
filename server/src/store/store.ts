// A store: the repositories over one opened database, and how to close it. What the contract suite
// (store.contract.test.ts) runs against; callers outside store/ never see the query builder.
import { openDatabase, type DbOptions } from './db.js';
import { PgNotifyTransport, type PgNotifyOptions } from './pg-notify.js';
import { createRepos, type Repos } from './repos.js';
import { SHARED_BLOCK_SPAN_MS, VitalsStore } from './vitals.js';

export interface Store {
  repos: Repos;
  /**
   * The raw-vitals block writer over this database (store/vitals.ts); `onError` hears failed writes. On PostgreSQL
   * (several nodes) blocks close after SHARED_BLOCK_SPAN_MS, so what a core that dies held unwritten is seconds.
   */
  vitals(onError: (err: unknown) => void): VitalsStore;
  /** PostgreSQL only: the LISTEN/NOTIFY transport of the cross-node bus (its own connection); null on SQLite. */
  eventTransport(o: Omit<PgNotifyOptions, 'url' | 'db'>): PgNotifyTransport | null;
  close(): Promise<void>;
}

/**
 * Opens (and migrates) PostgreSQL when `databaseUrl` (DATABASE_URL, postgres://...) is set, else the embedded
 * SQLite database in dataDir (':memory:' for none).
 */
export async function openStore(dataDir: string, databaseUrl?: string, opts: DbOptions = {}): Promise<Store> {
  const opened = await openDatabase(dataDir, databaseUrl, opts);
  return {
    repos: createRepos(opened.db),
    vitals: (onError) => new VitalsStore(opened.db, onError, Math.random, opened.dialect === 'postgres' ? SHARED_BLOCK_SPAN_MS : undefined),
    eventTransport: (o) =>
      databaseUrl && opened.dialect === 'postgres' ? new PgNotifyTransport({ ...o, url: databaseUrl, db: opened.db }) : null,
    close: () => opened.close(),
  };
}
