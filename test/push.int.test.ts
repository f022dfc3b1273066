// Web Push end to end (issue 16 part 2): a responder's browser subscribes through the API with the
// server's VAPID key; vitals over MQTT raise an alert whose chain pages by push; a local push
// service over HTTPS checks the VAPID JWT and decrypts the aes128gcm page (test/helpers/push-service.ts).
// A subscription the push service calls gone (410) is deleted and the chain's SMS fallback goes out.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startPushService, type PushService } from './helpers/push-service.js';
import {
  api,
  connectDemoDevices,
  disconnectAll,
  driveDemoOverdose,
  login,
  settle,
  startTestServer,
  until,
  type TestServer,
} from './helpers/server.js';
import type { VirtualDevice } from '../simulator/src/devices.js';

let svc: PushService;
let ts: TestServer;
let admin: string;
let alex: string;
let devices: Map<string, VirtualDevice> | undefined;

beforeEach(async () => {
  svc = await startPushService();
  ts = await startTestServer({ env: { PAGE_REMINDER_S: '0' }, server: { pushAgent: svc.agent } });
  admin = await login(ts.base, 'admin');
  alex = await login(ts.base, 'alex');
});
afterEach(async () => {
  if (devices) await disconnectAll(devices);
  devices = undefined;
  await ts.close();
  await svc.close();
});

/** What the app does: fetch the VAPID key, subscribe (here: the local push service), post the subscription JSON. */
async function subscribeAlex() {
  const key = await api<{ publicKey: string }>(ts.base, alex, 'GET', '/api/push/vapid-public-key');
  expect(key.status).toBe(200);
  const sub = svc.subscribe(key.body.publicKey);
  expect((await api(ts.base, alex, 'POST', '/api/push/subscriptions', sub.json)).status).toBe(201);
  return sub;
}
async function pushChain() {
  const c = await api<{ id: string }>(ts.base, admin, 'POST', '/api/admin/chains', {
    name: 'Push first',
    definition: { steps: [{ targets: [{ type: 'responder', id: 'alex' }], channels: ['push'], fallbackChannels: ['sms'], waitS: 120 }] },
  });
  expect(c.status).toBe(201);
  expect((await api(ts.base, admin, 'PUT', '/api/admin/wearers/demo-wearer/chain', { chainId: c.body.id })).status).toBe(200);
}
const outboxTo = async () => (await api<{ to: string; body: string }[]>(ts.base, admin, 'GET', '/api/outbox')).body;

describe('Web Push channel', () => {
  it('vitals over MQTT raise the alert and the push service receives the encrypted page, which it decrypts', async () => {
    const sub = await subscribeAlex();
    await pushChain();
    devices = await connectDemoDevices(ts);
    const id = await driveDemoOverdose(ts, devices, admin, 7);
    await settle(ts);
    await until(() => svc.received.length > 0);
    expect(svc.refused).toEqual([]);
    expect(svc.received).toHaveLength(1);
    const [got] = svc.received;
    expect(got!.subscriptionId).toBe(sub.id);
    expect(got!.payload).toMatchObject({ kind: 'page', alertId: id, alias: 'Jo' });
    expect(typeof (got!.payload as { reason: unknown }).reason).toBe('string');
    expect(got!).toMatchObject({ urgency: 'high', ttl: '600' });
    const alert = (
      await api<{ timeline: { type: string; channel?: string; result?: string }[] }>(ts.base, admin, 'GET', `/api/alerts/${id}`)
    ).body;
    expect(alert.timeline).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'notified', channel: 'push', result: 'accepted' })]),
    );
    // Delivered: no SMS fallback.
    expect((await outboxTo()).filter((m) => m.body.includes('Jo'))).toEqual([]);
  });

  it('410 Gone deletes the subscription and the SMS fallback goes out', async () => {
    const sub = await subscribeAlex();
    svc.gone(sub.id);
    await pushChain();
    devices = await connectDemoDevices(ts);
    await driveDemoOverdose(ts, devices, admin, 7);
    await settle(ts);
    await until(async () => (await outboxTo()).length > 0);
    expect(svc.refused.map((r) => r.status)).toEqual([410]);
    expect(await ts.server.repos.push.pushSubscriptionsOf('alex')).toEqual([]);
    const alexPhone = (await ts.server.repos.userById('alex'))!.phone;
    expect((await outboxTo()).map((m) => m.to)).toContain(alexPhone);
  });
});

describe('push subscription routes', () => {
  it('signed-in users only; an https endpoint and both keys; DELETE removes only your own', async () => {
    const sub = svc.subscribe('B' + 'A'.repeat(86));
    expect((await api(ts.base, '', 'POST', '/api/push/subscriptions', sub.json)).status).toBe(401);
    expect((await api(ts.base, '', 'GET', '/api/push/vapid-public-key')).status).toBe(401);
    const bad = [
      { ...sub.json, endpoint: sub.json.endpoint.replace('https:', 'http:') },
      { ...sub.json, keys: { p256dh: sub.json.keys.p256dh } },
      { ...sub.json, keys: { ...sub.json.keys, auth: 'not base64url!' } },
      { endpoint: 'not a url', keys: sub.json.keys },
    ];
    for (const b of bad) expect((await api(ts.base, alex, 'POST', '/api/push/subscriptions', b)).status).toBe(400);
    expect(await ts.server.repos.push.pushSubscriptionsOf('alex')).toEqual([]);

    expect((await api(ts.base, alex, 'POST', '/api/push/subscriptions', sub.json)).status).toBe(201);
    expect((await ts.server.repos.push.pushSubscriptionsOf('alex')).map((r) => [r.endpoint, r.p256dh, r.auth])).toEqual([
      [sub.json.endpoint, sub.json.keys.p256dh, sub.json.keys.auth],
    ]);
    // Someone else cannot remove it.
    expect((await api(ts.base, admin, 'DELETE', '/api/push/subscriptions', { endpoint: sub.json.endpoint })).body).toEqual({
      removed: false,
    });
    expect(await ts.server.repos.push.pushSubscriptionsOf('alex')).toHaveLength(1);
    expect((await api(ts.base, alex, 'DELETE', '/api/push/subscriptions', { endpoint: sub.json.endpoint })).body).toEqual({
      removed: true,
    });
    expect(await ts.server.repos.push.pushSubscriptionsOf('alex')).toEqual([]);
  });
});
