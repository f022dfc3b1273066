// A PostgreSQL link that drops packets (issue 14): the pg pool had no bound, so a core write over it waited for
// ever (an alert write held its wearer's queue; a lease attempt held shutdown). Each query of the store now ends
// within `queryTimeoutMs` with an error that says so, counted; once the link is back the store answers again.
// Real PostgreSQL behind a TCP proxy that swallows bytes (test/helpers/tcp-proxy.ts). The bound is pg's own
// timer (real time), so the test uses a short one.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openStore, type Store } from '../server/src/store/index.js';
import { describePostgres, type PgCluster } from './helpers/postgres.js';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js';

const TIMEOUT_MS = 300;

/** `p`, or a rejection naming what did not settle within `ms` (a guard: the store's own bound is far shorter). */
function within<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms).unref())]);
}

describePostgres('store queries over a PostgreSQL link that drops packets', (cluster) => {
  let pgc: PgCluster;
  let url: string;
  let proxy: TcpProxy;
  let store: Store;
  let timeouts = 0;

  beforeAll(async () => {
    pgc = await cluster();
    url = await pgc.createDatabase();
    proxy = await startTcpProxy(pgc.port);
    const viaProxy = new URL(url);
    viaProxy.port = String(proxy.port);
    store = await openStore(':memory:', viaProxy.toString(), { queryTimeoutMs: TIMEOUT_MS, onQueryTimeout: () => timeouts++ });
  }, 60_000);

  afterAll(async () => {
    proxy?.restore();
    await store?.close();
    await proxy?.close();
    if (url) await pgc.dropDatabase(url);
  }, 60_000);

  it('a write on a hung link fails within the bound with a clear error, counted; the store answers again after', async () => {
    expect(await store.repos.isEmpty()).toBe(true);
    proxy.cut();
    const started = Date.now();
    // a core write (the lease attempt, as the core makes it) and a read, both on the hung link
    const lease = store.repos.lease.acquire('node-a', null, started, 6000);
    await expect(within(lease, 10_000)).rejects.toThrow(`PostgreSQL did not answer within ${TIMEOUT_MS} ms`);
    await expect(within(store.repos.isEmpty(), 10_000)).rejects.toThrow(/did not answer/);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(timeouts).toBeGreaterThanOrEqual(2);
    proxy.restore();
    await expect(within(store.repos.isEmpty(), 10_000)).resolves.toBe(true);
  });
});
