// Walking skeleton in a real browser: alex signs in with the labelled form, sees the live alert
// raised by a simulated overdose over MQTT, and clicks Acknowledge.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateScenario } from '../../simulator/src/scenarios.js';
import { launchBrowser } from '../helpers/browser.js';
import { api, connectDemoDevices, DEMO_PASSWORD, disconnectAll, driveTrace, login, startTestServer, type TestServer } from '../helpers/server.js';

let ts: TestServer;
let browser: Browser;
beforeAll(async () => {
  ts = await startTestServer();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await ts?.close();
});

describe('responder app (Chromium)', () => {
  it('signs in, sees the alert arrive live, acknowledges it', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    await page.goto(ts.base);
    await page.getByLabel('Username').fill('alex');
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Alerts' }).isVisible()).toBe(true);
    await expect.poll(() => page.locator('#conn').textContent()).toBe('live');

    // Now the overdose, over MQTT in virtual time, while the page is open.
    const alex = await login(ts.base, 'alex');
    const devices = await connectDemoDevices(ts);
    await driveTrace(ts, devices, generateScenario('overdose', { seed: 11, wearer: 'demo-wearer', wrist: 'demo-wrist', room: 'demo-room' }).lines, {
      stopWhen: async () => (await api<{ state: string }[]>(ts.base, alex, 'GET', '/api/alerts')).body.some((a) => a.state === 'escalating'),
    });

    const ack = page.getByRole('button', { name: 'Acknowledge' });
    await ack.waitFor({ state: 'visible' });
    await expect.poll(() => page.locator('.alert h3').first().textContent()).toBe('Jo may need help');
    await ack.click();
    await page.getByText('You are attending.').waitFor();
    const list = await api<{ state: string; attendingResponderId: string }[]>(ts.base, alex, 'GET', '/api/alerts');
    expect(list.body[0]).toMatchObject({ state: 'acknowledged', attendingResponderId: 'alex' });
    await disconnectAll(devices);
    await page.close();
  });

  it('wrong credentials show an error, not a crash', async () => {
    const page = await browser.newPage();
    await page.goto(ts.base);
    await page.getByLabel('Username').fill('alex');
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('Wrong username or password.');
    await page.close();
  });
});
