// Walking-skeleton flow in a real browser (issue 2 item 12, kept by issue 6): Chromium signs in with the
// labelled inputs, sees the simulated overdose arrive live, and clicks Acknowledge.
import { describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, api, connectDemoDevices, disconnectAll, driveDemoOverdose, login } from '../helpers/server.js';
import { browserSuite, signIn } from './browser.js';

const suite = browserSuite();

describe('walking skeleton in the browser', () => {
  it('alex signs in, sees the alert, clicks Acknowledge, and the server records it', async () => {
    const ctx = await suite.phone();
    const page = await ctx.newPage();
    await signIn(page, 'alex', DEMO_PASSWORD);
    const alexApi = await login(suite.ts.base, 'alex');
    const devices = await connectDemoDevices(suite.ts);
    await driveDemoOverdose(suite.ts, devices, alexApi, 7);
    const card = page.locator('li.alert[data-state="escalating"]');
    await card.waitFor();
    expect(await card.getByRole('heading').textContent()).toBe('Jo may need help');
    await card.getByRole('button', { name: 'Acknowledge' }).click();
    await page.locator('li.alert[data-state="acknowledged"]').waitFor();
    const alerts = (await api<{ state: string; attendingResponderId: string }[]>(suite.ts.base, alexApi, 'GET', '/api/alerts')).body;
    expect(alerts[0]).toMatchObject({ state: 'acknowledged', attendingResponderId: 'alex' });
    await disconnectAll(devices);
    await ctx.close();
  });

  it('wrong credentials show an error, not a crash', async () => {
    const ctx = await suite.phone();
    const page = await ctx.newPage();
    await page.goto('/');
    await page.getByLabel('Username').fill('alex');
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('Wrong username or password.');
    await ctx.close();
  });
});
