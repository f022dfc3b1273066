// Test pages (issue 16.3) over real HTTP: a responder and an admin send a TEST page through every method
// (the open app over /api/live, Web Push to a local push service that decrypts it, SMS and a voice call to
// the local Twilio mock); the answer reports each method. No alert is opened and nothing escalates.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeTwilio, twilioEnv, type FakeTwilio } from './helpers/fake-twilio.js';
import { startPushService, type PushService } from './helpers/push-service.js';
import { api, liveClient, login, startTestServer, until, type TestServer } from './helpers/server.js';

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
