// The push channel: a page as a standard Web Push message (RFC 8030 delivery, RFC 8291 aes128gcm
// payload encryption, RFC 8292 VAPID) to every browser the user subscribed with the app's service
// worker, through the `web-push` library. A queued channel addressed to a user (not a phone number):
// the dispatcher sends it at its rate and retries it like an SMS; a subscription the push service
// says is gone (404, 410) is deleted and never tried again.
import type { Agent } from 'node:https';
import webpush from 'web-push';
import type { QueuedChannel } from '../channel.js';
import { reasonWords } from '../page.js';
import type { SmsResult } from '../sms.js';

export const PUSH = { id: 'push', label: 'Push notification', reaches: 'person' } as const;

/** The page's push payload (JSON): what the service worker shows and which alert it opens. */
export interface PushPage {
  kind: 'page';
  alertId: string;
  alias: string;
  reason: string;
}

/** A stored subscription: the browser's PushSubscription JSON, flattened. */
export interface PushTarget {
  endpoint: string;
  p256dh: string;
  auth: string;
}

/** Where the subscriptions live; store/push.ts implements it (notify/ sees only this port). */
export interface PushSubscriptions {
  pushSubscriptionsOf(userId: string): Promise<PushTarget[]>;
  /** the push service said 404/410: the subscription is gone for good */
  dropPushSubscription(endpoint: string): Promise<void>;
  pushDelivered(endpoint: string, at: number): Promise<void>;
  pushFailed(endpoint: string): Promise<void>;
}

/** RFC 8292 application server keys (base64url: the 65-byte public point, the 32-byte private scalar). */
export interface VapidKeys {
  publicKey: string;
  privateKey: string;
  /** mailto: or https: contact for the push service */
  subject: string;
}

export interface PushDeps {
  subscriptions: PushSubscriptions;
  vapid: VapidKeys;
  now(): number;
  /** how long the push service keeps a page for an offline phone (s); a page older than that is no use */
  ttlS?: number;
  /** the HTTP timeout of one push request (ms); the dispatcher's own timeout still applies */
  timeoutMs?: number;
  /** tests only: an agent trusting the local push service's certificate (never a disabled check) */
  agent?: Agent;
}

/** Default TTL: a page older than 10 minutes is stale; by then the chain has moved on to others. */
export const PUSH_TTL_S = 600;

export function pushChannel(d: PushDeps | undefined): QueuedChannel {
  return {
    ...PUSH,
    delivery: 'queued',
    address: 'user',
    render: (p) =>
      JSON.stringify({ kind: 'page', alertId: p.alertId, alias: p.facts.alias, reason: reasonWords(p.facts.reasons) } satisfies PushPage),
    send: (m) =>
      d
        ? sendToUser(d, m.to, m.body)
        : Promise.resolve({ ok: false, code: 'push_not_configured', message: 'no VAPID keys', retryable: false }),
    // Push services send no delivery callbacks: an accepted message is as far as we can know.
    parseStatus: () => 'ok',
  };
}

type One = { ok: true; id: string } | { ok: false; status: number | null; gone: boolean; retryable: boolean; message: string };

async function sendToUser(d: PushDeps, userId: string, body: string): Promise<SmsResult> {
  const subs = await d.subscriptions.pushSubscriptionsOf(userId);
  if (subs.length === 0) return { ok: false, code: 'no_subscription', message: 'the user has no push subscription', retryable: false };
  const results = await Promise.all(subs.map((s) => sendOne(d, s, body)));
  const ok = results.find((r): r is Extract<One, { ok: true }> => r.ok);
  if (ok) return { ok: true, sid: ok.id, status: 'accepted' };
  const failed = results.filter((r): r is Extract<One, { ok: false }> => !r.ok);
  const retryable = failed.some((r) => r.retryable);
  const first = failed.find((r) => r.retryable === retryable) ?? failed[0]!;
  const code = failed.every((r) => r.gone) ? 'push_gone' : `push_${first.status ?? 'error'}`;
  return { ok: false, code, message: first.message, retryable };
}

async function sendOne(d: PushDeps, s: PushTarget, body: string): Promise<One> {
  try {
    const res = await webpush.sendNotification({ endpoint: s.endpoint, keys: { p256dh: s.p256dh, auth: s.auth } }, body, {
      vapidDetails: d.vapid,
      TTL: d.ttlS ?? PUSH_TTL_S,
      urgency: 'high',
      contentEncoding: 'aes128gcm',
      timeout: d.timeoutMs ?? 10_000,
      ...(d.agent ? { agent: d.agent } : {}),
    });
    await d.subscriptions.pushDelivered(s.endpoint, d.now());
    // RFC 8030 5: the push service names the message in Location; else the endpoint's last segment stands in.
    const loc = res.headers['location'];
    return { ok: true, id: `push:${typeof loc === 'string' && loc ? loc : s.endpoint.slice(-32)}:${d.now()}` };
  } catch (err) {
    const status = err instanceof webpush.WebPushError ? err.statusCode : null;
    if (status === 404 || status === 410) {
      await d.subscriptions.dropPushSubscription(s.endpoint);
      return { ok: false, status, gone: true, retryable: false, message: 'subscription gone' };
    }
    await d.subscriptions.pushFailed(s.endpoint);
    // 429 and 5xx (and no answer at all) may pass; any other 4xx is our request and will not.
    const retryable = status === null || status === 429 || status >= 500;
    return {
      ok: false,
      status,
      gone: false,
      retryable,
      message: status === null ? String((err as Error).message) : `push service answered ${status}`,
    };
  }
}
