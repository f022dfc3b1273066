// Alarm-centre hand-off end to end (issue 17 item 1): an admin registers a centre's endpoint; vitals
// over MQTT raise an alert whose chain hands off to it; the local centre over HTTPS
// (test/helpers/alarm-centre.ts) checks the signature and the CAP 1.2 schema, answers 503 once (the
// dispatcher retries after its backoff), then calls the webhook back: "dispatched" lands on the
// timeline and the responders' live screens, "acknowledged" takes the alert and the centre gets a CAP
// Update. Hostile webhook input is a clear 4xx.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { answerWebhook, capSchemaErrors, sign, startAlarmCentre, type AlarmCentre } from './helpers/alarm-centre.js';
import {
  api,
  connectDemoDevices,
  disconnectAll,
  driveDemoOverdose,
  liveClient,
  login,
  loginOtherServiceAdmin,
  settle,
  startTestServer,
  until,
  type TestServer,
} from './helpers/server.js';
import type { VirtualDevice } from '../simulator/src/devices.js';

const SECRET = 'centre-shared-secret-0123456789';
let centre: AlarmCentre;
let ts: TestServer;
let admin: string;
let devices: Map<string, VirtualDevice> | undefined;

beforeEach(async () => {
  let clock: () => number = () => 0;
  centre = await startAlarmCentre({ secret: SECRET, now: () => clock() });
  ts = await startTestServer({ env: { PAGE_REMINDER_S: '0' }, server: { handoffAgent: centre.agent } });
  clock = () => ts.clock.now();
  admin = await login(ts.base, 'admin');
});
afterEach(async () => {
  if (devices) await disconnectAll(devices);
  devices = undefined;
  await ts.close();
  await centre.close();
});

interface EndpointView {
  id: string;
  name: string;
  url: string;
  format: string;
  secret: string;
}

async function endpoint(format: 'json' | 'cap'): Promise<EndpointView> {
  const r = await api<EndpointView>(ts.base, admin, 'POST', '/api/admin/handoff-endpoints', {
    name: 'County alarm centre',
    url: `${centre.origin}/odart`,
    secret: SECRET,
    format,
  });
  expect(r.status).toBe(201);
  return r.body;
}
async function handoffChain(id: string) {
  const c = await api<{ id: string }>(ts.base, admin, 'POST', '/api/admin/chains', {
    name: 'Alarm centre first',
    definition: { steps: [{ targets: [{ type: 'handoff', id }], channels: ['handoff'], waitS: 300 }] },
  });
  expect(c.status).toBe(201);
  expect((await api(ts.base, admin, 'PUT', '/api/admin/wearers/demo-wearer/chain', { chainId: c.body.id })).status).toBe(200);
}
const timeline = async (id: string) =>
  (await api<{ state: string; timeline: { type: string; [k: string]: unknown }[] }>(ts.base, admin, 'GET', `/api/alerts/${id}`)).body;

describe('hand-off endpoints (admin API)', () => {
  it('create, list, read, update, delete; the secret is never shown again; the URL rule holds', async () => {
    const ep = await endpoint('cap');
    expect(ep).toMatchObject({ name: 'County alarm centre', url: `${centre.origin}/odart`, format: 'cap' });
    expect(ep.id).toMatch(/^hoe_/);
    expect(ep.secret).not.toContain(SECRET.slice(0, 8));
    expect(ep.secret).toBe(`••••${SECRET.slice(-4)}`);
    const list = await api<EndpointView[]>(ts.base, admin, 'GET', '/api/admin/handoff-endpoints');
    expect(list.body.map((e) => e.id)).toEqual([ep.id]);
    expect(JSON.stringify(list.body)).not.toContain(SECRET);
    // https, or http to localhost outside production; nothing else.
    for (const url of ['http://example.org/x', 'ftp://127.0.0.1/x', 'not a url', 'https://user:pw@example.org/']) {
      const r = await api(ts.base, admin, 'POST', '/api/admin/handoff-endpoints', { name: 'x', url, secret: SECRET, format: 'json' });
      expect(r.status, url).toBe(400);
    }
    expect(
      (
        await api(ts.base, admin, 'POST', '/api/admin/handoff-endpoints', {
          name: 'x',
          url: 'http://127.0.0.1:9/x',
          secret: SECRET,
          format: 'json',
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await api(ts.base, admin, 'POST', '/api/admin/handoff-endpoints', {
          name: 'x',
          url: 'https://a.example',
          secret: 'short',
          format: 'json',
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await api(ts.base, admin, 'POST', '/api/admin/handoff-endpoints', {
          name: 'x',
          url: 'https://a.example',
          secret: SECRET,
          format: 'xml',
        })
      ).status,
    ).toBe(400);
    const put = await api<EndpointView>(ts.base, admin, 'PUT', `/api/admin/handoff-endpoints/${ep.id}`, {
      name: 'Night desk',
      format: 'json',
    });
    expect(put.body).toMatchObject({ id: ep.id, name: 'Night desk', format: 'json' });
    expect((await api<EndpointView>(ts.base, admin, 'GET', `/api/admin/handoff-endpoints/${ep.id}`)).body.name).toBe('Night desk');
    // Another service sees nothing of it.
    const other = await loginOtherServiceAdmin(ts);
    expect((await api(ts.base, other, 'GET', `/api/admin/handoff-endpoints/${ep.id}`)).status).toBe(404);
    expect((await api(ts.base, other, 'DELETE', `/api/admin/handoff-endpoints/${ep.id}`)).status).toBe(404);
    expect((await api(ts.base, '', 'GET', '/api/admin/handoff-endpoints')).status).toBe(401);
    // In use by a chain: not deleted.
    await handoffChain(ep.id);
    expect((await api(ts.base, admin, 'DELETE', `/api/admin/handoff-endpoints/${ep.id}`)).status).toBe(409);
    // A chain naming an endpoint the service does not have is refused.
    const bad = await api(ts.base, admin, 'POST', '/api/admin/chains', {
      name: 'Nowhere',
      definition: { steps: [{ targets: [{ type: 'handoff', id: 'hoe_nope' }], channels: ['handoff'], waitS: 60 }] },
    });
    expect(bad.status).toBe(400);
  });
});

describe('hand-off channel end to end', () => {
  it('MQTT overdose -> signed CAP POST (503 once, retried) -> centre dispatches and acknowledges -> timeline, live, CAP Update', async () => {
    const ep = await endpoint('cap');
    await handoffChain(ep.id);
    const alex = await login(ts.base, 'alex');
    const live = await liveClient(ts.base, alex);
    centre.failNext(503);
    devices = await connectDemoDevices(ts);
    const id = await driveDemoOverdose(ts, devices, admin, 7);
    await settle(ts);
    await until(() => centre.received.length >= 1);
    expect(centre.received[0]!.status).toBe(503);
    // The dispatcher's backoff (NOTIFY_RETRY_BASE_MS, 2 s), on the virtual clock.
    ts.clock.advanceTo(ts.clock.now() + 2_500);
    await settle(ts);
    await until(() => centre.received.length >= 2);
    expect(centre.refused).toEqual([]);
    const [first, second] = centre.received;
    expect(second!.status).toBe(200);
    expect(second!.body).toBe(first!.body);
    // One message, one idempotency key across its retries.
    expect(second!.idempotencyKey).toMatch(/^[0-9a-f]{40}$/);
    expect(second!.idempotencyKey).toBe(first!.idempotencyKey);
    expect(second!.contentType).toMatch(/^application\/cap\+xml/);
    expect(second!.capErrors).toEqual([]);
    const xml = second!.body;
    expect(xml).toContain('<status>Actual</status>');
    expect(xml).toContain('<msgType>Alert</msgType>');
    expect(xml).toContain('<scope>Private</scope>');
    expect(xml).toContain('<category>Health</category>\n<category>Rescue</category>');
    expect(xml).toContain('<urgency>Immediate</urgency>');
    expect(xml).toMatch(/<severity>(Extreme|Severe)<\/severity>/);
    expect(xml).toMatch(/<web>http:\/\/127\.0\.0\.1:3999\/#\/p\/[a-z0-9_]+\.[A-Za-z0-9_-]{16}<\/web>/);
    const wearer = (await ts.server.repos.wearerById('demo-wearer'))!;
    expect(xml).toContain(`<headline>${wearer.alias}:`);
    if (wearer.address) expect(xml).toContain('<areaDesc>');
    // The operator link opens the no-login view of this alert.
    const token = /#\/p\/([^<]+)<\/web>/.exec(xml)![1]!;
    const page = await api<{ alertId: string }>(ts.base, '', 'GET', `/api/page/${token}`);
    expect(page.status).toBe(200);
    expect(page.body.alertId).toBe(id);
    expect((await timeline(id)).timeline).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'notify_failed', channel: 'handoff', errorCode: 'handoff_503', retryable: true }),
        expect.objectContaining({ type: 'notified', channel: 'handoff' }),
      ]),
    );

    // The centre answers: an ambulance is on its way.
    const dispatched = await answerWebhook(ts.base, ep.id, SECRET, ts.clock.now(), {
      alertId: id,
      action: 'dispatched',
      note: 'ETA 8 min',
    });
    expect(dispatched).toEqual({ status: 200, body: { ok: true } });
    await until(() => live.messages.some((m) => m.type === 'alert' && m['change'] === 'handoff'));
    expect(live.messages.find((m) => m['change'] === 'handoff')).toMatchObject({ name: 'Alarm centre: ambulance dispatched' });
    expect((await timeline(id)).timeline).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'handoff_answer',
          action: 'dispatched',
          text: 'Alarm centre: ambulance dispatched',
          note: 'ETA 8 min',
        }),
      ]),
    );
    // The same event again is a no-op (same body, no Idempotency-Key: the body's hash is the key).
    const again = await answerWebhook(ts.base, ep.id, SECRET, ts.clock.now(), { alertId: id, action: 'dispatched', note: 'ETA 8 min' });
    expect(again).toEqual({ status: 200, body: { ok: true, duplicate: true } });
    expect((await timeline(id)).timeline.filter((e) => e.type === 'handoff_answer')).toHaveLength(1);

    // It acknowledges: the alert is taken like a contact's ack, and the centre gets a CAP Update.
    const ack = await answerWebhook(
      ts.base,
      ep.id,
      SECRET,
      ts.clock.now(),
      { alertId: id, action: 'acknowledged' },
      { 'idempotency-key': 'evt-2' },
    );
    expect(ack.status).toBe(200);
    await settle(ts);
    expect((await timeline(id)).state).toBe('acknowledged');
    await until(() => live.messages.some((m) => m.type === 'alert' && m['change'] === 'acknowledged'));
    await until(() => centre.received.length >= 3);
    const update = centre.received[2]!;
    expect(update.capErrors).toEqual([]);
    expect(update.body).toContain('<msgType>Update</msgType>');
    expect(update.body).toMatch(/<references>odart@127\.0\.0\.1,odart-[^,]+,\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00<\/references>/);
    expect(update.idempotencyKey).not.toBe(first!.idempotencyKey);
    live.ws.close();
  });

  it('JSON format: alert id, level, reasons, address, alias and the operator link, signed', async () => {
    const ep = await endpoint('json');
    await handoffChain(ep.id);
    devices = await connectDemoDevices(ts);
    const id = await driveDemoOverdose(ts, devices, admin, 7);
    await settle(ts);
    await until(() => centre.received.length >= 1);
    const got = centre.received[0]!;
    expect(got.contentType).toMatch(/^application\/json/);
    const body = JSON.parse(got.body) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['address', 'alertId', 'alias', 'level', 'link', 'reasons', 'sent', 'state', 'type']);
    expect(body).toMatchObject({
      type: 'alert',
      alertId: id,
      state: 'escalating',
      alias: (await ts.server.repos.wearerById('demo-wearer'))!.alias,
    });
    expect(['critical', 'high', 'watch']).toContain(body['level']);
    expect(Array.isArray(body['reasons'])).toBe(true);
  });
});

describe('hand-off webhook, hostile input', () => {
  it('bad or missing signature 401, replays and future stamps 401, unknown endpoint or alert 404, bad JSON 400, huge 413', async () => {
    const ep = await endpoint('json');
    await handoffChain(ep.id);
    devices = await connectDemoDevices(ts);
    const id = await driveDemoOverdose(ts, devices, admin, 7);
    await settle(ts);
    const now = ts.clock.now();
    const ok = { alertId: id, action: 'dispatched' };
    const post = (p: string, body: string, headers: Record<string, string>) =>
      fetch(`${ts.base}${p}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }).then((r) => r.status);
    const path = `/webhooks/handoff/${ep.id}`;
    const raw = JSON.stringify(ok);
    expect(await post(path, raw, {})).toBe(401);
    expect(await post(path, raw, { 'x-odart-signature': sign('wrong-secret-wrong-secret', now, raw) })).toBe(401);
    expect(await post(path, raw, { 'x-odart-signature': sign(SECRET, now, raw + ' ') })).toBe(401);
    expect(await post(path, raw, { 'x-odart-signature': 'garbage' })).toBe(401);
    expect(await post(path, raw, { 'x-odart-signature': sign(SECRET, now - 301_000, raw) })).toBe(401);
    expect(await post(path, raw, { 'x-odart-signature': sign(SECRET, now + 61_000, raw) })).toBe(401);
    // Within the window either way: accepted.
    expect(await post(path, raw, { 'x-odart-signature': sign(SECRET, now - 290_000, raw) })).toBe(200);
    expect((await answerWebhook(ts.base, 'hoe_unknown', SECRET, now, ok)).status).toBe(404);
    expect((await answerWebhook(ts.base, `..%2F..%2Fapi%2Falerts`, SECRET, now, ok)).status).toBe(404);
    expect((await answerWebhook(ts.base, `${ep.id}%00`, SECRET, now, ok)).status).toBe(404);
    expect((await answerWebhook(ts.base, ep.id, SECRET, now, '{"alertId":')).status).toBe(400);
    expect((await answerWebhook(ts.base, ep.id, SECRET, now, { alertId: id, action: 'teleported' })).status).toBe(400);
    expect((await answerWebhook(ts.base, ep.id, SECRET, now, { ...ok, extra: 1 })).status).toBe(400);
    expect((await answerWebhook(ts.base, ep.id, SECRET, now, { alertId: 'alr_nope', action: 'dispatched' })).status).toBe(404);
    const huge = JSON.stringify({ ...ok, note: 'x'.repeat(100_000) });
    expect(await post(path, huge, { 'x-odart-signature': sign(SECRET, now, huge) })).toBe(413);
    // Another service's alert is not this centre's to answer.
    const other = await loginOtherServiceAdmin(ts);
    const theirs = await api<EndpointView>(ts.base, other, 'POST', '/api/admin/handoff-endpoints', {
      name: 'Theirs',
      url: 'https://centre.example/x',
      secret: SECRET,
      format: 'json',
    });
    expect((await answerWebhook(ts.base, theirs.body.id, SECRET, now, ok)).status).toBe(404);
    // Still serving.
    expect((await fetch(`${ts.base}/healthz`)).status).toBe(200);
  });

  it('the CAP schema check bites: a document missing a required element fails', async () => {
    expect(await capSchemaErrors('<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>x</identifier></alert>')).not.toEqual([]);
  });
});
