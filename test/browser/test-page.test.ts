// "Send a test page" (issue 16.3) at 360 px: a responder tests every method from the alert screen and sees
// each method's result and that this open app got it; an admin does the same from a person's row.
import { describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../helpers/server.js';
import { expectAccessibleScreen } from './axe.js';
import { browserSuite, signIn } from './browser.js';

const suite = browserSuite();

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
    expect(await admin.locator('[data-test-page-results="sam"] li[data-channel="app"]').getAttribute('data-status')).toBe('not_set_up');
    await expectAccessibleScreen(admin, 'responders and groups with test page results');
    await ctx.close();
  });
});
