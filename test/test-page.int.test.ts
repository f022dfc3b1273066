// Test pages (issue 16.3) over real HTTP: a responder and an admin send a TEST page through every method
// (the open app over /api/live, Web Push to a local push service that decrypts it, SMS and a voice call to
// the local Twilio mock); the answer reports each method. No alert is opened and nothing escalates.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeTwilio, twilioEnv, type FakeTwilio } from './helpers/fake-twilio.js';
import { startPushService, type PushService } from './helpers/push-service.js';
import { api, liveClient, login, startTestServer, until, type TestServer } from './helpers/server.js';

type LiveResult = { type: string; testPageId?: string; userId?: string; result?: { channel: string; status: string; detail: string } };
const resultsIn = (messages: LiveResult[], testPageId: string) =>
  messages
    .filter((m) => m.type === 'test_page_result' && m.testPageId === testPageId)
    .map((m) => [m.result!.channel, m.result!.status, m.result!.detail]);

let svc: PushService;
let twilio: FakeTwilio;
let ts: TestServer;

beforeEach(async () => {
  svc = await startPushService();
  twilio = await startFakeTwilio();
  ts = await startTestServer({ env: twilioEnv(twilio), server: { pushAgent: svc.agent } });
});
afterEach(async () => {
  await ts.close();
  await svc.close();
  await twilio.close();
});

interface Answer {
  testPageId: string;
  userId: string;
  results: { channel: string; status: string; detail: string }[];
}

describe('test pages', () => {
  it('a responder tests every method: app, push, SMS and voice, each clearly a TEST; no alert opens', async () => {
    const alex = await login(ts.base, 'alex');
    const key = await api<{ publicKey: string }>(ts.base, alex, 'GET', '/api/push/vapid-public-key');
    const sub = svc.subscribe(key.body.publicKey);
    expect((await api(ts.base, alex, 'POST', '/api/push/subscriptions', sub.json)).status).toBe(201);
    const live = await liveClient(ts.base, alex);
    try {
      const res = await api<Answer>(ts.base, alex, 'POST', '/api/me/test-page', {});
      expect(res.status).toBe(200);
      const by = Object.fromEntries(res.body.results.map((r) => [r.channel, r]));
      // The person's own methods only: an alarm centre's hand-off channel pages an organisation, never a test of a person.
      expect(res.body.results.map((r) => r.channel).sort()).toEqual(['app', 'push', 'sms', 'voice']);
      expect(by.app).toMatchObject({ status: 'delivered', detail: 'App delivered to 1 open app' });
      expect(by.push).toMatchObject({ status: 'delivered' });
      expect(by.sms).toMatchObject({ status: 'sent' });
      expect(by.voice).toMatchObject({ status: 'sent' });
      await until(() => live.messages.some((m) => m.type === 'test_page'));
      // What each provider got is marked TEST and names no alert.
      expect(svc.received.map((r) => r.payload)).toEqual([expect.objectContaining({ kind: 'test', title: 'ODART test page' })]);
      const sms = twilio.requests.filter((r) => r.kind === 'message');
      const calls = twilio.requests.filter((r) => r.kind === 'call');
      expect(sms.map((r) => [r.to, r.body])).toEqual([['+447700900101', expect.stringMatching(/^ODART TEST PAGE: .*not an alert/)]]);
      expect(calls).toHaveLength(1);
      expect(calls[0]!.twiml).toMatch(/test page.*not an alert/);
      const admin = await login(ts.base, 'admin');
      expect((await api<unknown[]>(ts.base, admin, 'GET', '/api/alerts')).body).toEqual([]);
    } finally {
      live.ws.close();
    }
  });

  it('reports each failure: no app open, no push subscription, a number Twilio refuses', async () => {
    twilio.behave = (r) =>
      r.kind === 'call' ? { type: 'error', status: 400, code: 21217, message: 'Phone number is not a valid phone number' } : { type: 'ok' };
    const admin = await login(ts.base, 'admin');
    const res = await api<Answer>(ts.base, admin, 'POST', '/api/admin/users/sam/test-page', {});
    expect(res.status).toBe(200);
    expect(res.body.userId).toBe('sam');
    const by = Object.fromEntries(res.body.results.map((r) => [r.channel, r]));
    expect(by.app).toMatchObject({ status: 'not_set_up' });
    expect(by.push).toMatchObject({ status: 'not_set_up' });
    expect(by.sms).toMatchObject({ status: 'sent' });
    expect(by.voice).toMatchObject({ status: 'failed', detail: expect.stringMatching(/^Phone call failed: /) });
  });

  it("Twilio's later statuses move each method on through the signed status webhook, told live to the person and the admin", async () => {
    const admin = await login(ts.base, 'admin');
    const sam = await login(ts.base, 'sam');
    const adminLive = await liveClient(ts.base, admin);
    const samLive = await liveClient(ts.base, sam);
    const alexLive = await liveClient(ts.base, await login(ts.base, 'alex'));
    try {
      const res = await api<Answer>(ts.base, admin, 'POST', '/api/admin/users/sam/test-page', {});
      const by = Object.fromEntries(res.body.results.map((r) => [r.channel, r]));
      expect([by.sms!.status, by.voice!.status]).toEqual(['sent', 'sent']);
      const [sms] = twilio.requests.filter((r) => r.kind === 'message');
      const [call] = twilio.requests.filter((r) => r.kind === 'call');
      // Twilio's own order: the message is sent, then delivered; the call cannot be connected (no ErrorCode on a call's status).
      expect((await twilio.report(sms!, 'sent', { via: ts.base })).status).toBe(204);
      expect((await twilio.report(sms!, 'delivered', { via: ts.base })).status).toBe(204);
      expect((await twilio.report(call!, 'failed', { via: ts.base })).status).toBe(204);
      const expected = [
        ['sms', 'sent', 'SMS sent (sent)'],
        ['sms', 'delivered', 'SMS delivered'],
        ['voice', 'failed', 'Phone call failed: number unreachable'],
      ];
      await until(
        () =>
          resultsIn(samLive.messages, res.body.testPageId).length === 3 && resultsIn(adminLive.messages, res.body.testPageId).length === 3,
      );
      expect(resultsIn(samLive.messages, res.body.testPageId)).toEqual(expected);
      expect(resultsIn(adminLive.messages, res.body.testPageId)).toEqual(expected);
      // Someone else's test is nobody else's business.
      expect(resultsIn(alexLive.messages, res.body.testPageId)).toEqual([]);
      // A late or repeated progress word does not undo the final one; a repeated callback acts once.
      expect((await twilio.report(sms!, 'sent', { via: ts.base })).status).toBe(204);
      expect((await twilio.report(call!, 'failed', { via: ts.base })).status).toBe(204);
      const stored = await ts.server.repos.testPages.testPageResultsOf(res.body.testPageId);
      expect(Object.fromEntries(stored.map((r) => [r.channel, [r.status, r.detail]]))).toMatchObject({
        sms: ['delivered', 'SMS delivered'],
        voice: ['failed', 'Phone call failed: number unreachable'],
      });
      // An SMS Twilio could not deliver says why, in words.
      const again = await api<Answer>(ts.base, sam, 'POST', '/api/me/test-page', {});
      const sms2 = twilio.requests.filter((r) => r.kind === 'message')[1]!;
      expect((await twilio.report(sms2, 'undelivered', { errorCode: '30003', via: ts.base })).status).toBe(204);
      await until(() => resultsIn(samLive.messages, again.body.testPageId).length === 1);
      expect(resultsIn(samLive.messages, again.body.testPageId)).toEqual([['sms', 'failed', 'SMS failed: number unreachable']]);
      // A status signed over another URL is refused, and changes nothing.
      const forged = await fetch(ts.base + '/webhooks/twilio/status', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'bm90IGEgc2lnbmF0dXJl' },
        body: new URLSearchParams({ CallSid: call!.sid, CallStatus: 'completed' }).toString(),
      });
      expect(forged.status).toBe(403);
      expect(resultsIn(samLive.messages, res.body.testPageId)).toHaveLength(3);
      expect((await api<unknown[]>(ts.base, admin, 'GET', '/api/alerts')).body).toEqual([]);
    } finally {
      adminLive.ws.close();
      samLive.ws.close();
      alexLive.ws.close();
    }
  });

  it("the person confirms a test push (its notification's Acknowledge): only their own test page", async () => {
    const alex = await login(ts.base, 'alex');
    const key = await api<{ publicKey: string }>(ts.base, alex, 'GET', '/api/push/vapid-public-key');
    expect((await api(ts.base, alex, 'POST', '/api/push/subscriptions', svc.subscribe(key.body.publicKey).json)).status).toBe(201);
    const res = await api<Answer>(ts.base, alex, 'POST', '/api/me/test-page', {});
    // The push carries the test page's id, so the service worker can confirm it.
    expect(svc.received.map((r) => r.payload)).toEqual([expect.objectContaining({ kind: 'test', testPageId: res.body.testPageId })]);
    const sam = await login(ts.base, 'sam');
    expect((await api(ts.base, sam, 'POST', `/api/me/test-pages/${res.body.testPageId}/confirm`, {})).status).toBe(404);
    const live = await liveClient(ts.base, alex);
    try {
      expect((await api(ts.base, alex, 'POST', `/api/me/test-pages/${res.body.testPageId}/confirm`, {})).status).toBe(204);
      await until(() => resultsIn(live.messages, res.body.testPageId).length === 1);
      expect(resultsIn(live.messages, res.body.testPageId)).toEqual([['push', 'confirmed', 'Push notification confirmed on the phone']]);
      expect((await api(ts.base, alex, 'POST', '/api/me/test-pages/tp_nosuchpage/confirm', {})).status).toBe(404);
    } finally {
      live.ws.close();
    }
  });

  it('only an admin tests someone else, and only an existing user', async () => {
    const alex = await login(ts.base, 'alex');
    // the admin routes answer a responder 404, as everywhere (they do not reveal that they exist)
    expect((await api(ts.base, alex, 'POST', '/api/admin/users/sam/test-page', {})).status).toBe(404);
    expect(twilio.requests).toEqual([]);
    const admin = await login(ts.base, 'admin');
    expect((await api(ts.base, admin, 'POST', '/api/admin/users/sam/test-page', {})).status).toBe(200);
    expect((await api(ts.base, admin, 'POST', '/api/admin/users/nobody/test-page', {})).status).toBe(404);
  });
});
