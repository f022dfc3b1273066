// The responder's minute (server side): a page that stands on its own (full address, access, reason,
// replies, a signed no-login link per recipient), and "I can't go" by app, SMS, voice key and link, with
// the chain moving on at once when nobody in the step can go. Virtual time; real HTTP, SQLite, Twilio fake.
import { statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { smsSegments } from '../server/src/notify/index.js';
import { postWebhook, startFakeTwilio, twilioEnv, type FakeTwilio } from './helpers/fake-twilio.js';
import { CSRF, api, liveClient, login, settle, startTestServer, type TestServer } from './helpers/server.js';

const PUBLIC = 'http://127.0.0.1:3999';
const ALEX = '+447700900101';
const SAM = '+447700900102';
const EC = '+447700900199';

let fake: FakeTwilio;
let ts: TestServer | undefined;
afterEach(async () => {
  await ts?.close();
  await fake?.close();
  ts = undefined;
});

async function boot(dataDir?: string) {
  fake = await startFakeTwilio();
  ts = await startTestServer({ env: twilioEnv(fake), ...(dataDir ? { dataDir } : {}) });
  return ts;
}
async function raise(s: TestServer): Promise<string> {
  await s.server.alerts.handle([
    { kind: 'responder_alert', wearerId: 'demo-wearer', t: s.clock.now(), score: 90, reasons: ['no breathing for 30 s'], news2: null },
  ]);
  await settle(s);
  return (await s.server.repos.openAlertForWearer('demo-wearer'))!.id;
}
const advance = async (s: TestServer, ms: number, step = 1000) => {
  for (let t = 0; t < ms; t += step) {
    s.clock.advance(Math.min(step, ms - t));
    await settle(s);
  }
};
const tokenOf = (body: string) => /#\/p\/([a-z0-9_]+\.[A-Za-z0-9_-]{16})$/.exec(body)?.[1] ?? null;
/** Virtual times at which a number was texted a page (from the timeline, which records every send). */
async function pagedAt(s: TestServer, alertId: string, target: string): Promise<number[]> {
  return (await s.server.repos.timeline(alertId))
    .filter((e) => e.type === 'notified' && e.data.channel === 'sms' && e.data.target === target)
    .map((e) => e.at);
}
const page = (s: TestServer, token: string, method = 'GET', action = '', headers: Record<string, string> = CSRF) =>
  fetch(`${s.base}/api/page/${token}${action}`, { method, headers: method === 'GET' ? {} : headers }).then(async (r) => ({
    status: r.status,
    body: (await r.json()) as Record<string, unknown>,
  }));

describe('the page stands on its own', () => {
  it('the demo page SMS has the full address, how to get in, the reason, the replies and a link, in 2 GSM-7 segments', async () => {
    const s = await boot();
    await raise(s);
    const [first] = await fake.waitFor(1, (r) => r.to === ALEX);
    expect(first!.body).toContain('at Flat 2, 14 Example Street, Glasgow.');
    expect(first!.body).toContain('Get in: Key safe by the door, code from the service.');
    expect(first!.body).toContain('Why: no breathing detected.');
    expect(first!.body).toContain("Reply 1 if you are going, NO if you can't.");
    expect(tokenOf(first!.body)).not.toBeNull();
    expect(smsSegments(first!.body)).toBe(2);
  });
});

describe("I can't go", () => {
  it('a decline over HTTP at 10 s pages Sam at 10 s, not 60 s; the timeline and live clients are told', async () => {
    const s = await boot();
    const alex = await login(s.base, 'alex');
    const admin = await login(s.base, 'admin');
    const live = await liveClient(s.base, alex);
    const watch = await liveClient(s.base, admin);
    const id = await raise(s);
    const t0 = s.clock.now();
    await advance(s, 10_000);
    const pagedOnHello = async () => {
      const c = await liveClient(s.base, alex);
      const hello = c.messages.find((m) => m.type === 'hello') as { paged?: string[] } | undefined;
      c.ws.close();
      return hello?.paged ?? [];
    };
    // A reconnecting app is told to ring for the page it missed, until its user says they can't go.
    expect(await pagedOnHello()).toContain(id);
    const res = await api<{ id: string; state: string }>(s.base, alex, 'POST', `/api/alerts/${id}/decline`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, state: 'escalating' });
    await settle(s);
    expect(await pagedAt(s, id, 'responder:sam')).toEqual([t0 + 10_000]);
    const tl = (await api<{ timeline: { type: string; [k: string]: unknown }[] }>(s.base, admin, 'GET', `/api/alerts/${id}`)).body.timeline;
    expect(tl).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'declined', by: 'responder:alex', name: 'Alex', via: 'app' }),
        expect.objectContaining({ type: 'step_declined', step: 0 }),
      ]),
    );
    for (const c of [live, watch])
      expect(c.messages).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'alert', change: 'declined', by: 'alex' })]));
    expect(await pagedOnHello()).not.toContain(id);
    live.ws.close();
    watch.ws.close();
    // Alex is not paged again for this alert, and a second decline changes nothing.
    expect((await api(s.base, alex, 'POST', `/api/alerts/${id}/decline`)).status).toBe(200);
    await advance(s, 60_000, 10_000);
    expect(await pagedAt(s, id, 'responder:alex')).toEqual([t0]);
    expect(await pagedAt(s, id, 'emergency_contact')).toEqual([t0 + 70_000]);
  });

  it('a decline by one of three leaves the other two paged and the step waits as before', async () => {
    const s = await boot();
    const admin = await login(s.base, 'admin');
    const c = await api<{ id: string }>(s.base, admin, 'POST', '/api/admin/chains', {
      name: 'Three',
      definition: {
        steps: [
          {
            targets: [
              { type: 'responder', id: 'alex' },
              { type: 'responder', id: 'sam' },
              { type: 'responder', id: 'admin' },
            ],
            channels: ['app', 'sms'],
            waitS: 60,
          },
          { targets: [{ type: 'emergency_contact' }], channels: ['sms'], waitS: 0 },
        ],
      },
    });
    await api(s.base, admin, 'PUT', '/api/admin/wearers/demo-wearer/chain', { chainId: c.body.id });
    const id = await raise(s);
    const t0 = s.clock.now();
    const alex = await login(s.base, 'alex');
    await advance(s, 5_000);
    expect((await api(s.base, alex, 'POST', `/api/alerts/${id}/decline`)).status).toBe(200);
    await advance(s, 30_000, 5_000);
    expect(await pagedAt(s, id, 'emergency_contact')).toEqual([]);
    // Sam can still take it; nobody did, so the next step goes at its time.
    await advance(s, 30_000, 5_000);
    expect(await pagedAt(s, id, 'emergency_contact')).toEqual([t0 + 60_000]);
  });

  it('NO by SMS declines; the attending responder who cannot go after all starts the chain again at once', async () => {
    const s = await boot();
    const id = await raise(s);
    const t0 = s.clock.now();
    const sms = async (from: string, body: string, n: number) =>
      /<Message>(.*)<\/Message>/.exec(
        (
          await postWebhook(s.base, PUBLIC, '/webhooks/twilio/sms', {
            MessageSid: 'SM' + String(n).padStart(32, '0'),
            From: from,
            To: '+447700900000',
            Body: body,
          })
        ).text,
      )?.[1];
    await advance(s, 3_000);
    expect(await sms(ALEX, "can't go", 1)).toBe('Thanks for telling us. You are not going to Jo; the next person is being called.');
    await settle(s);
    expect(await pagedAt(s, id, 'responder:sam')).toEqual([t0 + 3_000]);
    expect(await sms(SAM, '1', 2)).toContain('you are attending Jo');
    await advance(s, 5_000);
    const sam = await login(s.base, 'sam');
    expect((await api(s.base, sam, 'POST', `/api/alerts/${id}/decline`)).status).toBe(200);
    await settle(s);
    const a = (await s.server.repos.alertById(id))!;
    expect(a).toMatchObject({ state: 'escalating', attending_responder_id: null });
    // Both responders said no: the restarted chain skips them and reaches the emergency contact now.
    expect(await pagedAt(s, id, 'emergency_contact')).toEqual([t0 + 8_000]);
    const tl = await s.server.repos.timeline(id);
    expect(tl.find((e) => e.type === 'declined' && e.data.attending === true)?.data).toMatchObject({ by: 'responder:sam', via: 'app' });
  });

  it('409 when the alert is closed', async () => {
    const s = await boot();
    const id = await raise(s);
    const admin = await login(s.base, 'admin');
    await api(s.base, admin, 'POST', `/api/alerts/${id}/resolve`, { outcome: 'wearer_ok' });
    const alex = await login(s.base, 'alex');
    const res = await api<{ error: { code: string } }>(s.base, alex, 'POST', `/api/alerts/${id}/decline`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('ODART_ERR_ALERT_CLOSED');
  });
});

describe('signed no-login page links', () => {
  it('the link shows that one alert without an account and lets its recipient go or decline; tampered or expired links are refused', async () => {
    const s = await boot();
    const id = await raise(s);
    const alexToken = tokenOf((await fake.waitFor(1, (r) => r.to === ALEX))[0]!.body)!;
    const view = await page(s, alexToken);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({
      alertId: id,
      state: 'escalating',
      alias: 'Jo',
      address: 'Flat 2, 14 Example Street, Glasgow',
      accessNotes: 'Key safe by the door, code from the service',
      reason: 'no breathing detected',
      emergencyNumber: '999',
      youAreAttending: false,
      youDeclined: false,
    });
    // Nothing beyond the alert: no vitals, no other people's numbers.
    expect(JSON.stringify(view.body)).not.toMatch(/\+44|spo2|hr"/i);
    expect((await page(s, alexToken.slice(0, -2) + (alexToken.endsWith('AA') ? 'BB' : 'AA'))).status).toBe(404);
    expect((await page(s, 'x'.repeat(12) + '.' + 'y'.repeat(16))).status).toBe(404);
    // The /api CSRF rule holds for the link's actions too.
    expect((await page(s, alexToken, 'POST', '/decline', {})).status).toBe(403);

    const declined = await page(s, alexToken, 'POST', '/decline');
    expect(declined.body).toMatchObject({ youDeclined: true, state: 'escalating' });
    await settle(s);
    const samToken = tokenOf((await fake.waitFor(1, (r) => r.to === SAM))[0]!.body)!;
    const going = await page(s, samToken, 'POST', '/ack');
    expect(going.status).toBe(200);
    expect(going.body).toMatchObject({ state: 'acknowledged', attending: 'Sam', youAreAttending: true });
    expect(await s.server.repos.timeline(id)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'declined', data: expect.objectContaining({ by: 'responder:alex', via: 'link' }) }),
        expect.objectContaining({ type: 'acknowledged', data: expect.objectContaining({ by: 'sam', via: 'link', attending: true }) }),
      ]),
    );
    // Alex's link shows who is going; it expires 30 min after the alert closes.
    expect((await page(s, alexToken)).body).toMatchObject({ attending: 'Sam', youAreAttending: false });
    const admin = await login(s.base, 'admin');
    await api(s.base, admin, 'POST', `/api/alerts/${id}/resolve`, { outcome: 'wearer_ok' });
    expect((await page(s, samToken)).body).toMatchObject({ state: 'resolved' });
    expect((await page(s, samToken, 'POST', '/ack')).status).toBe(409);
    s.clock.advance(31 * 60_000);
    expect((await page(s, samToken)).status).toBe(404);
  });

  it("the emergency contact's link works too, and a link expires after 24 h on an open alert", async () => {
    const s = await boot();
    const id = await raise(s);
    await advance(s, 120_000, 10_000);
    const ecToken = tokenOf((await fake.waitFor(1, (r) => r.to === EC))[0]!.body)!;
    const res = await page(s, ecToken, 'POST', '/ack');
    expect(res.body).toMatchObject({ state: 'acknowledged', attending: 'Emergency contact', youAreAttending: true });
    expect((await s.server.repos.alertById(id))!.attending_contact).toBe('Emergency contact');
    // A day of virtual ticks would take minutes: the page is made 24 h old instead.
    const ntf = `ntf_${ecToken.split('.')[0]}`;
    const age = (ms: number) =>
      s.server.repos.db
        .updateTable('notifications')
        .set((eb) => ({ created_at: eb('created_at', '-', ms) }))
        .where('id', '=', ntf)
        .execute();
    await age(24 * 3600_000 - 60_000);
    expect((await page(s, ecToken)).status).toBe(200);
    await age(60_000);
    expect((await page(s, ecToken)).status).toBe(404);
  });

  it('the signing secret is generated once in DATA_DIR (mode 0600), so links survive a restart', async () => {
    const s = await boot();
    await raise(s);
    const token = tokenOf((await fake.waitFor(1, (r) => r.to === ALEX))[0]!.body)!;
    const dir = s.dataDir;
    expect(statSync(path.join(dir, 'server-secret.key')).mode & 0o777).toBe(0o600);
    await s.close({ keepData: true });
    await fake.close();
    const again = await boot(dir);
    expect((await page(again, token)).status).toBe(200);
  });
});
