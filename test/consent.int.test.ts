// Wearer consent (issue 6.3) over real MQTT, HTTP and the signed Twilio webhook: pending until the person
// opts in (personal link or SMS YES), data dropped and counted until then; opt-out (web, SMS STOP/LEAVE)
// stops monitoring at once and tells the service; PAUSE 30M pauses with a reminder and resumes by itself
// on the (virtual) clock; raw vitals are purged after VITALS_RETENTION_DAYS; export and erasure.
import twilio from 'twilio';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONSENT_VERSION } from '../server/src/consent/index.js';
import type { SmsMessage, SmsResult, SmsSender } from '../server/src/notify/index.js';
import { connectDevice, disconnectDevice, type VirtualDevice } from '../simulator/src/devices.js';
import { VirtualClock } from '../server/src/clock.js';
import { CSRF, api, liveClient, login, settle, startTestServer, T0, until, type TestServer } from './helpers/server.js';

const AUTH = 'test-auth-token-0123456789abcdef';
const PUBLIC = 'http://127.0.0.1:3999';
const WEARER_PHONE = '+447700900300';

class CapturedSms implements SmsSender {
  readonly provider = 'twilio' as const;
  sent: SmsMessage[] = [];
  async send(msg: SmsMessage): Promise<SmsResult> {
    this.sent.push(msg);
    return { ok: true, sid: `SM${String(this.sent.length).padStart(32, '0')}`, status: 'queued' };
  }
}

let ts: TestServer;
let sms: CapturedSms;
let admin: string;
let sid = 0;
beforeEach(async () => {
  sms = new CapturedSms();
  ts = await startTestServer({
    env: { TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`, TWILIO_AUTH_TOKEN: AUTH, TWILIO_FROM: '+447700900000', VITALS_RETENTION_DAYS: '2' },
    server: { sms },
  });
  admin = await login(ts.base, 'admin');
});
afterEach(async () => {
  await ts.close();
});

async function smsFrom(from: string, body: string): Promise<string> {
  const params = { MessageSid: `SMin${++sid}`, From: from, Body: body };
  const signature = twilio.getExpectedTwilioSignature(AUTH, `${PUBLIC}/webhooks/twilio/sms`, params);
  const res = await fetch(`${ts.base}/webhooks/twilio/sms`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    body: new URLSearchParams(params).toString(),
  });
  expect(res.status).toBe(200);
  return res.text();
}

async function enrol(): Promise<{ wearerId: string; device: VirtualDevice }> {
  const w = await api<{ id: string; consent: string }>(ts.base, admin, 'POST', '/api/admin/wearers', {
    alias: 'Robin',
    phone: WEARER_PHONE,
    responderIds: ['alex'],
    chainId: 'demo-chain',
  });
  expect(w.body.consent).toBe('pending');
  const dev = await api<{ secret: string }>(ts.base, admin, 'POST', '/api/admin/devices', {
    id: 'robin-wrist',
    kind: 'wearable',
    wearerId: w.body.id,
  });
  const device = await connectDevice({ id: 'robin-wrist', secret: dev.body.secret }, { url: ts.mqttUrl });
  return { wearerId: w.body.id, device };
}

async function publishVitals(device: VirtualDevice): Promise<void> {
  const before = ts.server.ingest.handled;
  await device.client.publishAsync('odart/v1/devices/robin-wrist/vitals', JSON.stringify({ hr: 70, spo2: 97, rr: 14, onBody: true }), {
    qos: 1,
  });
  await until(() => ts.server.ingest.handled > before);
  await ts.server.vitals.flush();
}
const metric = async (re: RegExp) => {
  const m = re.exec(await (await fetch(`${ts.base}/metrics`)).text());
  return m ? Number(m[1]) : 0;
};
const stored = async (wearerId: string) => (await ts.server.vitals.window(wearerId, 0, Number.MAX_SAFE_INTEGER)).length;
const consentOf = async (id: string) =>
  (await api<{ state: string; events: { type: string; via: string }[] }>(ts.base, admin, 'GET', `/api/admin/wearers/${id}/consent`)).body;

describe('consent: opt in by personal link', () => {
  it('data is dropped and counted while pending, stored and scored once the person opts in by the link', async () => {
    const { wearerId, device } = await enrol();
    const dropped = await metric(/odart_mqtt_dropped_total\{reason="no_consent"\} (\d+)/);
    await publishVitals(device);
    expect(await metric(/odart_mqtt_dropped_total\{reason="no_consent"\} (\d+)/)).toBe(dropped + 1);
    expect(await stored(wearerId)).toBe(0);

    const link = await api<{ url: string; sent: boolean }>(ts.base, admin, 'POST', `/api/admin/wearers/${wearerId}/consent-link`, {
      send: true,
    });
    expect(link.status).toBe(200);
    expect(link.body.sent).toBe(true);
    expect(link.body.url).toMatch(new RegExp(`^${PUBLIC}/#/consent/[A-Za-z0-9_-]{43}$`));
    const invite = sms.sent.find((m) => m.to === WEARER_PHONE)!;
    expect(invite.body).toContain(link.body.url);
    expect(invite.body).toMatch(/your choice/i);
    const token = link.body.url.split('/').pop()!;
    // only the hash of the token is stored
    const rows = await ts.server.repos.db.selectFrom('consent_tokens').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.id).not.toContain(token);

    const look = await fetch(`${ts.base}/api/consent/lookup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...CSRF },
      body: JSON.stringify({ token }),
    });
    expect(await look.json()).toMatchObject({
      alias: 'Robin',
      state: 'pending',
      currentVersion: CONSENT_VERSION,
      serviceName: 'Demo service',
    });
    const act = (body: unknown) =>
      fetch(`${ts.base}/api/consent/act`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...CSRF },
        body: JSON.stringify(body),
      });
    // agreeing to an outdated text is refused
    expect((await act({ token, action: 'opt_in', version: '1999-01' })).status).toBe(400);
    expect((await act({ token: 'x'.repeat(43), action: 'opt_in', version: CONSENT_VERSION })).status).toBe(404);
    const ok = await act({ token, action: 'opt_in', version: CONSENT_VERSION });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ state: 'active', version: CONSENT_VERSION });

    await publishVitals(device);
    expect(await metric(/odart_mqtt_messages_total\{stream="vitals"\} (\d+)/)).toBe(1);
    expect(await stored(wearerId)).toBe(1);
    const log = await consentOf(wearerId);
    expect(log.events.map((e) => `${e.type}/${e.via}`)).toEqual(['invited/admin', 'opted_in/web']);

    // a new link replaces the old one
    await api(ts.base, admin, 'POST', `/api/admin/wearers/${wearerId}/consent-link`, {});
    expect((await act({ token, action: 'opt_out' })).status).toBe(404);
    await disconnectDevice(device);
  });
});

describe('consent: links expire (CONSENT_LINK_TTL_H, 7 days by default)', () => {
  const HOUR = 3600_000;
  const post = (p: string, body: unknown) =>
    fetch(`${ts.base}${p}`, { method: 'POST', headers: { 'content-type': 'application/json', ...CSRF }, body: JSON.stringify(body) });
  /** The same data a week on: a restart on a virtual clock set there (ticking a week of 1 s timers would take minutes). */
  async function restartAt(t: number, env: Record<string, string> = {}) {
    const dataDir = ts.dataDir;
    await ts.close({ keepData: true });
    ts = await startTestServer({
      dataDir,
      clock: new VirtualClock(t),
      server: { sms },
      env: { TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`, TWILIO_AUTH_TOKEN: AUTH, TWILIO_FROM: '+447700900000', ...env },
    });
    admin = await login(ts.base, 'admin');
  }

  it('a link works until 7 days after it was issued, then says it has expired (410) for lookup and every action; a new link works', async () => {
    const { wearerId, device } = await enrol();
    await disconnectDevice(device);
    const issuedAt = ts.clock.now();
    const link = await api<{ url: string; expiresAt: string }>(ts.base, admin, 'POST', `/api/admin/wearers/${wearerId}/consent-link`, {});
    expect(link.body.expiresAt).toBe(new Date(issuedAt + 7 * 24 * HOUR).toISOString());
    const token = link.body.url.split('/').pop()!;

    await restartAt(issuedAt + 7 * 24 * HOUR - 1000);
    expect((await post('/api/consent/lookup', { token })).status).toBe(200);
    ts.clock.advance(1000);
    await settle(ts);
    const look = await post('/api/consent/lookup', { token });
    expect(look.status).toBe(410);
    expect(await look.json()).toEqual({ error: { code: 'ODART_ERR_LINK_EXPIRED', message: expect.stringMatching(/expired.*new one/i) } });
    for (const body of [
      { action: 'opt_in', version: CONSENT_VERSION },
      { action: 'opt_out' },
      { action: 'pause', minutes: 60 },
      { action: 'resume' },
    ]) {
      const r = await post('/api/consent/act', { token, ...body });
      expect(r.status, JSON.stringify(body)).toBe(410);
    }
    expect((await consentOf(wearerId)).state).toBe('pending');
    // an unknown token is still "not valid", not "expired"
    expect((await post('/api/consent/lookup', { token: 'y'.repeat(43) })).status).toBe(404);

    const fresh = await api<{ url: string }>(ts.base, admin, 'POST', `/api/admin/wearers/${wearerId}/consent-link`, {});
    const ok = await post('/api/consent/act', { token: fresh.body.url.split('/').pop()!, action: 'opt_in', version: CONSENT_VERSION });
    expect(ok.status).toBe(200);
  });

  it('CONSENT_LINK_TTL_H sets the lifetime', async () => {
    await restartAt(T0, { CONSENT_LINK_TTL_H: '2' });
    const w = await api<{ id: string }>(ts.base, admin, 'POST', '/api/admin/wearers', { alias: 'Sky' });
    const link = await api<{ url: string; expiresAt: string }>(ts.base, admin, 'POST', `/api/admin/wearers/${w.body.id}/consent-link`, {});
    expect(link.body.expiresAt).toBe(new Date(T0 + 2 * HOUR).toISOString());
    await restartAt(T0 + 2 * HOUR, { CONSENT_LINK_TTL_H: '2' });
    expect((await post('/api/consent/lookup', { token: link.body.url.split('/').pop()! })).status).toBe(410);
  });
});

describe('consent: SMS keywords from the wearer phone', () => {
  it('YES opts in; PAUSE 30M pauses with a reminder and resumes by itself; STOP opts out and tells the service', async () => {
    const { wearerId, device } = await enrol();
    const live = await liveClient(ts.base, admin);
    expect(await smsFrom(WEARER_PHONE, 'yes')).toContain('monitoring is on');
    expect((await consentOf(wearerId)).state).toBe('active');
    await publishVitals(device);
    expect(await stored(wearerId)).toBe(1);

    expect(await smsFrom(WEARER_PHONE, 'PAUSE 5M')).toMatch(/PAUSE 2H/);
    expect((await consentOf(wearerId)).state).toBe('active');
    expect(await smsFrom(WEARER_PHONE, 'PAUSE 30M')).toContain('paused for 30 minutes');
    expect((await consentOf(wearerId)).state).toBe('paused');
    await publishVitals(device);
    expect(await metric(/odart_mqtt_dropped_total\{reason="paused"\} (\d+)/)).toBe(1);
    expect(await stored(wearerId)).toBe(1);

    // Reminder 10 minutes before the end, then automatic resume, all in virtual time.
    const texts = () => sms.sent.filter((m) => m.to === WEARER_PHONE).map((m) => m.body);
    ts.clock.advance(19 * 60_000);
    await settle(ts);
    expect(texts().some((b) => /starts again in 10 minutes/.test(b))).toBe(false);
    ts.clock.advance(60_000 + 1000);
    await settle(ts);
    expect(texts().filter((b) => /starts again in 10 minutes/.test(b))).toHaveLength(1);
    ts.clock.advance(10 * 60_000 - 1000 - 1);
    await settle(ts);
    expect((await consentOf(wearerId)).state).toBe('paused');
    ts.clock.advance(1);
    await settle(ts);
    expect((await consentOf(wearerId)).state).toBe('active');
    expect(texts().filter((b) => /monitoring is on again/.test(b))).toHaveLength(1);
    await publishVitals(device);
    expect(await stored(wearerId)).toBe(2);

    expect(await smsFrom(WEARER_PHONE, 'LEAVE')).toContain('monitoring is off');
    expect((await consentOf(wearerId)).state).toBe('opted_out');
    await publishVitals(device);
    expect(await stored(wearerId)).toBe(2);
    // The service is told at once: a live event to admins, and the consent log.
    await until(() => live.messages.some((m) => m.type === 'consent' && m.change === 'opted_out'));
    expect(live.messages.filter((m) => m.type === 'consent').map((m) => `${String(m.change)}/${String(m.via)}`)).toEqual([
      'opted_in/sms',
      'paused/sms',
      'resumed/system',
      'opted_out/sms',
    ]);
    expect((await consentOf(wearerId)).events.map((e) => e.type)).toEqual(['opted_in', 'paused', 'pause_reminder', 'resumed', 'opted_out']);
    live.ws.close();
    await disconnectDevice(device);
  });

  it("a responder reply still acknowledges an alert (the wearer dispatch does not take it), also from a number that is a wearer's too", async () => {
    // A reply acts only on alerts its number was paged for: the alert pages alex (demo chain, step 0).
    await ts.server.alerts.handle([
      { kind: 'responder_alert', wearerId: 'demo-wearer', t: ts.clock.now(), score: 80, reasons: ['no breathing for 30 s'], news2: null },
    ]);
    await settle(ts);
    const alertId = (await ts.server.repos.openAlertForWearer('demo-wearer'))!.id;
    expect(await smsFrom('+447700900101', 'YES')).toContain('you are attending');
    expect((await ts.server.repos.alertById(alertId))!.attending_responder_id).toBe('alex');
    // A number that is both a responder's and a wearer's: YES stays an acknowledgement, STOP is the wearer's.
    const w = await api<{ id: string }>(ts.base, admin, 'POST', '/api/admin/wearers', {
      alias: 'Dual',
      phone: '+447700900101',
      consent: 'active',
    });
    expect(await smsFrom('+447700900101', 'YES')).not.toContain('monitoring');
    expect((await consentOf(w.body.id)).state).toBe('active');
    expect(await smsFrom('+447700900101', 'STOP')).toContain('monitoring is off');
    expect((await consentOf(w.body.id)).state).toBe('opted_out');
    // an unknown number gets no reply and changes nothing
    expect(await smsFrom('+447700900999', 'STOP')).not.toContain('<Message>');
  });
});

describe('consent: retention, export, erasure', () => {
  it('raw vitals older than VITALS_RETENTION_DAYS are purged; export holds the data; delete erases it', async () => {
    const { wearerId, device } = await enrol();
    await smsFrom(WEARER_PHONE, 'YES');
    await publishVitals(device);
    const day = 86400_000;
    // Two older samples (as a gateway's store-and-forward would place them), written to the store.
    for (const [ago, hr] of [
      [3 * day, 60],
      [1 * day, 61],
    ] as const) {
      ts.server.vitals.record(
        wearerId,
        'robin-wrist',
        { stream: 'vitals', data: { hr, spo2: 96, rr: 12, onBody: true } },
        ts.clock.now() - ago,
      );
    }
    await ts.server.vitals.flush();
    expect(await stored(wearerId)).toBe(3);
    // The hourly purge keeps 2 days here (VITALS_RETENTION_DAYS=2).
    expect(await ts.server.consent.purge()).toBe(1);
    expect(await stored(wearerId)).toBe(2);

    const exp = await api<{
      wearer: { alias: string };
      consent: { state: string; events: unknown[] };
      vitals: unknown[];
      devices: { id: string }[];
    }>(ts.base, admin, 'GET', `/api/admin/wearers/${wearerId}/export`);
    expect(exp.status).toBe(200);
    expect(exp.body.wearer.alias).toBe('Robin');
    expect(exp.body.consent.state).toBe('active');
    expect(exp.body.vitals).toHaveLength(2);
    expect(exp.body.devices.map((x) => x.id)).toEqual(['robin-wrist']);
    expect(JSON.stringify(exp.body)).not.toMatch(/secret_hash|scrypt/);

    await disconnectDevice(device);
    expect((await api(ts.base, admin, 'DELETE', `/api/admin/wearers/${wearerId}`)).status).toBe(204);
    await settle(ts);
    expect(await stored(wearerId)).toBe(0);
    expect(await ts.server.repos.db.selectFrom('consent_events').selectAll().where('wearer_id', '=', wearerId).execute()).toEqual([]);
    expect(await ts.server.repos.db.selectFrom('consent_tokens').selectAll().where('wearer_id', '=', wearerId).execute()).toEqual([]);
  });
});
