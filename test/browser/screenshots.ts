// Takes the screenshots in docs/img for docs/app.md: a real server in virtual time, simulated overdoses
// over MQTT, headless Chromium at phone width (responder) and laptop width (console).
// Run: npm run build:app && npx tsx test/browser/screenshots.ts
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import {
  DEMO_PASSWORD,
  api,
  connectDemoDevices,
  disconnectAll,
  driveDemoOverdose,
  login,
  settle,
  startTestServer,
} from '../helpers/server.js';
import { launch, phone, signIn } from './browser.js';

const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/img');
const ts = await startTestServer();
const browser = await launch();
try {
  const admin = await login(ts.base, 'admin');
  const alexApi = await login(ts.base, 'alex');
  await api(ts.base, admin, 'PUT', '/api/admin/devices/demo-room/room', { room: 'Bathroom' });
  await api(ts.base, admin, 'PATCH', '/api/admin/service', { phone: '+44 141 555 0100' });
  const devices = await connectDemoDevices(ts);
  const overdose = (seed: number) => driveDemoOverdose(ts, devices, alexApi, seed);
  const ctx = await phone(browser, ts.base);
  const page = await ctx.newPage();
  const shot = async (p: Page, name: string, full = false) => {
    await p.screenshot({ path: path.join(out, `${name}.png`), fullPage: full });
  };
  await page.goto('/');
  await page.getByLabel('Username').waitFor();
  await shot(page, 'sign-in');
  await signIn(page, 'alex', DEMO_PASSWORD);
  const samCtx = await phone(browser, ts.base);
  const sam = await samCtx.newPage();
  await signIn(sam, 'sam', DEMO_PASSWORD);
  const id = await overdose(9);
  await page.locator('html[data-alarm-count="1"]').waitFor();
  await shot(page, 'alert-feed');
  await page.goto(`/#/alerts/${id}`);
  await page.locator('.chart-box svg').waitFor();
  await page.locator('#escalation-clock').waitFor();
  await shot(page, 'alarm-screen');
  await shot(page, 'alert-detail', true);
  await page.getByText('First aid for a suspected overdose').click();
  await page.getByRole('button', { name: 'Acknowledge', exact: true }).click();
  await page.getByText('You are attending.', { exact: true }).waitFor();
  await shot(page, 'alarm-acknowledged');
  await sam.getByText('Alex got there first', { exact: false }).waitFor();
  await shot(sam, 'got-there-first');
  await page.getByRole('button', { name: 'Resolve' }).click();
  await shot(page, 'alert-resolve', true);
  await page.goto('/#/guide');
  await shot(page, 'first-aid', true);

  // The responder's alert is closed before the history below (one open alert per person).
  await api(ts.base, alexApi, 'POST', `/api/alerts/${id}/resolve`, { outcome: 'wearer_ok' });
  await settle(ts);
  ts.clock.advance(600_000);
  await settle(ts);
  // Some history for the dashboard: two alerts answered and closed.
  for (const [seed, ackS, outcome] of [
    [3, 35, 'wearer_ok'],
    [4, 50, 'overdose_naloxone_given'],
  ] as const) {
    const id = await overdose(seed);
    ts.clock.advance(ackS * 1000);
    await api(ts.base, alexApi, 'POST', `/api/alerts/${id}/ack`, {});
    ts.clock.advance(240_000);
    await api(ts.base, alexApi, 'POST', `/api/alerts/${id}/arrived`, {});
    await api(ts.base, alexApi, 'POST', `/api/alerts/${id}/resolve`, { outcome });
    await settle(ts);
    ts.clock.advance(600_000);
    await settle(ts);
  }

  const wide = await browser.newContext({ viewport: { width: 1024, height: 760 }, baseURL: ts.base, serviceWorkers: 'block' });
  const con = await wide.newPage();
  await signIn(con, 'admin', DEMO_PASSWORD);
  await con.goto('/#/admin');
  await con.locator('#stat-alerts').waitFor();
  await shot(con, 'console-dashboard', true);
  await con.goto('/#/admin/wearers/demo-wearer');
  await con.locator('#consent-state').waitFor();
  await con.getByRole('button', { name: 'Show consent link' }).click();
  const link = new URL((await con.locator('#consent-url').textContent())!);
  await shot(con, 'console-wearer', true);
  await con.goto('/#/admin/devices');
  await con.locator('table').waitFor();
  await shot(con, 'console-devices', true);
  await con.goto('/#/admin/chains/demo-chain');
  await con.locator('#view li.step, #view .error').first().waitFor();
  await shot(con, 'console-chain', true);
  await con.goto('/#/admin/alerts');
  await con.locator('table').waitFor();
  await shot(con, 'console-history', true);

  const wearer = await phone(browser, ts.base);
  const me = await wearer.newPage();
  await me.goto(`/${link.hash}`);
  await me.getByRole('button', { name: 'Pause' }).waitFor();
  await shot(me, 'consent-page', true);
  await disconnectAll(devices);
  process.stdout.write(`screenshots written to ${out}\n`);
} finally {
  await browser.close();
  await ts.close();
}
