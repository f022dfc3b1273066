// Escalation through the Twilio adapter against a local server speaking Twilio's REST API, and the
// Twilio webhooks: signature checks (403), SMS reply acknowledge / arrived / done / outcome digits,
// idempotency per MessageSid, delivery status callbacks, the voice keypress, and provider faults
// (5xx, timeouts, connection resets, permanent errors) falling back to the next channel or step.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postWebhook, startFakeTwilio, twilioEnv, type FakeTwilio } from './helpers/fake-twilio.js';
import { api, login, settle, startTestServer, type TestServer } from './helpers/server.js';

const PUBLIC = 'http://127.0.0.1:3999';
const ALEX = '+447700900101';
const SAM = '+447700900102';
const EC = '+447700900199';

let fake: FakeTwilio;
let ts: TestServer;
let admin: string;

async function boot(env: Record<string, string> = {}) {
  // PAGE_REMINDER_S=0: these tests count provider requests; reminders have their own tests (responder-minute).
  ts = await startTestServer({
    env: { ...twilioEnv(fake), NOTIFY_RETRY_BASE_MS: '1000', NOTIFY_TIMEOUT_MS: '3000', PAGE_REMINDER_S: '0', ...env },
  });
  admin = await login(ts.base, 'admin');
}
beforeEach(async () => {
  fake = await startFakeTwilio();
});
afterEach(async () => {
  await ts?.close();
  await fake.close();
});

interface TimelineJson {
  type: string;
  [k: string]: unknown;
}
interface AlertJson {
  id: string;
  state: string;
  attendingResponderId: string | null;
  outcome: string | null;
  arrivedAt: string | null;
  timeline: TimelineJson[];
}

async function raise(): Promise<string> {
  await ts.server.alerts.handle([
    { kind: 'responder_alert', wearerId: 'demo-wearer', t: ts.clock.now(), score: 90, reasons: ['no breathing 30 s'], news2: null },
  ]);
  await settle(ts);
  return (await ts.server.repos.openAlertForWearer('demo-wearer'))!.id;
}
const detail = async (id: string) => (await api<AlertJson>(ts.base, admin, 'GET', `/api/alerts/${id}`)).body;
const advance = async (ms: number, step = 1000) => {
  for (let t = 0; t < ms; t += step) {
    ts.clock.advance(Math.min(step, ms - t));
    await settle(ts);
  }
};
const sms = (from: string, body: string, sid: string) =>
  postWebhook(ts.base, PUBLIC, '/webhooks/twilio/sms', { MessageSid: sid, From: from, To: '+447700900000', Body: body });
const message = (twiml: string) => /<Message>(.*)<\/Message>/.exec(twiml)?.[1] ?? null;

describe('Twilio webhooks: X-Twilio-Signature', () => {
  beforeEach(() => boot());

  it('rejects missing, wrong and tampered signatures with 403 on every webhook', async () => {
    const params = { MessageSid: 'SM' + '1'.repeat(32), From: ALEX, Body: '1' };
    for (const p of ['/webhooks/twilio/sms', '/webhooks/twilio/status', '/webhooks/twilio/voice']) {
      const missing = await postWebhook(ts.base, PUBLIC, p, params, null);
      expect(missing.status).toBe(403);
      expect(JSON.parse(missing.text)).toEqual({
        error: { code: 'ODART_ERR_BAD_SIGNATURE', message: 'Missing or invalid X-Twilio-Signature' },
      });
      expect((await postWebhook(ts.base, PUBLIC, p, params, 'bm90IGEgc2lnbmF0dXJl')).status).toBe(403);
    }
    // Signed for other parameters (a tampered body): refused.
    const twilio = (await import('twilio')).default;
    const sig = twilio.getExpectedTwilioSignature('test-auth-token-not-secret', PUBLIC + '/webhooks/twilio/sms', {
      ...params,
      Body: 'hello',
    });
    expect((await postWebhook(ts.base, PUBLIC, '/webhooks/twilio/sms', params, sig)).status).toBe(403);
    // Signed for another URL: refused.
    const other = twilio.getExpectedTwilioSignature('test-auth-token-not-secret', PUBLIC + '/webhooks/twilio/status', params);
    expect((await postWebhook(ts.base, PUBLIC, '/webhooks/twilio/sms', params, other)).status).toBe(403);
    expect((await postWebhook(ts.base, PUBLIC, '/webhooks/twilio/sms', params)).status).toBe(200);
  });
});

describe('escalation by SMS through the Twilio API', () => {
  beforeEach(() => boot());

  it('pages by SMS with a status callback; a reply acknowledges once per MessageSid; the others are told', async () => {
    const id = await raise();
    const [first] = await fake.waitFor(1);
    expect(first).toMatchObject({
      kind: 'message',
      to: ALEX,
      from: '+447700900000',
      authorized: true,
      statusCallback: `${PUBLIC}/webhooks/twilio/status`,
    });
    const code = ts.server.escalator.links.replyCode(id);
    expect(first!.body).toMatch(
      new RegExp(
        `^ODART: Jo may need help now at Flat 2, 14 Example Street, Glasgow\\. .* Alert code ${code} ${PUBLIC}/#/p/[a-z0-9]+\\.[A-Za-z0-9_-]{16}$`,
      ),
    );
    await advance(60_000, 10_000);
    await fake.waitFor(2);
    expect(fake.requests.map((r) => r.to)).toEqual([ALEX, SAM]);

    // Delivery status is recorded once per (sid, status).
    for (let i = 0; i < 2; i++) {
      const st = await postWebhook(ts.base, PUBLIC, '/webhooks/twilio/status', {
        MessageSid: first!.sid,
        MessageStatus: 'delivered',
        AccountSid: 'AC' + 'a'.repeat(32),
      });
      expect(st.status).toBe(204);
    }
    expect((await detail(id)).timeline.filter((e) => e.type === 'delivery_status')).toEqual([
      expect.objectContaining({ providerId: first!.sid, result: 'delivered', target: 'responder:alex', channel: 'sms' }),
    ]);

    const reply = await sms(SAM, ' yes ', 'SM' + 'b'.repeat(32));
    expect(reply.status).toBe(200);
    expect(message(reply.text)).toBe(
      `Thanks, you are attending Jo. Call 999 if they are not breathing. Reply ARRIVED ${code} when there, DONE ${code} when finished.`,
    );
    // Twilio retries the same webhook: nothing happens twice, no second reply.
    const again = await sms(SAM, ' yes ', 'SM' + 'b'.repeat(32));
    expect(message(again.text)).toBeNull();
    await settle(ts);
    const d = await detail(id);
    expect(d).toMatchObject({ state: 'acknowledged', attendingResponderId: 'sam' });
    expect(d.timeline.filter((e) => e.type === 'acknowledged')).toHaveLength(1);
    // Alex (texted) is told by SMS (a routine text: it waits for a full rate bucket); nobody else is paged afterwards.
    await advance(2_000, 1_000);
    const told = await fake.waitFor(1, (r) => r.to === ALEX && r.body.startsWith('Update:'));
    expect(told[0]!.body).toBe('Update: Sam is going to Jo. No action needed.');
    const late = await sms(ALEX, '1', 'SM' + 'c'.repeat(32));
    expect(message(late.text)).toBe('Sam is already going to Jo. Thank you.');
    await advance(120_000, 20_000);
    expect(fake.requests.filter((r) => r.to === EC)).toHaveLength(0);

    // Arrived, done, then the outcome digit, each with the alert code; anything else gets the help text.
    expect(message((await sms(SAM, `arrived ${code}`, 'SM' + 'd'.repeat(32))).text)).toBe(
      `Thanks. Call 999 if they are not breathing. Reply DONE ${code} when it is over.`,
    );
    expect(message((await sms(SAM, 'what?', 'SM' + 'e'.repeat(32))).text)).toContain('reply 1 if you are going');
    expect(message((await sms(SAM, `DONE ${code}`, 'SM' + 'f'.repeat(32))).text)).toContain(
      'What happened? Reply 1 naloxone given, 2 ambulance',
    );
    expect(await detail(id)).toMatchObject({ state: 'resolved', outcome: null });
    expect(message((await sms(SAM, `2 ${code}`, 'SM' + '9'.repeat(32))).text)).toBe('Thank you. The outcome is recorded.');
    const end = await detail(id);
    expect(end.outcome).toBe('overdose_ambulance');
    expect(end.timeline.map((e) => e.type)).toEqual(expect.arrayContaining(['arrived', 'resolved', 'outcome', 'others_told']));
    // An unknown number gets no reply at all.
    expect(message((await sms('+447700900888', '1', 'SM' + '8'.repeat(32))).text)).toBeNull();
  });

  it('an async delivery failure (status callback 30005) is recorded and moves the chain on at once', async () => {
    const id = await raise();
    const [first] = await fake.waitFor(1);
    await postWebhook(ts.base, PUBLIC, '/webhooks/twilio/status', {
      MessageSid: first!.sid,
      MessageStatus: 'undelivered',
      ErrorCode: '30005',
    });
    await settle(ts);
    // alex's app page found no live connection and the SMS failed: step 1 (sam) goes now, not in 60 s.
    await fake.waitFor(2);
    expect(fake.requests.map((r) => r.to)).toEqual([ALEX, SAM]);
    const tl = (await detail(id)).timeline;
    expect(tl).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'delivery_status', errorCode: '30005', result: 'undelivered' }),
        expect.objectContaining({ type: 'step_failed', step: 0 }),
      ]),
    );
  });
});

describe('external phone contacts', () => {
  beforeEach(() => boot());

  it('a contact of the chain acknowledges by SMS: attending by label, the responders are told, the number is masked', async () => {
    const c = await api<{ id: string }>(ts.base, admin, 'POST', '/api/admin/chains', {
      name: 'Desk first',
      definition: {
        steps: [
          {
            targets: [
              { type: 'phone', phone: '+447700900555', label: 'Hostel desk' },
              { type: 'responder', id: 'alex' },
            ],
            channels: ['sms'],
            waitS: 60,
          },
        ],
      },
    });
    await api(ts.base, admin, 'PUT', '/api/admin/wearers/demo-wearer/chain', { chainId: c.body.id });
    // The desk confirms its number first (it is asked once, by SMS, when the chain is saved).
    const [ask] = await fake.waitFor(1, (r) => r.to === '+447700900555');
    expect(message((await sms('+447700900555', `YES ${/YES (\d{6})/.exec(ask!.body)![1]}`, 'SM' + '4'.repeat(32))).text)).toContain(
      'this phone is confirmed',
    );
    const id = await raise();
    await fake.waitFor(3);
    const reply = await sms('+447700900555', '1', 'SM' + '7'.repeat(32));
    expect(message(reply.text)).toBe('Thanks, the service knows you are going to Jo. Call 999 if they are not breathing.');
    await advance(3_000, 1_000);
    const told = await fake.waitFor(1, (r) => r.to === ALEX && r.body.startsWith('Update:'));
    expect(told[0]!.body).toBe('Update: Hostel desk is going to Jo. No action needed.');
    const d = await api<AlertJson & { attendingContact: string | null }>(ts.base, admin, 'GET', `/api/alerts/${id}`);
    expect(d.body).toMatchObject({ state: 'acknowledged', attendingResponderId: null, attendingContact: 'Hostel desk' });
    const targets = d.body.timeline.filter((e) => e.type === 'notified').map((e) => e.target);
    expect(targets).toContain('phone:…555');
    expect(JSON.stringify(d.body.timeline)).not.toContain('+447700900555');
  });

  it('ARRIVED by SMS while still escalating acknowledges first; the arrival is recorded with the alert code', async () => {
    const id = await raise();
    await fake.waitFor(1);
    const code = ts.server.escalator.links.replyCode(id);
    expect(message((await sms(ALEX, 'Arrived', 'SM' + '6'.repeat(32))).text)).toBe(`ODART: to confirm, reply ARRIVED ${code}.`);
    expect(await detail(id)).toMatchObject({ state: 'acknowledged', attendingResponderId: 'alex', arrivedAt: null });
    expect(message((await sms(ALEX, `Arrived ${code}`, 'SM' + '5'.repeat(32))).text)).toBe(
      `Thanks. Call 999 if they are not breathing. Reply DONE ${code} when it is over.`,
    );
    const d = await detail(id);
    expect(d).toMatchObject({ state: 'acknowledged', attendingResponderId: 'alex' });
    expect(d.arrivedAt).not.toBeNull();
  });
});

describe('voice step', () => {
  beforeEach(() => boot());

  it('places a call whose TwiML says the alert and takes a keypress; 1 acknowledges', async () => {
    const c = await api<{ id: string }>(ts.base, admin, 'POST', '/api/admin/chains', {
      name: 'Voice',
      definition: { steps: [{ targets: [{ type: 'responder', id: 'alex' }], channels: ['voice'], waitS: 60 }] },
    });
    await api(ts.base, admin, 'PUT', '/api/admin/wearers/demo-wearer/chain', { chainId: c.body.id });
    const id = await raise();
    const [call] = await fake.waitFor(1);
    expect(call).toMatchObject({ kind: 'call', to: ALEX, statusCallback: `${PUBLIC}/webhooks/twilio/status` });
    expect(call!.twiml).toContain(
      `<Gather input="dtmf" numDigits="1" timeout="10" action="${PUBLIC}/webhooks/twilio/voice" method="POST">`,
    );
    expect(call!.twiml).toContain(
      '<Say>This is O DART. Jo may need help now at Flat 2, 14 Example Street, Glasgow. To get in: Key safe by the door, code from the service.',
    );
    expect(call!.twiml).toContain('Press 1 if you are going. Press 2 if you cannot go.');
    const res = await postWebhook(ts.base, PUBLIC, '/webhooks/twilio/voice', {
      CallSid: call!.sid,
      Digits: '1',
      From: '+447700900000',
      To: ALEX,
    });
    expect(res.status).toBe(200);
    expect(res.text).toContain('<Say>Thank you. You are attending Jo.');
    expect(await detail(id)).toMatchObject({ state: 'acknowledged', attendingResponderId: 'alex' });
    expect((await detail(id)).timeline).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'acknowledged', via: 'voice', by: 'alex' })]),
    );
    // Call status callbacks are recorded too.
    expect((await postWebhook(ts.base, PUBLIC, '/webhooks/twilio/status', { CallSid: call!.sid, CallStatus: 'completed' })).status).toBe(
      204,
    );
    expect((await detail(id)).timeline.some((e) => e.type === 'delivery_status' && e.result === 'completed')).toBe(true);
  });
});

describe('provider faults: retry where it can succeed, otherwise fall back at once', () => {
  const fallbackChain = {
    steps: [
      { targets: [{ type: 'responder', id: 'alex' }], channels: ['sms'], fallbackChannels: ['voice'], waitS: 120 },
      { targets: [{ type: 'responder', id: 'sam' }], channels: ['sms'], waitS: 120 },
    ],
  };
  const useChain = async () => {
    const c = await api<{ id: string }>(ts.base, admin, 'POST', '/api/admin/chains', { name: 'Fallback', definition: fallbackChain });
    await api(ts.base, admin, 'PUT', '/api/admin/wearers/demo-wearer/chain', { chainId: c.body.id });
  };

  it('HTTP 500s are retried with backoff, then the call fallback goes out', async () => {
    await boot();
    fake.behave = (r) =>
      r.kind === 'message' ? { type: 'error', status: 500, code: 20500, message: 'Internal Server Error' } : { type: 'ok' };
    await useChain();
    const id = await raise();
    await fake.waitFor(1);
    await advance(1_000, 500);
    await fake.waitFor(2);
    await advance(2_000, 500);
    const calls = await fake.waitFor(1, (r) => r.kind === 'call');
    expect(fake.requests.filter((r) => r.kind === 'message').map((r) => r.to)).toEqual([ALEX, ALEX, ALEX]);
    expect(calls[0]!.to).toBe(ALEX);
    const failed = (await detail(id)).timeline.filter((e) => e.type === 'notify_failed');
    // After the quick retries the fallback goes at once, and the SMS is still retried slowly (once a
    // minute) while the alert escalates, so a provider outage of minutes never loses the page.
    expect(failed.map((e) => [e.errorCode, e.retryable, e.attempt, e.slowRetry ?? false])).toEqual([
      ['20500', true, 1, false],
      ['20500', true, 2, false],
      ['20500', true, 3, true],
    ]);
  });

  it('a provider that never answers times out (virtual clock) and is retried; a reset connection too', async () => {
    // The SDK's own (real-time) backstop is 60 s: only the virtual-clock timeout can end the hung call here.
    await boot({ NOTIFY_TIMEOUT_MS: '55000' });
    fake.behave = (_r, n) => (n === 1 ? { type: 'hang' } : n === 2 ? { type: 'reset' } : { type: 'ok' });
    await useChain();
    // Waiting for the hung request itself would wait for ever: let the server work, but not on the provider.
    const quiet = async () => {
      await ts.server.alerts.idle();
      await ts.server.escalator.runDue();
      await ts.server.escalator.idle(200);
    };
    await ts.server.alerts.handle([
      { kind: 'responder_alert', wearerId: 'demo-wearer', t: ts.clock.now(), score: 90, reasons: ['x'], news2: null },
    ]);
    await quiet();
    const id = (await ts.server.repos.openAlertForWearer('demo-wearer'))!.id;
    await fake.waitFor(1);
    for (let i = 0; i < 56; i++) {
      ts.clock.advance(1_000); // past NOTIFY_TIMEOUT_MS, then the first backoff (1 s)
      await quiet();
    }
    await fake.waitFor(2);
    await settle(ts);
    await advance(2_000, 500);
    await fake.waitFor(3);
    await settle(ts);
    const tl = (await detail(id)).timeline;
    expect(tl.filter((e) => e.type === 'notify_failed').map((e) => e.errorCode)).toEqual(['timeout', 'network']);
    expect(tl.filter((e) => e.type === 'notified' && e.channel === 'sms')).toEqual([
      expect.objectContaining({ attempt: 3, target: 'responder:alex' }),
    ]);
    expect(fake.requests.filter((r) => r.kind === 'call')).toHaveLength(0);
  });

  it('a permanent error (21211, 21610, 21614) is not retried: the fallback, then the next step, go at once', async () => {
    for (const code of [21211, 21610, 21614]) {
      await fake.close();
      fake = await startFakeTwilio();
      await boot();
      fake.behave = () => ({ type: 'error', status: 400, code, message: 'permanent' });
      await useChain();
      const id = await raise();
      await fake.waitFor(3);
      await settle(ts);
      expect(fake.requests.map((r) => [r.kind, r.to])).toEqual([
        ['message', ALEX],
        ['call', ALEX],
        ['message', SAM],
      ]);
      expect((await detail(id)).timeline.filter((e) => e.type === 'notify_failed').every((e) => e.retryable === false)).toBe(true);
      await ts.close();
      ts = undefined as unknown as TestServer;
    }
  });
});
