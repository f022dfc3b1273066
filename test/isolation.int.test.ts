// Isolation and roles (issue 6.4) over real HTTP and WebSocket: services never see each other's data;
// a responder sees only alerts of wearers assigned to them; admin actions need the admin role; and every
// unauthorised read or action answers 404, exactly like an id that does not exist, so ids leak nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../server/src/auth/secrets.js';
import { TEST_PASSWORD_COST, api, liveClient, login, settle, startTestServer, until, type TestServer } from './helpers/server.js';

let ts: TestServer;
const cookies: Record<string, string> = {};
const PW = 'isolation-pass-1';

async function alertFor(wearerId: string, serviceId: string, id: string) {
  const now = ts.clock.now();
  await ts.server.repos.insertAlert({
    id,
    service_id: serviceId,
    wearer_id: wearerId,
    state: 'escalating',
    score: 80,
    reasons: JSON.stringify(['no breathing for 20 s']),
    news2: 5,
    chain_snapshot: JSON.stringify({ steps: [] }),
    escalation_token: 0,
    attending_responder_id: null,
    outcome: null,
    note: null,
    created_at: now,
    updated_at: now,
    closed_at: null,
  });
  await ts.server.repos.appendTimeline(id, now, 'created', {});
  await ts.server.repos.appendTimeline(id, now, 'escalating', {});
}

beforeAll(async () => {
  ts = await startTestServer();
  const r = ts.server.repos;
  const now = ts.clock.now();
  // Demo service: a second wearer assigned to sam only.
  await r.insertWearer({
    id: 'w-sam-only',
    service_id: 'demo',
    alias: 'Robin',
    address: '1 Side St',
    access_notes: 'code 1234',
    phone: null,
    emergency_contact_phone: null,
    chain_id: null,
    consent: 'active',
    thresholds: null,
    created_at: now,
  });
  await r.assignResponder('w-sam-only', 'sam');
  // A second service with its own admin, responder, wearer, device and alert.
  await r.insertService({ id: 'other', name: 'Other service', emergency_number: '112', created_at: now });
  for (const [id, role] of [
    ['o-admin', 'admin'],
    ['o-resp', 'responder'],
  ] as const) {
    await r.insertUser({
      id,
      service_id: 'other',
      username: id,
      password_hash: await hashSecret(PW, TEST_PASSWORD_COST),
      role,
      display_name: id,
      phone: null,
      on_duty: 1,
      created_at: now,
    });
  }
  await r.insertWearer({
    id: 'w-other',
    service_id: 'other',
    alias: 'Kai',
    address: '9 Far Rd',
    access_notes: null,
    phone: '+447700900555',
    emergency_contact_phone: null,
    chain_id: null,
    consent: 'active',
    thresholds: null,
    created_at: now,
  });
  await r.assignResponder('w-other', 'o-resp');
  await r.insertDevice({
    id: 'other-wrist',
    service_id: 'other',
    wearer_id: 'w-other',
    kind: 'wearable',
    secret_hash: 'x',
    last_seen_at: null,
    battery: null,
    online: 0,
    created_at: now,
  });
  await alertFor('demo-wearer', 'demo', 'al-demo');
  await alertFor('w-sam-only', 'demo', 'al-sam');
  await alertFor('w-other', 'other', 'al-other');
  for (const u of ['admin', 'alex', 'sam']) cookies[u] = await login(ts.base, u);
  for (const u of ['o-admin', 'o-resp']) cookies[u] = await login(ts.base, u, PW);
});
afterAll(async () => {
  await ts.close();
});

const status = async (who: string, method: string, path: string, body?: unknown) =>
  (await api(ts.base, cookies[who]!, method, path, body)).status;

describe('isolation: responders see only alerts of wearers assigned to them', () => {
  it('the alert list holds exactly the alerts of assigned wearers', async () => {
    const ids = async (who: string) =>
      (await api<{ id: string }[]>(ts.base, cookies[who]!, 'GET', '/api/alerts')).body.map((a) => a.id).sort();
    expect(await ids('alex')).toEqual(['al-demo']);
    expect(await ids('sam')).toEqual(['al-demo', 'al-sam']);
    expect(await ids('admin')).toEqual(['al-demo', 'al-sam']);
    expect(await ids('o-resp')).toEqual(['al-other']);
    expect(await ids('o-admin')).toEqual(['al-other']);
  });

  it('every read and action on an unassigned alert answers 404, the same as a missing id', async () => {
    for (const id of ['al-sam', 'al-other', 'no-such-alert']) {
      expect(await status('alex', 'GET', `/api/alerts/${id}`), id).toBe(404);
      expect(await status('alex', 'GET', `/api/alerts/${id}/context`), id).toBe(404);
      expect(await status('alex', 'GET', `/api/alerts/${id}/vitals`), id).toBe(404);
      expect(await status('alex', 'POST', `/api/alerts/${id}/ack`, {}), id).toBe(404);
      expect(await status('alex', 'POST', `/api/alerts/${id}/arrived`, {}), id).toBe(404);
      expect(await status('alex', 'POST', `/api/alerts/${id}/resolve`, { outcome: 'wearer_ok' }), id).toBe(404);
    }
    // ...while the assigned responder gets the address and access notes
    const ctx = await api<{ wearer: { address: string; accessNotes: string }; emergencyNumber: string }>(
      ts.base,
      cookies.sam!,
      'GET',
      '/api/alerts/al-sam/context',
    );
    expect(ctx.status).toBe(200);
    expect(ctx.body.wearer).toMatchObject({ address: '1 Side St', accessNotes: 'code 1234' });
    expect(ctx.body.emergencyNumber).toBe('999');
    expect(
      (await api<{ emergencyNumber: string }>(ts.base, cookies['o-resp']!, 'GET', '/api/alerts/al-other/context')).body.emergencyNumber,
    ).toBe('112');
  });

  it('the live feed carries only visible alerts, in the hello snapshot and afterwards', async () => {
    const alex = await liveClient(ts.base, cookies.alex!);
    const other = await liveClient(ts.base, cookies['o-admin']!);
    const hello = alex.messages.find((m) => m.type === 'hello') as unknown as { alerts: { id: string }[] };
    expect(hello.alerts.map((a) => a.id)).toEqual(['al-demo']);
    // sam acknowledges his own wearer's alert: the other service and alex hear nothing of it...
    expect(await status('sam', 'POST', '/api/alerts/al-sam/ack', {})).toBe(200);
    // ...while an event alex may see does reach him (so the silence above is not a dead socket).
    expect(await status('sam', 'POST', '/api/alerts/al-demo/ack', {})).toBe(200);
    await until(() => alex.messages.some((m) => m.type === 'alert'));
    await settle(ts);
    const seen = (msgs: typeof alex.messages) => msgs.filter((m) => m.type === 'alert').map((m) => (m.alert as { id: string }).id);
    expect(seen(alex.messages)).toEqual(['al-demo']);
    expect(seen(other.messages)).toEqual([]);
    alex.ws.close();
    other.ws.close();
  });
});

describe('isolation: services never see each other', () => {
  it('admin console reads of another service answer 404 or hold nothing of it', async () => {
    for (const path of ['/api/admin/wearers/demo-wearer/consent', '/api/admin/wearers/demo-wearer/export'])
      expect(await status('o-admin', 'GET', path), path).toBe(404);
    for (const [path, body] of [
      ['/api/admin/wearers/demo-wearer/consent-link', {}],
      ['/api/admin/wearers/demo-wearer/pause', { minutes: 60 }],
      ['/api/admin/wearers/demo-wearer/resume', {}],
      ['/api/admin/wearers/demo-wearer/opt-out', {}],
    ] as const)
      expect(await status('o-admin', 'POST', path, body), path).toBe(404);
    expect(await status('o-admin', 'PUT', '/api/admin/devices/demo-room/room', { room: 'x' })).toBe(404);
    for (const path of ['/api/alerts/al-demo', '/api/alerts/al-demo/context', '/api/alerts/al-demo/vitals'])
      expect(await status('o-admin', 'GET', path), path).toBe(404);
    expect(await status('admin', 'GET', '/api/alerts/al-other')).toBe(404);
    expect(await status('admin', 'POST', '/api/alerts/al-other/ack', {})).toBe(404);
    expect(await status('o-admin', 'PATCH', '/api/admin/users/alex', { onDuty: false })).toBe(404);
    const hist = await api<{ id: string }[]>(ts.base, cookies['o-admin']!, 'GET', '/api/admin/alerts');
    expect(hist.body.map((a) => a.id)).toEqual(['al-other']);
    const csv = await fetch(`${ts.base}/api/admin/alerts.csv`, { headers: { cookie: cookies['o-admin']! } });
    const text = await csv.text();
    expect(text).toContain('al-other');
    expect(text).not.toContain('al-demo');
    expect((await api<{ totalAlerts: number }>(ts.base, cookies['o-admin']!, 'GET', '/api/admin/stats')).body.totalAlerts).toBe(1);
    // and nothing was changed by those attempts
    expect((await ts.server.repos.wearerById('demo-wearer'))!.consent).toBe('active');
    expect((await ts.server.repos.userById('alex'))!.on_duty).toBe(1);
  });

  it('the directory of colleagues lists one service only', async () => {
    const names = (await api<{ id: string }[]>(ts.base, cookies['o-resp']!, 'GET', '/api/directory')).body.map((u) => u.id).sort();
    expect(names).toEqual(['o-admin', 'o-resp']);
  });
});

describe('roles: admin actions need the admin role', () => {
  it('a responder gets 404 on every console route, even for its own service', async () => {
    for (const path of [
      '/api/admin/alerts',
      '/api/admin/alerts.csv',
      '/api/admin/stats',
      '/api/admin/wearers/demo-wearer/consent',
      '/api/admin/wearers/demo-wearer/export',
      '/api/outbox',
    ]) {
      expect(await status('alex', 'GET', path), path).toBe(404);
    }
    expect(await status('alex', 'POST', '/api/admin/wearers/demo-wearer/consent-link', {})).toBe(404);
    expect(await status('alex', 'POST', '/api/admin/wearers/demo-wearer/pause', { minutes: 60 })).toBe(404);
    expect(await status('alex', 'PATCH', '/api/admin/users/alex', { onDuty: false })).toBe(404);
    expect(await status('alex', 'PUT', '/api/admin/devices/demo-room/room', { room: 'x' })).toBe(404);
  });

  it('without a session, reads answer 401 and nothing leaks', async () => {
    for (const path of ['/api/alerts', '/api/alerts/al-demo', '/api/alerts/al-demo/vitals', '/api/admin/stats', '/api/directory']) {
      const res = await fetch(ts.base + path);
      expect(res.status, path).toBe(401);
    }
  });
});
