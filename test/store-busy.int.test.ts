// A statement that timed out must not make the next queries time out too (issue 14). pg's query_timeout only stops
// the client waiting: the statement went on, on the server (waiting on a lock) or on a link that drops packets,
// the connection stayed busy, went back to the pool, and pg-pool hands the most recently released connection to
// the next query, which waited behind it and timed out as well: a rebuild read on a locked table made a snapshot
// read of another table fail, and a core write after it. Now the server cancels a statement at its own
// statement_timeout, a tenth under the client's bound, and a connection whose query the client gave up on is
// closed, not reused. Real PostgreSQL, another session holding a lock; a TCP proxy that stalls one connection
// (test/helpers/tcp-proxy.ts). The bounds are real timers of pg and PostgreSQL, so they are short here.
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { openDatabase, openStore, type Store } from '../server/src/store/index.js';
import { describePostgres, type PgCluster } from './helpers/postgres.js';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js';

const TIMEOUT_MS = 300;
const TIMED_OUT = `PostgreSQL did not answer within ${TIMEOUT_MS} ms`;
const NOW = Date.UTC(2026, 0, 1, 12);

describePostgres('a query that timed out leaves no busy connection for the next ones', (cluster) => {
  let pgc: PgCluster;
  let url: string;
  let proxy: TcpProxy;
  let locker: pg.Client;
  let store: Store | null = null;
  let timeouts = 0;

  /** A store on `dbUrl` with the short bound, counting its timeouts from 0. */
  const open = async (dbUrl: string) => {
    timeouts = 0;
    store = await openStore(':memory:', dbUrl, { queryTimeoutMs: TIMEOUT_MS, onQueryTimeout: () => timeouts++ });
    return store;
  };
  const viaProxy = () => {
    const u = new URL(url);
    u.port = String(proxy.port);
    return u.toString();
  };
  /** locks `table` in the locker's session until unlock() */
  const lock = async (table: string) => {
    await locker.query('begin');
    await locker.query(`lock table ${table} in access exclusive mode`);
  };
  const unlock = () => locker.query('rollback');
  /**
   * Sessions of this database (other than the locker) still waiting on a lock: polled until none or `guardMs`
   * (PostgreSQL's own timer cancels the statement; the guard is far longer than its 270 ms).
   */
  const waitingOnLocks = async (guardMs = 5000): Promise<number> => {
    const until = Date.now() + guardMs;
    for (;;) {
      const { rows } = await locker.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()`,
      );
      const n = rows[0]?.n ?? -1;
      if (n === 0 || Date.now() > until) return n;
    }
  };

  beforeAll(async () => {
    pgc = await cluster();
    url = await pgc.createDatabase();
    proxy = await startTcpProxy(pgc.port);
    locker = new pg.Client({ connectionString: url });
    await locker.connect();
  }, 60_000);

  afterEach(async () => {
    proxy.restore();
    await store?.close();
    store = null;
  });

  afterAll(async () => {
    await locker?.end();
    await proxy?.close();
    if (url) await pgc.dropDatabase(url);
  }, 60_000);

  it('a rebuild read on a locked table times out; snapshot and lease reads on other tables answer while the lock is held', async () => {
    const s = await open(url);
    const vitals = s.vitals((err) => {
      throw err;
    });
    await lock('vitals_blocks');
    try {
      await expect(vitals.windows(['w1'], NOW - 60_000, NOW)).rejects.toThrow(TIMED_OUT);
      expect(timeouts).toBe(1);
      // one after the other (each is handed the most recently released connection), then as many as the pool holds
      for (let i = 0; i < 3; i++) expect(await s.repos.snapshots.read(['w1'])).toEqual(new Map());
      const reads = await Promise.all(Array.from({ length: 10 }, () => s.repos.lease.read()));
      expect(reads.map((r) => r.holder)).toEqual(Array.from({ length: 10 }, () => null));
      expect(timeouts).toBe(1);
      // and the server let go of the statement: nothing of the store still waits on the lock
      expect(await waitingOnLocks()).toBe(0);
    } finally {
      await unlock();
      vitals.stop();
    }
  });

  it('a write that timed out on a lock does not land once the lock is let go (the server cancelled it)', async () => {
    const s = await open(url);
    await lock('core_lease');
    let waiting: number;
    try {
      await expect(s.repos.lease.acquire('node-a', null, NOW, 6000)).rejects.toThrow(TIMED_OUT);
      waiting = await waitingOnLocks();
    } finally {
      await unlock();
    }
    // the store said this lease attempt failed: no node may find it held by node-a afterwards
    expect((await s.repos.lease.read()).holder).toBeNull();
    expect(waiting).toBe(0);
    expect(timeouts).toBe(1);
  });

  it('a connection whose link stalls: its query times out, the next queries run on another connection', async () => {
    const s = await open(viaProxy());
    expect(await s.repos.snapshots.read(['w1'])).toEqual(new Map()); // one connection open
    // that connection's link drops every byte from its next read of snapshots on (the server never answers it)
    proxy.stallOn('detector_snapshots');
    await expect(s.repos.snapshots.read(['w1'])).rejects.toThrow(TIMED_OUT);
    expect(timeouts).toBe(1);
    for (let i = 0; i < 3; i++) expect(await s.repos.snapshots.read(['w1'])).toEqual(new Map());
    const snapshot = { wearerId: 'w3', version: 1, at: NOW, data: '{"rules":{}}' };
    await s.repos.snapshots.write([snapshot]);
    expect((await s.repos.snapshots.read(['w3'])).get('w3')).toEqual(snapshot);
    expect(timeouts).toBe(1);
  });

  it("a transaction whose statement stalls fails with that statement's timeout, once, without waiting for its rollback", async () => {
    const s = await open(viaProxy());
    const row = (at: number) => ({ wearerId: 'w1', version: 1, at, data: '{"rules":{}}' });
    // the write is begin, insert, commit: the link drops from the insert on
    proxy.stallOn('insert into');
    await expect(s.repos.snapshots.write([row(NOW)])).rejects.toThrow(`${TIMED_OUT} (insert into "detector_snapshots"`);
    expect(timeouts).toBe(1);
    // nothing of it was stored, and the store writes on another connection
    expect(await s.repos.snapshots.read(['w1'])).toEqual(new Map());
    await s.repos.snapshots.write([row(NOW + 1000)]);
    expect((await s.repos.snapshots.read(['w1'])).get('w1')).toEqual(row(NOW + 1000));
    expect(timeouts).toBe(1);
  });

  it("a core write's link stalls inside its transaction: the server ends that session, so a standby can take the lease", async () => {
    // The fenced write reads the lease row FOR SHARE first; behind a dead link the server never hears the client
    // close, and the session sat idle in its transaction holding that lock (until TCP keepalive: hours), so every
    // takeover UPDATE waited on it and was cancelled: no core. idle_in_transaction_session_timeout ends it.
    const a = await open(viaProxy());
    let standbyTimeouts = 0;
    const b = await openStore(':memory:', url, { queryTimeoutMs: TIMEOUT_MS, onQueryTimeout: () => standbyTimeouts++ });
    try {
      const lease = await a.repos.lease.acquire('node-a', null, NOW, 6000);
      expect(lease.held).toBe(true);
      const core = { fence: { nodeId: 'node-a', epoch: lease.epoch }, now: NOW };
      proxy.stallOn('insert into'); // after the lease row was read FOR SHARE
      await expect(a.repos.snapshots.write([{ wearerId: 'w5', version: 1, at: NOW, data: '{}' }], core)).rejects.toThrow(TIMED_OUT);
      // node-a's lease has run out; node-b tries as the core lease does, once a round (each try bounded)
      let taken = null;
      for (let round = 0; round < 5 && !taken; round++)
        taken = await b.repos.lease.acquire('node-b', null, NOW + 7000, 6000).then(
          (r) => r,
          () => null,
        );
      expect(taken).toMatchObject({ held: true, holder: 'node-b', epoch: lease.epoch + 1 });
      expect(standbyTimeouts).toBeLessThanOrEqual(2);
    } finally {
      await b.close();
    }
  });

  it('the server ends a connection between two statements of a transaction: that transaction fails, not the process', async () => {
    // pg-pool listened for errors only on idle connections: this one's 'error' had no listener and threw out of the
    // socket handler (an uncaught exception: the node's process ends). A server restart or failover does the same.
    let lostOne = () => {};
    const lost = new Promise<void>((resolve) => (lostOne = resolve));
    const opened = await openDatabase('', url, { queryTimeoutMs: TIMEOUT_MS, onConnectionLost: () => lostOne() });
    try {
      const failed = opened.db.transaction().execute(async (trx) => {
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
        await locker.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
        await lost; // heard by the store, while the transaction holds the connection and runs no query
        await sql`select 1`.execute(trx);
      });
      await expect(failed).rejects.toThrow(/not queryable|terminat/);
      // the pool closed that connection: the next query runs on a new one
      expect((await sql<{ one: number }>`select 1 as one`.execute(opened.db)).rows).toEqual([{ one: 1 }]);
    } finally {
      await opened.close();
    }
  });
});
