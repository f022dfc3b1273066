// Service worker: caches the app shell so the app opens (and shows its reconnecting state) without a
// network. API calls and the live feed always go to the network: alerts are never served from a cache.
// Web Push (issue 16): a page arrives as a push (server/src/notify/push/: alert id, alias, reason) and
// is shown as a notification that stays until acted on; a tap opens the alert (#/alerts/<id>), its
// "Acknowledge" action calls the ack API from here with the session cookie, then opens the alert.
// A TEST page's push (escalation/test-page.ts: kind 'test', its test page id) says it is a test, opens no
// alert, and its "Acknowledge" confirms the test instead (POST /api/me/test-pages/:id/confirm).
import { t } from './messages.js';
const CACHE = 'odart-shell-v1';
const SHELL = ['/', '/index.html', '/app.js', '/styles.css', '/manifest.webmanifest', '/icon-192.png', '/icon-512.png'];

interface ExtendableEvent extends Event {
  waitUntil(p: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  request: Request;
  respondWith(r: Promise<Response> | Response): void;
}
interface PushEvent extends ExtendableEvent {
  data: { json(): unknown } | null;
}
interface NotificationEvent extends ExtendableEvent {
  action: string;
  notification: Notification;
}
interface WindowClientLike {
  url: string;
  focus(): Promise<unknown>;
  navigate(url: string): Promise<unknown>;
}
interface SwScope {
  addEventListener(type: 'install' | 'activate', fn: (e: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', fn: (e: FetchEvent) => void): void;
  addEventListener(type: 'push', fn: (e: PushEvent) => void): void;
  addEventListener(type: 'notificationclick', fn: (e: NotificationEvent) => void): void;
  skipWaiting(): Promise<void>;
  clients: {
    claim(): Promise<void>;
    matchAll(o: { type: 'window'; includeUncontrolled: boolean }): Promise<WindowClientLike[]>;
    openWindow(url: string): Promise<unknown>;
  };
  registration: { showNotification(title: string, options: NotificationOptions & Record<string, unknown>): Promise<void> };
  location: Location;
}
const sw = self as unknown as SwScope;

sw.addEventListener('install', (e) => {
  e.waitUntil(
    caches
      .open(CACHE)
      .then((c) => c.addAll(SHELL))
      .then(() => sw.skipWaiting()),
  );
});

sw.addEventListener('activate', (e) => {
  e.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => sw.clients.claim()),
  );
});

sw.addEventListener('fetch', (e) => {
  const url = new URL(e.request.url);
  if (e.request.method !== 'GET' || url.origin !== sw.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/webhooks/') || url.pathname === '/mqtt') return;
  // Network first, so a new version shows at once; the cache answers only when the network cannot.
  e.respondWith(
    fetch(e.request)
      .then((res) => {
        if (res.ok && SHELL.includes(url.pathname)) {
          const copy = res.clone();
          void caches.open(CACHE).then((c) => c.put(e.request, copy));
        }
        return res;
      })
      .catch(async () => (await caches.match(e.request)) ?? (await caches.match('/index.html')) ?? Response.error()),
  );
});

/** What the server's push channel sends (server/src/notify/push/channel.ts PushPage). */
interface PushPage {
  kind: 'page';
  alertId: string;
  alias: string;
  reason: string;
}
const isPage = (x: unknown): x is PushPage =>
  typeof x === 'object' && x !== null && (x as PushPage).kind === 'page' && typeof (x as PushPage).alertId === 'string';

/** A test page's push (server/src/escalation/test-page.ts): never an alert. */
interface PushTest {
  kind: 'test';
  testPageId: string;
  title?: unknown;
  body?: unknown;
}
const isTest = (x: unknown): x is PushTest =>
  typeof x === 'object' && x !== null && (x as PushTest).kind === 'test' && typeof (x as PushTest).testPageId === 'string';

sw.addEventListener('push', (e) => {
  let data: unknown;
  try {
    data = e.data?.json() ?? null;
  } catch {
    data = null;
  }
  if (isTest(data)) {
    e.waitUntil(
      sw.registration.showNotification(typeof data.title === 'string' && data.title ? data.title : t.testPushTitle, {
        body: typeof data.body === 'string' && data.body ? data.body : t.testPushBody,
        tag: `test-${data.testPageId}`,
        requireInteraction: true,
        icon: '/icon-192.png',
        data: { testPageId: data.testPageId },
        actions: [{ action: 'ack', title: t.acknowledge }],
      }),
    );
    return;
  }
  if (!isPage(data)) return;
  const alias = typeof data.alias === 'string' && data.alias ? data.alias : 'Someone';
  e.waitUntil(
    sw.registration.showNotification(t.alertTitle(alias), {
      body: typeof data.reason === 'string' ? data.reason : '',
      // One notification per alert: a repeated page (a retry, the chain again) replaces it and rings again.
      tag: `page-${data.alertId}`,
      renotify: true,
      requireInteraction: true,
      icon: '/icon-192.png',
      data: { alertId: data.alertId },
      actions: [{ action: 'ack', title: t.acknowledge }],
    }),
  );
});

/** Focuses an open app window on the alert, or opens one. */
function openAlert(alertId: string): Promise<void> {
  return openApp(`${sw.location.origin}/#/alerts/${encodeURIComponent(alertId)}`);
}

/** Focuses an open app window on `url`, or opens one. */
async function openApp(url: string): Promise<void> {
  const wins = await sw.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const win = wins.find((w) => new URL(w.url).origin === sw.location.origin);
  if (win) {
    await win.navigate(url).catch(() => undefined);
    await win.focus();
    return;
  }
  await sw.clients.openWindow(url);
}

const POST = {
  method: 'POST',
  credentials: 'same-origin',
  headers: { 'x-odart-csrf': '1', 'content-type': 'application/json' },
  body: '{}',
} as const;

sw.addEventListener('notificationclick', (e) => {
  const data = e.notification.data as { alertId?: unknown; testPageId?: unknown } | null;
  const alertId = data?.alertId;
  e.notification.close();
  if (typeof data?.testPageId === 'string') {
    const testPageId = data.testPageId;
    // A test: Acknowledge confirms it (the session cookie says whose); the app opens on its start, not on an alert.
    e.waitUntil(
      (async () => {
        if (e.action === 'ack') await fetch(`/api/me/test-pages/${encodeURIComponent(testPageId)}/confirm`, POST).catch(() => undefined);
        await openApp(`${sw.location.origin}/#/`);
      })(),
    );
    return;
  }
  if (typeof alertId !== 'string') return;
  e.waitUntil(
    (async () => {
      if (e.action === 'ack') {
        // The same request the app makes (session cookie, CSRF header); signed out or taken: the alert opens and says so.
        await fetch(`/api/alerts/${encodeURIComponent(alertId)}/ack`, POST).catch(() => undefined);
      }
      await openAlert(alertId);
    })(),
  );
});
