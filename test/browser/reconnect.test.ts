// Reconnect and catch-up (issue 6.1, 6.7): the server restarts while alex's phone is offline, an overdose
// is raised on the restarted server meanwhile; when the phone is back the app reconnects by itself, the
// server's hello snapshot shows the missed alert, and the alarm rings for the page it missed.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../server/src/clock.js';
import { generateScenario } from '../../simulator/src/scenarios.js';
import { DEMO_PASSWORD, api, connectDemoDevices, disconnectAll, driveTrace, login, startTestServer, type TestServer } from '../helpers/server.js';
import { launch, phone, signIn } from './browser.js';

let ts: TestServer;
let browser: Browser;
beforeAll(async () => {
  ts = await startTestServer();
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await ts?.close();
});

describe('reconnect', () => {
  it('after a server restart the app reconnects and shows the alert raised while it was away', async () => {
    const ctx = await phone(browser, ts.base);
    const page = await ctx.newPage();
    await signIn(page, 'alex', DEMO_PASSWORD);
    await page.getByText('No alerts. You will hear an alarm when one comes in.').waitFor();

    await ctx.setOffline(true);
    const port = ts.server.httpPort;
    const { dataDir } = ts;
    const resumeAt = ts.clock.now();
    await ts.close({ keepData: true });
    await page.locator('html[data-live="offline"]').waitFor();
    // Same port and data (sessions survive), time goes on from where it was.
    ts = await startTestServer({ dataDir, env: { HTTP_PORT: String(port) }, clock: new VirtualClock(resumeAt) });

    const devices = await connectDemoDevices(ts);
    const alexApi = await login(ts.base, 'alex');
    await driveTrace(ts, devices, generateScenario('overdose', { seed: 11, wearer: 'demo-wearer', wrist: 'demo-wrist', room: 'demo-room' }).lines, {
      stopWhen: async () => (await api<{ state: string }[]>(ts.base, alexApi, 'GET', '/api/alerts')).body.some((a) => a.state === 'escalating'),
    });
    const alertId = (await api<{ id: string }[]>(ts.base, alexApi, 'GET', '/api/alerts')).body[0]!.id;
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
