// Two real servers in this process on one throwaway PostgreSQL database, each on its own virtual clock (issue 14's
// in-process cluster tests: fence.int, lease-health.int): node-a starts first and holds the core lease, node-b is
// a standby; `sql` is a plain connection to the same database for the test's own statements (triggers, reads).
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { VirtualClock } from '../../server/src/clock.js';
import type { PgCluster } from './postgres.js';
import { startTestServer, T0, type TestServer } from './server.js';

export interface PgPair {
  readonly a: TestServer;
  readonly b: TestServer;
  readonly sql: pg.Client;
}

/** Inside a describePostgres block: the pair for the block (started before its tests, closed and dropped after). */
export function usePgPair(cluster: () => Promise<PgCluster>): PgPair {
  let pgc: PgCluster | undefined;
  let url: string | undefined;
  let a: TestServer | undefined;
  let b: TestServer | undefined;
  let sql: pg.Client | undefined;

  beforeAll(async () => {
    pgc = await cluster();
    url = await pgc.createDatabase();
    a = await startTestServer({ env: { DATABASE_URL: url, NODE_ID: 'node-a' }, clock: new VirtualClock(T0) });
    b = await startTestServer({ env: { DATABASE_URL: url, NODE_ID: 'node-b' }, clock: new VirtualClock(T0) });
    sql = new pg.Client({ connectionString: url });
    await sql.connect();
  }, 120_000);

  afterAll(async () => {
    await sql?.end();
    await b?.close();
    await a?.close();
    if (url) await pgc!.dropDatabase(url);
  }, 60_000);

  return {
    get a() {
      return a!;
    },
    get b() {
      return b!;
    },
    get sql() {
      return sql!;
    },
  };
}
