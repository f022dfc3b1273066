// The service-worker side of Web Push (issue 16) in Chromium at 360 px: a page push delivered to the
// app's real service worker (through the DevTools protocol, as DevTools' "Push" button does: no push
// service is reachable here) is shown as a notification naming the wearer, with the reason and an
// Acknowledge action; that action acknowledges the alert from the service worker with the session cookie.
import { describe, expect, it } from 'vitest';
import { api, DEMO_PASSWORD, login, settle } from '../helpers/server.js';
import { browserSuite, signIn } from './browser.js';

const suite = browserSuite();

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
      const payload = { kind: 'page', alertId, alias: 'Jo', reason: 'no breathing detected' };
      await cdp.send('ServiceWorker.deliverPushMessage', { origin: ts.base, registrationId, data: JSON.stringify(payload) });

      const shown = await page.waitForFunction(async (tag) => {
        const ns = await (await navigator.serviceWorker.ready).getNotifications({ tag });
        const n = ns[0];
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
      }, `page-${alertId}`);
      expect(await shown.jsonValue()).toEqual({
        title: 'Jo may need help',
        body: 'no breathing detected',
        data: { alertId },
        actions: [{ action: 'ack', title: 'Acknowledge' }],
      });

      // The Acknowledge action: the service worker's own notificationclick handler, given that notification.
      const [worker] = ctx.serviceWorkers();
      expect(worker).toBeDefined();
      await worker!.evaluate(async (tag) => {
        const scope = self as unknown as {
          registration: { getNotifications(o: { tag: string }): Promise<Notification[]> };
          dispatchEvent(e: Event): boolean;
        };
        const [n] = await scope.registration.getNotifications({ tag });
        const Ev = (
          self as unknown as { NotificationEvent: new (type: string, init: { notification: Notification; action: string }) => Event }
        ).NotificationEvent;
        scope.dispatchEvent(new Ev('notificationclick', { notification: n!, action: 'ack' }));
      }, `page-${alertId}`);
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
      // What escalation/test-page.ts sends on the push channel.
      const payload = {
        kind: 'test',
        testPageId,
        title: 'ODART test page',
        body: 'Only a test, not an alert. Your push pages reach this device.',
      };
      await cdp.send('ServiceWorker.deliverPushMessage', { origin: ts.base, registrationId, data: JSON.stringify(payload) });
      const shown = await page.waitForFunction(async (tag) => {
        const ns = await (await navigator.serviceWorker.ready).getNotifications({ tag });
        const n = ns[0];
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
      }, `test-${testPageId}`);
      expect(await shown.jsonValue()).toEqual({
        title: 'ODART test page',
        body: 'Only a test, not an alert. Your push pages reach this device.',
        data: { testPageId },
        actions: [{ action: 'ack', title: 'Acknowledge' }],
      });
      // No alert notification among them: a test never looks like an alert.
      expect(await page.evaluate(async () => (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => n.tag))).toEqual([
        `test-${testPageId}`,
      ]);

      const [worker] = ctx.serviceWorkers();
      await worker!.evaluate(async (tag) => {
        const scope = self as unknown as {
          registration: { getNotifications(o: { tag: string }): Promise<Notification[]> };
          dispatchEvent(e: Event): boolean;
        };
        const [n] = await scope.registration.getNotifications({ tag });
        const Ev = (
          self as unknown as { NotificationEvent: new (type: string, init: { notification: Notification; action: string }) => Event }
        ).NotificationEvent;
        scope.dispatchEvent(new Ev('notificationclick', { notification: n!, action: 'ack' }));
      }, `test-${testPageId}`);
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
