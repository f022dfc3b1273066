// A raised alert is never lost to a failing store: decisions that raise alerts are retried with
// backoff (virtual time) until they land, in order, and then escalate as usual.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { settle, startTestServer, until, type TestServer } from './helpers/server.js';

let ts: TestServer;
beforeEach(async () => {
  ts = await startTestServer();
});
afterEach(async () => {
  await ts.close();
});

describe('alert handling under store failures', () => {
  it('a help press while the database refuses writes still becomes an alert once it recovers', async () => {
    const repos = ts.server.repos;
    const real = repos.openAlertForWearer.bind(repos);
    let failures = 0;
    repos.openAlertForWearer = async (id: string) => {
      if (failures < 8) {
        failures++;
        throw Object.assign(new Error('SQLITE_BUSY: database is locked'), { code: 'SQLITE_BUSY' });
      }
      return real(id);
    };
    const decisions = ts.server.engine.ingest('demo-wearer', {
      t: ts.clock.now(),
      deviceId: 'demo-wrist',
      message: { stream: 'button', data: { action: 'help' } },
    });
    const handled = ts.server.alerts.handle(decisions);
    // Three quick attempts, then backoff timers on the virtual clock.
    await until(() => failures >= 3);
    expect(await real('demo-wearer')).toBeUndefined();
    let landed = false;
    void handled.then(() => {
      landed = true;
    });
    for (let i = 0; i < 20 && !landed; i++) {
      ts.clock.advance(30_000);
      await new Promise<void>((r) => setImmediate(r));
    }
    await handled;
    await settle(ts);
    const alert = await real('demo-wearer');
    expect(alert?.state).toBe('escalating');
    expect(failures).toBe(8);
    expect(await (await fetch(`${ts.base}/metrics`)).text()).toMatch(/odart_alert_errors_total 8/);
  });
});
