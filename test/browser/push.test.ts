// The service-worker side of Web Push (issue 16) in Chromium at 360 px: a page push delivered to the
// app's real service worker (through the DevTools protocol, as DevTools' "Push" button does: no push
// service is reachable here) is shown as a notification naming the wearer, with the reason and an
// Acknowledge action; that action acknowledges the alert from the service worker with the session cookie.
import { describe, expect, it } from 'vitest';
import { api, DEMO_PASSWORD, login, settle } from '../helpers/server.js';
import type { BrowserContext, Page } from 'playwright-core';
import { browserSuite, signIn } from './browser.js';

const suite = browserSuite();

/** Delivers `payload` to the app's service worker as a push, through DevTools (its "Push" button). */
async function deliverPush(ctx: BrowserContext, page: Page, base: string, payload: unknown): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  const cdp = await ctx.newCDPSession(page);
  const registrationId = await new Promise<string>((resolve) => {
    cdp.on('ServiceWorker.workerRegistrationUpdated', (e: { registrations: { registrationId: string; isDeleted: boolean }[] }) => {
      const r = e.registrations.find((x) => !x.isDeleted);
      if (r) resolve(r.registrationId);
    });
    void cdp.send('ServiceWorker.enable');
  });
  await cdp.send('ServiceWorker.deliverPushMessage', { origin: base, registrationId, data: JSON.stringify(payload) });
}

/** The notification shown with this tag: title, body, data and actions. */
async function shownNotification(page: Page, tag: string): Promise<unknown> {
  const shown = await page.waitForFunction(async (t) => {
    const n = (await (await navigator.serviceWorker.ready).getNotifications({ tag: t }))[0];
    return n
      ? {
          title: n.title,
          body: n.body,
          data: n.data as unknown,
          actions: (n as unknown as { actions: { action: string; title: string }[] }).actions.map((a) => ({
            action: a.action,
            title: a.title,
          })),
        }
      : null;
  }, tag);
  return shown.jsonValue();
}

/** The service worker's own notificationclick handler, given that notification and action. */
async function clickAction(ctx: BrowserContext, tag: string, action: string): Promise<void> {
  const [worker] = ctx.serviceWorkers();
  expect(worker).toBeDefined();
  await worker!.evaluate(
    async ([t, a]) => {
      const scope = self as unknown as {
        registration: { getNotifications(o: { tag: string }): Promise<Notification[]> };
        dispatchEvent(e: Event): boolean;
      };
      const [n] = await scope.registration.getNotifications({ tag: t! });
      const Ev = (
        self as unknown as { NotificationEvent: new (type: string, init: { notification: Notification; action: string }) => Event }
      ).NotificationEvent;
      scope.dispatchEvent(new Ev('notificationclick', { notification: n!, action: a! }));
    },
    [tag, action],
  );
}

describe('push notifications in the service worker', () => {
  it('shows the page as a notification with Acknowledge, and the action acknowledges the alert', async () => {
    const { ts } = suite;
    await ts.server.alerts.handle([
      { kind: 'responder_alert', wearerId: 'demo-wearer', t: ts.clock.now(), score: 90, reasons: ['no breathing 30 s'], news2: null },
    ]);
    await settle(ts);
    const alertId = (await ts.server.repos.openAlertForWearer('demo-wearer'))!.id;

    const ctx = await suite.browser.newContext({ viewport: { width: 360, height: 740 }, baseURL: ts.base });
    await ctx.grantPermissions(['notifications'], { origin: ts.base });
    try {
      const page = await ctx.newPage();
      await signIn(page, 'alex', DEMO_PASSWORD);
      await deliverPush(ctx, page, ts.base, { kind: 'page', alertId, alias: 'Jo', reason: 'no breathing detected' });
      expect(await shownNotification(page, `page-${alertId}`)).toEqual({
        title: 'Jo may need help',
        body: 'no breathing detected',
        data: { alertId },
        actions: [{ action: 'ack', title: 'Acknowledge' }],
      });
      // The Acknowledge action: the service worker's own notificationclick handler, given that notification.
      await clickAction(ctx, `page-${alertId}`, 'ack');
      const admin = await login(ts.base, 'admin');
      const state = async () =>
        (await api<{ state: string; attendingResponderId: string | null }>(ts.base, admin, 'GET', `/api/alerts/${alertId}`)).body;
      await expect.poll(state, { timeout: 10_000 }).toMatchObject({ state: 'acknowledged', attendingResponderId: 'alex' });
    } finally {
      await ctx.close();
    }
  });

  it('shows a test page push as a TEST that opens no alert; its Acknowledge confirms the test', async () => {
    const { ts } = suite;
    // The test page's push went out (the push service accepted it); Chromium gets it through DevTools.
    const now = ts.clock.now();
    const testPageId = 'tp_browsertest';
    await ts.server.repos.testPages.insertTestPageResults([
      {
        id: `${testPageId}:0`,
        test_page_id: testPageId,
        user_id: 'alex',
        requested_by: 'alex',
        channel: 'push',
        label: 'Push notification',
        provider_id: null,
        status: 'delivered',
        detail: 'Push notification delivered to the push service',
        created_at: now,
        updated_at: now,
      },
    ]);
    const alertsBefore = (await api<unknown[]>(ts.base, await login(ts.base, 'admin'), 'GET', '/api/alerts')).body;
    const ctx = await suite.browser.newContext({ viewport: { width: 360, height: 740 }, baseURL: ts.base });
    await ctx.grantPermissions(['notifications'], { origin: ts.base });
    try {
      const page = await ctx.newPage();
      await signIn(page, 'alex', DEMO_PASSWORD);
      // What escalation/test-page.ts sends on the push channel.
      const body = 'Only a test, not an alert. Your push pages reach this device.';
      await deliverPush(ctx, page, ts.base, { kind: 'test', testPageId, title: 'ODART test page', body });
      expect(await shownNotification(page, `test-${testPageId}`)).toEqual({
        title: 'ODART test page',
        body,
        data: { testPageId },
        actions: [{ action: 'ack', title: 'Acknowledge' }],
      });
      // No alert notification among them: a test never looks like an alert.
      expect(await page.evaluate(async () => (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => n.tag))).toEqual([
        `test-${testPageId}`,
      ]);
      await clickAction(ctx, `test-${testPageId}`, 'ack');
      const stored = async () => (await ts.server.repos.testPages.testPageResultsOf(testPageId)).map((r) => [r.status, r.detail]);
      await expect.poll(stored, { timeout: 10_000 }).toEqual([['confirmed', 'Push notification confirmed on the phone']]);
      // It opened the app, not an alert; no alert was made or acknowledged.
      await expect.poll(() => page.url()).not.toMatch(/#\/alerts\//);
      expect((await api<unknown[]>(ts.base, await login(ts.base, 'admin'), 'GET', '/api/alerts')).body).toEqual(alertsBefore);
    } finally {
      await ctx.close();
    }
  });
});
