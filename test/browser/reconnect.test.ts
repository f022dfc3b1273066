// Reconnect and catch-up (issue 6.1, 6.7): the server restarts while alex's phone is offline, an overdose
// is raised on the restarted server meanwhile; when the phone is back the app reconnects by itself, the
// server's hello snapshot shows the missed alert, and the alarm rings for the page it missed.
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../server/src/clock.js';
import { DEMO_PASSWORD, connectDemoDevices, disconnectAll, driveDemoOverdose, login, startTestServer } from '../helpers/server.js';
import { browserSuite, signIn } from './browser.js';

const suite = browserSuite();

describe('reconnect', () => {
  it('after a server restart the app reconnects and shows the alert raised while it was away', async () => {
    const ctx = await suite.phone();
    const page = await ctx.newPage();
    await signIn(page, 'alex', DEMO_PASSWORD);
    await page.getByText('No alerts. You will hear an alarm when one comes in.').waitFor();

    await ctx.setOffline(true);
    const port = suite.ts.server.httpPort;
    const { dataDir } = suite.ts;
    const resumeAt = suite.ts.clock.now();
    await suite.ts.close({ keepData: true });
    await page.locator('html[data-live="offline"]').waitFor();
    // Same port and data (sessions survive), time goes on from where it was.
    suite.ts = await startTestServer({ dataDir, env: { HTTP_PORT: String(port) }, clock: new VirtualClock(resumeAt) });

    const devices = await connectDemoDevices(suite.ts);
    const alexApi = await login(suite.ts.base, 'alex');
    const alertId = await driveDemoOverdose(suite.ts, devices, alexApi, 11);
    expect(await page.locator('li.alert').count()).toBe(0);

    await ctx.setOffline(false);
    await page.locator('html[data-live="online"]').waitFor();
    await page.locator(`li.alert[data-alert-id="${alertId}"][data-state="escalating"]`).waitFor();
    // alex was paged while away: the catch-up rings the alarm for it.
    await page.locator('html[data-alarm-count="1"]').waitFor();
    expect(await page.evaluate(() => document.documentElement.dataset.alarmAlert)).toBe(alertId);
    await disconnectAll(devices);
    await ctx.close();
  });
});
