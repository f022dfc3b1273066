// "Send a test page" (issue 16.3) at 360 px: a responder tests every method from the alert screen and sees
// each method's result and that this open app got it; an admin does the same from a person's row. SMS and
// calls go to the local Twilio server, whose signed status callbacks move the results on, live on both screens.
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeTwilio, twilioEnv, type FakeTwilio } from '../helpers/fake-twilio.js';
import { DEMO_PASSWORD } from '../helpers/server.js';
import { expectAccessibleScreen } from './axe.js';
import { browserSuite, signIn } from './browser.js';

let twilio: FakeTwilio;
const suite = browserSuite({
  env: async () => {
    twilio = await startFakeTwilio();
    return twilioEnv(twilio);
  },
});
afterAll(async () => {
  await twilio?.close();
});
const last = (kind: 'message' | 'call') => twilio.requests.filter((r) => r.kind === kind).at(-1)!;

describe('test page', () => {
  it('a responder sends one and sees per-method results; an admin sends one for a person', async () => {
    const { pages, close } = await suite.signedInPhones('alex');
    const [alex] = pages;
    await alex.getByRole('button', { name: 'Send a test page' }).click();
    const results = alex.locator('#test-page-results li');
    await alex.locator('#test-page-results li[data-channel="sms"]').waitFor();
    expect(await alex.locator('#test-page-results li[data-channel="app"]').getAttribute('data-status')).toBe('delivered');
    expect(await alex.locator('#test-page-results li[data-channel="sms"]').getAttribute('data-status')).toBe('sent');
    expect(await alex.locator('#test-page-results li[data-channel="voice"]').getAttribute('data-status')).toBe('sent');
    expect(await alex.locator('#test-page-results li[data-channel="push"]').getAttribute('data-status')).toBe('not_set_up');
    expect(await results.count()).toBe(4);
    await alex.getByText(/^Test page received in this app at /).waitFor();
    // Twilio reports later: the SMS is delivered, the call cannot be connected; the screen follows live.
    expect((await twilio.report(last('message'), 'delivered', { via: suite.ts.base })).status).toBe(204);
    expect((await twilio.report(last('call'), 'failed', { via: suite.ts.base })).status).toBe(204);
    await alex.locator('#test-page-results li[data-channel="sms"][data-status="delivered"]', { hasText: 'SMS delivered' }).waitFor();
    await alex
      .locator('#test-page-results li[data-channel="voice"][data-status="failed"]', { hasText: 'Phone call failed: number unreachable' })
      .waitFor();
    // A test never looks like an alert: nothing in the feed, no alarm.
    expect(await alex.locator('#alert-list').count()).toBe(0);
    await expectAccessibleScreen(alex, 'alerts with test page results');
    await close();

    const ctx = await suite.phone();
    const admin = await ctx.newPage();
    await signIn(admin, 'admin', DEMO_PASSWORD);
    await admin.goto('/#/admin/people');
    await admin.getByRole('button', { name: 'Send a test page Sam' }).click();
    await admin.locator('[data-test-page-results="sam"] li[data-channel="sms"]').waitFor();
    // The results name whom they are for (the console may hold several people's tests at once).
    expect(await admin.locator('[data-test-page-for-user="sam"]').textContent()).toMatch(/^Test page for Sam \(Responder\), sent at \d/);
    expect(await admin.locator('[data-test-page-results="sam"] li[data-channel="app"]').getAttribute('data-status')).toBe('not_set_up');
    expect((await twilio.report(last('message'), 'undelivered', { errorCode: '30005', via: suite.ts.base })).status).toBe(204);
    await admin
      .locator('[data-test-page-results="sam"] li[data-channel="sms"][data-status="failed"]', { hasText: 'SMS failed: unknown number' })
      .waitFor();
    await expectAccessibleScreen(admin, 'responders and groups with test page results');
    await ctx.close();
  });
});
