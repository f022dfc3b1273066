// Takes the test page screenshots (issue 16; phone width, 360 px) into docs/img, without retaking the others:
// the responder's "Send a test page" results after Twilio reported on the SMS and the call, and an admin's
// test page for a person, whose push line is the only place the app shows whether push reaches that person.
// SMS and calls go to the local Twilio server, push to the local Web Push service (Sam subscribed through the
// API, as the app does). Run: npm run build:app && npx tsx test/browser/screenshots-oncall.ts
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeTwilio, twilioEnv } from '../helpers/fake-twilio.js';
import { startPushService } from '../helpers/push-service.js';
import { DEMO_PASSWORD, api, login, startTestServer } from '../helpers/server.js';
import { launch, phone, signIn } from './browser.js';

const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/img');
const twilio = await startFakeTwilio();
const push = await startPushService();
const ts = await startTestServer({ env: twilioEnv(twilio), server: { pushAgent: push.agent } });
const browser = await launch();
const last = (kind: 'message' | 'call') => twilio.requests.filter((r) => r.kind === kind).at(-1)!;
try {
  // Sam's phone subscribed to push (what the app does after sign-in with notifications allowed).
  const sam = await login(ts.base, 'sam');
  const key = await api<{ publicKey: string }>(ts.base, sam, 'GET', '/api/push/vapid-public-key');
  await api(ts.base, sam, 'POST', '/api/push/subscriptions', push.subscribe(key.body.publicKey).json);

  // 1. Alex tests every method from the app; Twilio then reports the SMS delivered and the call unreachable.
  const ctx = await phone(browser, ts.base);
  const alex = await ctx.newPage();
  await signIn(alex, 'alex', DEMO_PASSWORD);
  await alex.getByRole('button', { name: 'Send a test page' }).click();
  await alex.locator('#test-page-results li[data-channel="sms"]').waitFor();
  await alex.getByText(/^Test page received in this app at /).waitFor();
  await twilio.report(last('message'), 'delivered', { via: ts.base });
  await twilio.report(last('call'), 'failed', { via: ts.base });
  await alex.locator('#test-page-results li[data-channel="sms"][data-status="delivered"]', { hasText: 'SMS delivered' }).waitFor();
  await alex.locator('#test-page-results li[data-channel="voice"][data-status="failed"]').waitFor();
  await alex.locator('section.test-page').scrollIntoViewIfNeeded();
  await alex.screenshot({ path: path.join(out, 'test-page.png'), fullPage: true });
  await ctx.close();

  // 2. The admin tests Sam from Responders and groups: push reaches Sam's subscription, the SMS is delivered.
  const actx = await phone(browser, ts.base);
  const admin = await actx.newPage();
  await signIn(admin, 'admin', DEMO_PASSWORD);
  await admin.goto('/#/admin/people');
  await admin.getByRole('button', { name: 'Send a test page Sam' }).click();
  await admin.locator('[data-test-page-results="sam"] li[data-channel="push"]').waitFor();
  await twilio.report(last('message'), 'delivered', { via: ts.base });
  await admin.locator('[data-test-page-results="sam"] li[data-channel="sms"][data-status="delivered"]').waitFor();
  // The results are said above the table (where a new password is shown); the click scrolled down to Sam's row.
  await admin.evaluate(() => {
    for (const el of document.querySelectorAll('*')) el.scrollLeft = 0;
    window.scrollTo(0, 0);
  });
  await admin.screenshot({ path: path.join(out, 'console-test-page.png'), clip: { x: 0, y: 0, width: 360, height: 470 } });
  await actx.close();
  process.stdout.write(`test page screenshots written to ${out}\n`);
} finally {
  await browser.close();
  await ts.close();
  await push.close();
  await twilio.close();
}
