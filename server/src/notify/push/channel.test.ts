// The push channel against a local push service over HTTPS that checks the VAPID JWT and really
// decrypts the aes128gcm payload (test/helpers/push-service.ts), with the subscriptions in a real
// SQLite store (store/push.ts): payload, TTL and urgency, 410 deletes, 5xx retries, no subscription.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import webpush from 'web-push';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startPushService, type PushService } from '../../../../test/helpers/push-service.js';
import { openStore, type Store } from '../../store/store.js';
import { loadVapidKeys, VAPID_FILE } from './vapid.js';
import { pushChannel, PUSH_TTL_S, type VapidKeys } from './channel.js';

const facts = { alias: 'Jo', address: '12 Rose Street', accessNotes: null, reasons: ['no breathing for 30 s'] };
const vapid: VapidKeys = { ...webpush.generateVAPIDKeys(), subject: 'mailto:push@odart.invalid' };
const NOW = Date.UTC(2026, 0, 1, 12);

let svc: PushService;
let store: Store;
beforeAll(async () => {
  svc = await startPushService();
});
afterAll(async () => {
  await svc.close();
});
beforeEach(async () => {
  store = await openStore(':memory:');
  const { repos } = store;
  await repos.insertService({ id: 's1', name: 'S', emergency_number: '112', created_at: NOW });
  for (const id of ['u1', 'u2']) {
    await repos.insertUser({
      id,
      service_id: 's1',
      username: id,
      password_hash: 'x',
      role: 'responder',
      display_name: id,
      phone: null,
      on_duty: 1,
      created_at: NOW,
    });
  }
  svc.received.length = 0;
  svc.refused.length = 0;
});
afterEach(async () => {
  await store.close();
});

function channel(keys = vapid) {
  return pushChannel({ subscriptions: store.repos.push, vapid: keys, now: () => NOW, agent: svc.agent });
}
async function subscribe(userId: string, keys = vapid) {
  const s = svc.subscribe(keys.publicKey);
  await store.repos.push.savePushSubscription({ userId, endpoint: s.json.endpoint, ...s.json.keys, now: NOW });
  return s;
}
const body = (ch: ReturnType<typeof channel>) => ch.render({ alertId: 'al1', facts, replyCode: 'K7QX', link: 'https://x.example/#/p/a.b' });

describe('push channel', () => {
  it('renders the page payload: alert id, alias and the reason in plain words (no vitals, no address)', () => {
    const ch = channel();
    expect(ch).toMatchObject({ id: 'push', delivery: 'queued', address: 'user' });
    expect(JSON.parse(body(ch))).toEqual({ kind: 'page', alertId: 'al1', alias: 'Jo', reason: 'no breathing detected' });
  });

  it("sends the encrypted page to every subscription of the user, with TTL, urgency high and a VAPID JWT for the endpoint's origin", async () => {
    const a = await subscribe('u1');
    const b = await subscribe('u1');
    await subscribe('u2');
    const ch = channel();
    const res = await ch.send({ to: 'u1', body: body(ch) });
    expect(res).toMatchObject({ ok: true, status: 'accepted' });
    expect(svc.refused).toEqual([]);
    expect(svc.received.map((r) => r.subscriptionId).sort()).toEqual([a.id, b.id].sort());
    for (const r of svc.received) {
      expect(r.payload).toEqual({ kind: 'page', alertId: 'al1', alias: 'Jo', reason: 'no breathing detected' });
      expect(r).toMatchObject({ ttl: String(PUSH_TTL_S), urgency: 'high' });
      expect(r.claims).toMatchObject({ aud: svc.origin, sub: 'mailto:push@odart.invalid' });
    }
    const rows = await store.repos.push.pushSubscriptionsOf('u1');
    expect(rows.map((r) => [r.last_ok_at, r.failures])).toEqual([
      [NOW, 0],
      [NOW, 0],
    ]);
  });

  it('a push service refusing the VAPID key (not the one subscribed with) is a permanent failure', async () => {
    await subscribe('u1');
    const other = { ...webpush.generateVAPIDKeys(), subject: vapid.subject };
    const res = await channel(other).send({ to: 'u1', body: '{}' });
    expect(res).toMatchObject({ ok: false, code: 'push_403', retryable: false });
    expect(svc.refused.map((r) => r.reason)).toEqual(['k is not the application server key of the subscription']);
  });

  it('410 Gone deletes the subscription; a user left with none fails at once (no_subscription)', async () => {
    const a = await subscribe('u1');
    svc.gone(a.id);
    const ch = channel();
    expect(await ch.send({ to: 'u1', body: body(ch) })).toMatchObject({ ok: false, code: 'push_gone', retryable: false });
    expect(await store.repos.push.pushSubscriptionsOf('u1')).toEqual([]);
    expect(await ch.send({ to: 'u1', body: body(ch) })).toMatchObject({ ok: false, code: 'no_subscription', retryable: false });
  });

  it('a 503 is retryable and counted on the subscription; one working subscription is enough', async () => {
    const a = await subscribe('u1');
    svc.failNext(a.id, 503);
    const ch = channel();
    expect(await ch.send({ to: 'u1', body: body(ch) })).toMatchObject({ ok: false, code: 'push_503', retryable: true });
    expect((await store.repos.push.pushSubscriptionsOf('u1'))[0]).toMatchObject({ failures: 1 });
    const b = await subscribe('u1');
    svc.failNext(a.id, 503);
    expect(await ch.send({ to: 'u1', body: body(ch) })).toMatchObject({ ok: true });
    expect(svc.received.map((r) => r.subscriptionId)).toEqual([b.id]);
  });

  it('without VAPID keys a push page fails at once, so the chain falls back', async () => {
    expect(await pushChannel(undefined).send({ to: 'u1', body: '{}' })).toMatchObject({
      ok: false,
      code: 'push_not_configured',
      retryable: false,
    });
  });
});

describe('VAPID keys', () => {
  it('are generated on first start, kept in DATA_DIR (mode 0600) and the same on the next start; the environment wins', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'odart-vapid-'));
    try {
      const first = loadVapidKeys(dir, {}, 'mailto:a@b.c');
      expect(first.publicKey).toMatch(/^B[A-Za-z0-9_-]{86}$/);
      expect(first.privateKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(statSync(path.join(dir, VAPID_FILE)).mode & 0o777).toBe(0o600);
      expect(loadVapidKeys(dir, {}, 'mailto:a@b.c')).toEqual(first);
      const env = webpush.generateVAPIDKeys();
      expect(loadVapidKeys(dir, env, 'mailto:a@b.c')).toEqual({ ...env, subject: 'mailto:a@b.c' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
