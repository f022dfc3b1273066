// SMS security with two services on one server (the outside review, findings 3 and 4 and the lows):
// replies act only on the alerts the sender's number was paged for, as the user that page was for;
// an ambiguous reply gets numbered choices; DONE / ARRIVED / outcomes need the alert's reply code;
// the fake outbox is scoped by service; deleting a wearer erases their outbox and fake-call rows.
import { afterEach, describe, expect, it } from 'vitest';
import { hashSecret } from '../server/src/auth/secrets.js';
import { postWebhook, startFakeTwilio, twilioEnv, type FakeTwilio } from './helpers/fake-twilio.js';
import { api, liveClient, login, loginOtherServiceAdmin, settle, startTestServer, type TestServer } from './helpers/server.js';

const PUBLIC = 'http://127.0.0.1:3999';
const ALEX = '+447700900101';

let fake: FakeTwilio | undefined;
let ts: TestServer | undefined;
afterEach(async () => {
  await ts?.close();
  await fake?.close();
  ts = undefined;
  fake = undefined;
});

/** Service `other` with a responder who shares Alex's phone number, a wearer Kai and a chain paging that responder by SMS. */
async function otherServiceSharingAlexsNumber(s: TestServer): Promise<string> {
  const cookie = await loginOtherServiceAdmin(s);
  const r = s.server.repos;
  const now = s.clock.now();
  await r.insertUser({
    id: 'o-resp',
    service_id: 'other',
    username: 'oresp',
    password_hash: await hashSecret('other-password-1'),
    role: 'responder',
    display_name: 'Olu',
    phone: ALEX,
    on_duty: 1,
    created_at: now,
  });
  await r.insertChain({
    id: 'o-chain',
    service_id: 'other',
    name: 'Other',
    created_at: now,
    updated_at: now,
    definition: JSON.stringify({ steps: [{ targets: [{ type: 'responder', id: 'o-resp' }], channels: ['sms'], waitS: 60 }] }),
  });
  await r.insertWearer({
    id: 'w-kai',
    service_id: 'other',
    alias: 'Kai',
    address: '9 Far Road, Leith',
    access_notes: null,
    phone: null,
    emergency_contact_phone: null,
    chain_id: 'o-chain',
    consent: 'active',
    thresholds: null,
    created_at: now,
  });
  await r.assignResponder('w-kai', 'o-resp');
  return cookie;
}

async function raise(s: TestServer, wearerId: string): Promise<string> {
  await s.server.alerts.handle([
    { kind: 'responder_alert', wearerId, t: s.clock.now(), score: 90, reasons: ['no breathing for 30 s'], news2: null },
  ]);
  await settle(s);
  return (await s.server.repos.openAlertForWearer(wearerId))!.id;
}
const message = (twiml: string) => /<Message>(.*)<\/Message>/s.exec(twiml)?.[1] ?? null;
let sidN = 0;
const sms = async (from: string, body: string) => {
  const res = await postWebhook(ts!.base, PUBLIC, '/webhooks/twilio/sms', {
    MessageSid: 'SM' + String(++sidN).padStart(32, '0'),
    From: from,
    To: '+447700900000',
    Body: body,
  });
  expect(res.status).toBe(200);
  await settle(ts!);
  return message(res.text);
};
const stateOf = async (id: string) => (await ts!.server.repos.alertById(id))!;

describe('SMS replies stay within the pages of the sender (finding 3)', () => {
  it('a number paged by two services for two alerts gets numbered choices, and each choice acts as the user that page was for', async () => {
    fake = await startFakeTwilio();
    ts = await startTestServer({ env: twilioEnv(fake) });
    await otherServiceSharingAlexsNumber(ts);
    const jo = await raise(ts, 'demo-wearer');
    const kai = await raise(ts, 'w-kai');
    await fake.waitFor(2, (r) => r.to === ALEX);

    const ask = await sms(ALEX, '1');
    expect(ask).not.toContain('no open alert');
    expect(ask).toMatch(/Reply 1 for (Jo|Kai)/);
    expect(ask).toMatch(/2 for (Jo|Kai)/);
    // Nothing was guessed: both alerts still escalate.
    expect((await stateOf(jo)).state).toBe('escalating');
    expect((await stateOf(kai)).state).toBe('escalating');

    const kaiChoice = /Reply 1 for Kai/.test(ask!) ? '1' : '2';
    const done = await sms(ALEX, kaiChoice);
    expect(done).toContain('you are attending Kai');
    expect(await stateOf(kai)).toMatchObject({ state: 'acknowledged', attending_responder_id: 'o-resp' });
    expect((await stateOf(jo)).state).toBe('escalating');
  });

  it('a number paged for one open alert: a bare 1 acknowledges it; a user never paged is told there is nothing open', async () => {
    fake = await startFakeTwilio();
    ts = await startTestServer({ env: twilioEnv(fake) });
    await otherServiceSharingAlexsNumber(ts);
    const kai = await raise(ts, 'w-kai');
    await fake.waitFor(1, (r) => r.to === ALEX);
    // Sam (demo) was never paged for Kai: nothing to act on, and a plain answer.
    expect(await sms('+447700900102', '1')).toBe('ODART: there is no open alert for you right now.');
    expect(await sms(ALEX, '1')).toContain('you are attending Kai');
    expect(await stateOf(kai)).toMatchObject({ state: 'acknowledged', attending_responder_id: 'o-resp' });
  });
});

describe('fake outbox (finding 4)', () => {
  it("GET /api/outbox shows an admin only their own service's messages, consent links included", async () => {
    ts = await startTestServer();
    const otherAdmin = await otherServiceSharingAlexsNumber(ts);
    const admin = await login(ts.base, 'admin');
    await api(ts.base, admin, 'PATCH', '/api/admin/wearers/demo-wearer', { phone: '+447700900150' });
    expect((await api(ts.base, admin, 'POST', '/api/admin/wearers/demo-wearer/consent-link', { send: true })).status).toBe(200);
    await raise(ts, 'demo-wearer');
    await raise(ts, 'w-kai');
    const mine = (await api<{ to: string; body: string }[]>(ts.base, admin, 'GET', '/api/outbox')).body;
    expect(mine.some((m) => m.body.includes('#/consent/'))).toBe(true);
    expect(mine.some((m) => m.body.includes('Jo'))).toBe(true);
    expect(mine.some((m) => m.body.includes('Kai'))).toBe(false);
    const theirs = (await api<{ to: string; body: string }[]>(ts.base, otherAdmin, 'GET', '/api/outbox')).body;
    expect(theirs.length).toBeGreaterThan(0);
    expect(theirs.every((m) => m.body.includes('Kai'))).toBe(true);
    expect(JSON.stringify(theirs)).not.toContain('#/consent/');
  });

  it('is not there at all when Twilio is configured', async () => {
    fake = await startFakeTwilio();
    ts = await startTestServer({ env: twilioEnv(fake) });
    const admin = await login(ts.base, 'admin');
    expect((await api(ts.base, admin, 'GET', '/api/outbox')).status).toBe(404);
  });

  it('deleting a wearer erases their rows in the fake outbox and the fake calls', async () => {
    ts = await startTestServer();
    const admin = await login(ts.base, 'admin');
    const c = await api<{ id: string }>(ts.base, admin, 'POST', '/api/admin/chains', {
      name: 'Voice too',
      definition: { steps: [{ targets: [{ type: 'responder', id: 'alex' }], channels: ['sms', 'voice'], waitS: 60 }] },
    });
    await api(ts.base, admin, 'PUT', '/api/admin/wearers/demo-wearer/chain', { chainId: c.body.id });
    await raise(ts, 'demo-wearer');
    const db = ts.server.repos.db;
    const count = async (table: 'fake_outbox' | 'fake_calls') =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await count('fake_outbox')).toBeGreaterThan(0);
    expect(await count('fake_calls')).toBeGreaterThan(0);
    expect((await api(ts.base, admin, 'DELETE', '/api/admin/wearers/demo-wearer')).status).toBe(204);
    expect(await count('fake_outbox')).toBe(0);
    expect(await count('fake_calls')).toBe(0);
  });
});

describe('the alert code closes a spoofed DONE (low finding)', () => {
  it('DONE, ARRIVED and an outcome need the alert code; without it the real phone is asked to confirm with it', async () => {
    fake = await startFakeTwilio();
    ts = await startTestServer({ env: twilioEnv(fake) });
    const id = await raise(ts, 'demo-wearer');
    const [page] = await fake.waitFor(1, (r) => r.to === ALEX);
    const code = /Alert code ([A-Z0-9]{4}) /.exec(page!.body)![1]!;
    expect(await sms(ALEX, '1')).toBe(
      `Thanks, you are attending Jo. Call 999 if they are not breathing. Reply ARRIVED ${code} when there, DONE ${code} when finished.`,
    );
    // Someone who only knows Alex's number sends DONE: nothing closes, and the answer (to Alex's phone) holds the code.
    expect(await sms(ALEX, 'DONE')).toBe(`ODART: to confirm, reply DONE ${code}.`);
    expect((await stateOf(id)).state).toBe('acknowledged');
    expect(await sms(ALEX, `DONE ${code === 'XXXX' ? 'YYYY' : 'XXXX'}`)).toBe(
      'ODART: that alert code is not one of the alerts sent to this phone. Check the alert text.',
    );
    expect((await stateOf(id)).state).toBe('acknowledged');
    expect(await sms(ALEX, 'arrived')).toBe(`ODART: to confirm, reply ARRIVED ${code}.`);
    expect((await stateOf(id)).arrived_at).toBeNull();
    expect(await sms(ALEX, `arrived ${code.toLowerCase()}`)).toBe(
      `Thanks. Call 999 if they are not breathing. Reply DONE ${code} when it is over.`,
    );
    expect(await sms(ALEX, `DONE ${code}`)).toContain(`What happened? Reply 1 naloxone given`);
    expect(await stateOf(id)).toMatchObject({ state: 'resolved', outcome: null });
    expect(await sms(ALEX, '2')).toBe(`ODART: to confirm, reply 2 ${code}.`);
    expect((await stateOf(id)).outcome).toBeNull();
    expect(await sms(ALEX, `2 ${code}`)).toBe('Thank you. The outcome is recorded.');
    expect((await stateOf(id)).outcome).toBe('overdose_ambulance');
  });

  it('with the code, a reply picks its alert among several without a question', async () => {
    fake = await startFakeTwilio();
    ts = await startTestServer({ env: twilioEnv(fake) });
    await otherServiceSharingAlexsNumber(ts);
    const jo = await raise(ts, 'demo-wearer');
    const kai = await raise(ts, 'w-kai');
    const pages = await fake.waitFor(2, (r) => r.to === ALEX);
    const kaiCode = /Alert code ([A-Z0-9]{4}) /.exec(pages.find((p) => p.body.includes('Kai'))!.body)![1]!;
    expect(await sms(ALEX, `1 ${kaiCode}`)).toContain('you are attending Kai');
    expect((await stateOf(kai)).attending_responder_id).toBe('o-resp');
    expect((await stateOf(jo)).state).toBe('escalating');
  });
});

describe('external chain numbers are confirmed before they are paged (low finding)', () => {
  it('a phone target is texted for confirmation, shown unverified and skipped (timeline, service told) until it replies YES with its code', async () => {
    fake = await startFakeTwilio();
    ts = await startTestServer({ env: twilioEnv(fake) });
    const admin = await login(ts.base, 'admin');
    const DESK = '+447700900555';
    const c = await api<{ id: string; phones: { phone: string; label: string; verified: boolean }[] }>(
      ts.base,
      admin,
      'POST',
      '/api/admin/chains',
      {
        name: 'Desk first',
        definition: {
          steps: [
            {
              targets: [
                { type: 'phone', phone: DESK, label: 'Hostel desk' },
                { type: 'responder', id: 'alex' },
              ],
              channels: ['sms'],
              waitS: 60,
            },
          ],
        },
      },
    );
    expect(c.status).toBe(201);
    expect(c.body.phones).toEqual([{ phone: DESK, label: 'Hostel desk', verified: false }]);
    const [ask] = await fake.waitFor(1, (r) => r.to === DESK);
    const verifyCode = /YES (\d{6})/.exec(ask!.body)![1]!;
    await api(ts.base, admin, 'PUT', '/api/admin/wearers/demo-wearer/chain', { chainId: c.body.id });

    const watch = await liveClient(ts.base, admin);
    const id = await raise(ts, 'demo-wearer');
    await fake.waitFor(1, (r) => r.to === ALEX);
    expect(fake.requests.filter((r) => r.to === DESK)).toHaveLength(1);
    const skipped = (await ts.server.repos.timeline(id)).find((e) => e.type === 'notify_skipped' && e.data.target === `phone:${DESK}`);
    expect(skipped?.data).toMatchObject({ reason: 'number not confirmed', step: 0 });
    expect(watch.messages).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'technical', issue: 'number_not_confirmed', wearerId: 'demo-wearer' })]),
    );
    watch.ws.close();
    await api(ts.base, admin, 'POST', `/api/alerts/${id}/resolve`, { outcome: 'false_alarm_sensor' });

    expect(await sms(DESK, 'YES 000000')).not.toContain('confirmed');
    expect(await sms(DESK, `yes ${verifyCode}`)).toContain('confirmed');
    expect((await api<{ phones: { verified: boolean }[] }>(ts.base, admin, 'GET', `/api/admin/chains/${c.body.id}`)).body.phones).toEqual([
      expect.objectContaining({ verified: true }),
    ]);
    await raise(ts, 'demo-wearer');
    await fake.waitFor(2, (r) => r.to === DESK);
    expect(fake.requests.filter((r) => r.to === DESK)[1]!.body).toContain('may need help now');
  });
});
