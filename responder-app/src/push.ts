// Web Push (issue 16): once signed in with notifications allowed, the app subscribes through its
// service worker with the server's VAPID key and posts the standard PushSubscription JSON, so a page
// reaches a locked phone; sw.ts shows it. Signing out removes the subscription (server, then browser)
// so the next person on a shared phone is not paged for the previous one.
import { api } from './api.js';

const supported = () => 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;

/** The VAPID key (base64url) as the bytes PushManager.subscribe wants. */
export function keyBytes(b64url: string): Uint8Array {
  const b64 = b64url.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (b64url.length % 4)) % 4);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

const sameKey = (a: ArrayBuffer | null | undefined, b: Uint8Array) =>
  !!a && a.byteLength === b.byteLength && new Uint8Array(a).every((x, i) => x === b[i]);

/** Subscribes (or keeps the subscription for this server's key) and tells the server; quiet on failure: SMS still pages. */
export async function enablePush(): Promise<boolean> {
  if (!supported() || Notification.permission !== 'granted') return false;
  try {
    const reg = await navigator.serviceWorker.ready;
    const { publicKey } = await api<{ publicKey: string }>('/api/push/vapid-public-key');
    const key = keyBytes(publicKey);
    let sub = await reg.pushManager.getSubscription();
    if (sub && !sameKey(sub.options.applicationServerKey, key)) {
      // Made for another key (the server's keys changed): a push service would refuse our pages to it.
      await sub.unsubscribe();
      sub = null;
    }
    sub ??= await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key as BufferSource });
    await api('/api/push/subscriptions', { method: 'POST', body: sub.toJSON() });
    return true;
  } catch {
    return false;
  }
}

/** Before signing out: the server forgets this browser, then the browser drops the subscription. */
export async function disablePush(): Promise<void> {
  if (!supported()) return;
  try {
    const reg = await navigator.serviceWorker.getRegistration();
    const sub = await reg?.pushManager.getSubscription();
    if (!sub) return;
    await api('/api/push/subscriptions', { method: 'DELETE', body: { endpoint: sub.endpoint } }).catch(() => undefined);
    await sub.unsubscribe();
  } catch {
    // signing out goes on regardless
  }
}
