// "Say what is not monitored" (issue 14): two real nodes on one throwaway PostgreSQL database, each on its own virtual
// clock; the phones are signed in on the standby, B. A, the active core, goes silent (its clock stops: no renewal).
// B tries the lease the moment A's runs out, but the lease row is locked by another session of the database (a
// stuck migration, an operator's transaction), so its attempt fails: no core acts and none can be vouched for. B's
// /healthz says coreActive false, and the responder app and the console show the banner. The lock goes, B takes the
// lease at its next round: the banner goes.
import pgLib from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { VirtualClock } from '../../server/src/clock.js';
import { describePostgres } from '../helpers/postgres.js';
import { DEMO_PASSWORD, startTestServer, T0, type TestServer } from '../helpers/server.js';
import { launch, phone, signIn } from './browser.js';

const BANNER = 'No detection core is active: wearers are NOT monitored';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

/** Moves a node's clock to `at` in 500 ms steps, letting each lease attempt finish. */
async function runTo(ts: TestServer, at: number): Promise<void> {
  while (ts.clock.now() < at) {
    ts.clock.advance(Math.min(500, at - ts.clock.now()));
    await ts.server.core.settled();
  }
}

const coreActive = async (ts: TestServer) => ((await (await fetch(`${ts.base}/healthz`)).json()) as { coreActive: boolean }).coreActive;

describePostgres('the banner while no detection core is active', (cluster) => {
  it('appears on the responder app and the console while no node holds the core lease, and goes when one does', async () => {
    const pg = await cluster();
    const url = await pg.createDatabase();
    const open: TestServer[] = [];
    let locker: pgLib.Client | null = null;
    try {
      // A takes the lease at T0 (it runs out at T0 + 6 s: CORE_LEASE_S 6); B tries every 2 s from T0 + 0.5 s
      const a = await startTestServer({ env: { DATABASE_URL: url, NODE_ID: 'node-a' }, clock: new VirtualClock(T0) });
      open.push(a);
      const b = await startTestServer({ env: { DATABASE_URL: url, NODE_ID: 'node-b' }, clock: new VirtualClock(T0 + 500) });
      open.push(b);
      expect(b.server.core.active).toBe(false);

      const ctxAlex = await phone(browser, b.base);
      const alex = await ctxAlex.newPage();
      await signIn(alex, 'alex', DEMO_PASSWORD);
      const ctxAdmin = await phone(browser, b.base);
      const admin = await ctxAdmin.newPage();
      await signIn(admin, 'admin', DEMO_PASSWORD);
      await admin.goto('/#/admin');
      for (const page of [alex, admin]) {
        await page.locator('html[data-core="active"]').waitFor();
        expect(await page.getByText(BANNER).count()).toBe(0);
      }

      // A is silent; by B's clock A's lease runs out at T0 + 6 s, when B tries again (its round at T0 + 4.5 s read it)
      await runTo(b, T0 + 5000);
      expect(await coreActive(b)).toBe(true); // A's lease, as B last read it, still runs
      locker = new pgLib.Client({ connectionString: url });
      await locker.connect();
      await locker.query('begin');
      await locker.query('lock table core_lease in access exclusive mode');
      // B's attempt at T0 + 6 s waits on the lock until the server's statement bound cancels it: failed
      await runTo(b, T0 + 6200);
      expect(b.server.core.active).toBe(false);
      expect(await coreActive(b)).toBe(false);
      for (const page of [alex, admin]) {
        const banner = page.getByRole('alert').filter({ hasText: BANNER });
        await banner.waitFor({ state: 'visible' });
        expect(await page.evaluate(() => document.documentElement.dataset.core)).toBe('none');
      }
      // the console is on screen under it
      await admin.getByRole('heading', { level: 2 }).first().waitFor();

      // the lock goes; B's next round (T0 + 8 s, two seconds after that attempt) takes the lease: the banner goes
      await locker.query('rollback');
      await runTo(b, T0 + 8200);
      expect(b.server.core.active).toBe(true);
      expect(await coreActive(b)).toBe(true);
      for (const page of [alex, admin]) {
        await page.locator('html[data-core="active"]').waitFor();
        await page.getByText(BANNER).waitFor({ state: 'hidden' });
      }
      await ctxAlex.close();
      await ctxAdmin.close();
    } finally {
      await locker?.end();
      for (const ts of open.splice(0)) await ts.close();
      await pg.dropDatabase(url);
    }
  });
});
