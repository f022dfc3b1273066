// SMS through the Twilio adapter (twilio SDK, TWILIO_BASE_URL honoured) against a local server that
// speaks Twilio's API; webhooks need a valid X-Twilio-Signature.
import twilio from 'twilio';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateScenario } from '../simulator/src/scenarios.js';
import { startFakeTwilio, type FakeTwilio } from './helpers/fake-twilio.js';
import { api, connectDemoDevices, disconnectAll, driveTrace, login, startTestServer, type TestServer } from './helpers/server.js';

const SID = 'AC' + '1'.repeat(32);
const TOKEN = 'test-auth-token';
const PUBLIC = 'http://127.0.0.1:3999';
let tw: FakeTwilio;
let ts: TestServer;

beforeEach(async () => {
  tw = await startFakeTwilio();
  ts = await startTestServer({ env: { TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: TOKEN, TWILIO_FROM: '+15005550006', TWILIO_BASE_URL: tw.url, PUBLIC_URL: PUBLIC } });
});
afterEach(async () => {
  await ts.close();
  await tw.close();
});

async function raiseAlert(): Promise<string> {
  const alex = await login(ts.base, 'alex');
  const devices = await connectDemoDevices(ts);
  await driveTrace(ts, devices, generateScenario('overdose', { seed: 5, wearer: 'demo-wearer', wrist: 'demo-wrist', room: 'demo-room' }).lines, {
    stopWhen: async () => tw.requests.length > 0,
  });
  await disconnectAll(devices);
  return (await api<{ id: string }[]>(ts.base, alex, 'GET', '/api/alerts')).body[0]!.id;
}

function signedPost(path: string, params: Record<string, string>, signature?: string) {
  const sig = signature ?? twilio.getExpectedTwilioSignature(TOKEN, PUBLIC + path, params);
  return fetch(ts.base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sig },
    body: new URLSearchParams(params).toString(),
  });
}

describe('Twilio adapter', () => {
  it('sends the alert SMS as a real Messages.json request with basic auth and a status callback', async () => {
    const alertId = await raiseAlert();
    expect(tw.requests).toHaveLength(1);
    const r = tw.requests[0]!;
    expect(r.method).toBe('POST');
    expect(r.path).toBe(`/2010-04-01/Accounts/${SID}/Messages.json`);
    expect(r.auth).toBe('Basic ' + Buffer.from(`${SID}:${TOKEN}`).toString('base64'));
    expect(r.form).toMatchObject({ To: '+447700900101', From: '+15005550006', StatusCallback: `${PUBLIC}/webhooks/twilio/status` });
    expect(r.form.Body).toContain(`${PUBLIC}/#/alerts/${alertId}`);
    expect(r.form.Body!.length).toBeLessThanOrEqual(160);
    // The outbox does not exist with a real provider.
    const admin = await login(ts.base, 'admin');
    expect((await api(ts.base, admin, 'GET', '/api/outbox')).status).toBe(404);
  });

  it('a failed send is recorded in the timeline with the provider error code', async () => {
    tw.failNext(1, 400, 21610);
    const alertId = await raiseAlert();
    const alex = await login(ts.base, 'alex');
    const detail = await api<{ timeline: { type: string; errorCode?: string }[] }>(ts.base, alex, 'GET', `/api/alerts/${alertId}`);
    expect(detail.body.timeline.find((e) => e.type === 'notify_failed')?.errorCode).toBe('21610');
  });
});

describe('Twilio webhooks', () => {
  it('reject a missing or tampered signature with 403', async () => {
    const params = { MessageSid: 'SM' + 'a'.repeat(32), From: '+447700900101', Body: '1' };
    const none = await fetch(ts.base + '/webhooks/twilio/sms', {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params).toString(),
    });
    expect(none.status).toBe(403);
    const sig = twilio.getExpectedTwilioSignature(TOKEN, PUBLIC + '/webhooks/twilio/sms', params);
    expect((await signedPost('/webhooks/twilio/sms', { ...params, Body: 'YES' }, sig)).status).toBe(403);
    expect((await signedPost('/webhooks/twilio/status', { MessageSid: 'SMx', MessageStatus: 'delivered' }, 'bogus')).status).toBe(403);
  });

  it('records delivery status once per MessageSid+status, and a signed "1" reply acknowledges', async () => {
    const alertId = await raiseAlert();
    const sid = (await ts.server.repos.db.selectFrom('notifications').select('provider_id').executeTakeFirstOrThrow()).provider_id!;
    for (let i = 0; i < 2; i++) {
      expect((await signedPost('/webhooks/twilio/status', { MessageSid: sid, MessageStatus: 'delivered' })).status).toBe(204);
    }
    const alex = await login(ts.base, 'alex');
    let detail = await api<{ timeline: { type: string; result?: string }[] }>(ts.base, alex, 'GET', `/api/alerts/${alertId}`);
    expect(detail.body.timeline.filter((e) => e.type === 'delivery_status')).toEqual([expect.objectContaining({ result: 'delivered' })]);

    const reply = await signedPost('/webhooks/twilio/sms', { MessageSid: 'SM' + 'b'.repeat(32), From: '+447700900101', Body: ' 1 ' });
    expect(reply.status).toBe(200);
    expect(await reply.text()).toContain('you are attending Jo');
    detail = await api(ts.base, alex, 'GET', `/api/alerts/${alertId}`);
    expect((detail.body as unknown as { state: string; attendingResponderId: string })).toMatchObject({ state: 'acknowledged', attendingResponderId: 'alex' });
  });
});
