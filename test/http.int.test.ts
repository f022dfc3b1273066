// The HTTP API contract over real HTTP: auth, coded JSON errors for hostile bodies, 404 for what the
// caller may not see, 409 on closed alerts.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashSecret } from '../server/src/auth/secrets.js';
import { TEST_PASSWORD_COST, api, login, settle, startTestServer, type TestServer } from './helpers/server.js';

let ts: TestServer;
beforeEach(async () => {
  ts = await startTestServer();
});
afterEach(async () => {
  await ts.close();
});

type Err = { error: { code: string; message: string } };
const raw = (path: string, init: RequestInit) => fetch(ts.base + path, init);

async function raiseHelpAlert(): Promise<string> {
  // The wearer presses help: a responder alert at once (decision fed straight to the alert service).
  await ts.server.alerts.handle(
    ts.server.engine.ingest('demo-wearer', {
      t: ts.clock.now(),
      deviceId: 'demo-wrist',
      message: { stream: 'button', data: { action: 'help' } },
    }),
  );
  await settle(ts);
  return (await ts.server.repos.openAlertForWearer('demo-wearer'))!.id;
}

describe('auth', () => {
  it('401 with a code for bad credentials and for no session', async () => {
    const bad = await raw('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-odart-csrf': '1' },
      body: JSON.stringify({ username: 'alex', password: 'nope' }),
    });
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as Err).error.code).toBe('ODART_ERR_BAD_CREDENTIALS');
    const none = await raw('/api/alerts', {});
    expect(none.status).toBe(401);
    expect(((await none.json()) as Err).error.code).toBe('ODART_ERR_UNAUTHENTICATED');
    const forged = await raw('/api/alerts', { headers: { cookie: 'odart_sid=forged' } });
    expect(forged.status).toBe(401);
  });
  it('logout ends the session', async () => {
    const alex = await login(ts.base, 'alex');
    expect((await api(ts.base, alex, 'POST', '/api/auth/logout', {})).status).toBe(200);
    expect((await api(ts.base, alex, 'GET', '/api/alerts')).status).toBe(401);
  });
  it('the session cookie is HttpOnly and SameSite=Strict', async () => {
    const res = await raw('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-odart-csrf': '1' },
      body: JSON.stringify({ username: 'alex', password: 'demo-pass-for-tests' }),
    });
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
  });
});

describe('hostile bodies get 4xx with a code, never 500', () => {
  it.each([
    ['broken JSON', 'application/json', '{"username":', 400, 'ODART_ERR_BAD_JSON'],
    ['wrong types', 'application/json', '{"username":5,"password":[]}', 400, 'ODART_ERR_VALIDATION'],
    ['array body', 'application/json', '[1,2]', 400, 'ODART_ERR_VALIDATION'],
    ['prototype pollution', 'application/json', '{"__proto__":{"x":1},"username":"a","password":"b"}', 400, 'ODART_ERR_BAD_JSON'],
    ['unsupported type', 'text/csv', 'a,b', 415, 'ODART_ERR_UNSUPPORTED_MEDIA'],
    ['huge body', 'application/json', JSON.stringify({ username: 'x'.repeat(200_000), password: 'y' }), 413, 'ODART_ERR_PAYLOAD_TOO_LARGE'],
  ])('%s', async (_name, type, body, status, code) => {
    const res = await raw('/api/auth/login', { method: 'POST', headers: { 'content-type': type, 'x-odart-csrf': '1' }, body });
    expect(res.status).toBe(status);
    expect(((await res.json()) as Err).error.code).toBe(code);
  });
  it('an invalid resolve outcome names the field', async () => {
    const id = await raiseHelpAlert();
    const alex = await login(ts.base, 'alex');
    const res = await api<Err>(ts.base, alex, 'POST', `/api/alerts/${id}/resolve`, { outcome: 'party' });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('outcome');
  });
});

describe('alerts', () => {
  it('ack then resolve; a second resolve is 409; the timeline is append-only in order', async () => {
    const id = await raiseHelpAlert();
    const alex = await login(ts.base, 'alex');
    const sam = await login(ts.base, 'sam');
    expect((await api<{ attending: boolean }>(ts.base, alex, 'POST', `/api/alerts/${id}/ack`, {})).body.attending).toBe(true);
    const second = await api<{ attending: boolean; alert: { attendingResponderId: string } }>(
      ts.base,
      sam,
      'POST',
      `/api/alerts/${id}/ack`,
      {},
    );
    expect(second.body).toMatchObject({ attending: false, alert: { attendingResponderId: 'alex' } });
    const res = await api<{ state: string; outcome: string }>(ts.base, alex, 'POST', `/api/alerts/${id}/resolve`, {
      outcome: 'overdose_naloxone_given',
      note: 'breathing again',
    });
    expect(res.body).toMatchObject({ state: 'resolved', outcome: 'overdose_naloxone_given' });
    expect((await api<Err>(ts.base, alex, 'POST', `/api/alerts/${id}/resolve`, { outcome: 'other' })).status).toBe(409);
    expect((await api<Err>(ts.base, sam, 'POST', `/api/alerts/${id}/ack`, {})).status).toBe(409);
    const detail = await api<{ timeline: { type: string; at: string }[] }>(ts.base, alex, 'GET', `/api/alerts/${id}`);
    const types = detail.body.timeline.map((e) => e.type);
    expect(types[0]).toBe('created');
    expect(types.at(-1)).toBe('resolved');
    expect(types.filter((t) => t === 'acknowledged')).toHaveLength(2);
  });

  it('a responder not assigned to the wearer, and another service, get 404 for the alert', async () => {
    const id = await raiseHelpAlert();
    const now = ts.clock.now();
    await ts.server.repos.insertUser({
      id: 'kim',
      service_id: 'demo',
      username: 'kim',
      password_hash: await hashSecret('kim-password-1', TEST_PASSWORD_COST),
      role: 'responder',
      display_name: 'Kim',
      phone: null,
      on_duty: 1,
      created_at: now,
    });
    await ts.server.repos.insertService({ id: 'other', name: 'Other', emergency_number: '112', created_at: now });
    await ts.server.repos.insertUser({
      id: 'oa',
      service_id: 'other',
      username: 'oa',
      password_hash: await hashSecret('oa-password-12', TEST_PASSWORD_COST),
      role: 'admin',
      display_name: 'OA',
      phone: null,
      on_duty: 1,
      created_at: now,
    });
    for (const [user, pw] of [
      ['kim', 'kim-password-1'],
      ['oa', 'oa-password-12'],
    ] as const) {
      const c = await login(ts.base, user, pw);
      expect((await api<unknown[]>(ts.base, c, 'GET', '/api/alerts')).body).toEqual([]);
      expect((await api(ts.base, c, 'GET', `/api/alerts/${id}`)).status).toBe(404);
      expect((await api(ts.base, c, 'POST', `/api/alerts/${id}/ack`, {})).status).toBe(404);
      expect((await api(ts.base, c, 'POST', `/api/alerts/${id}/resolve`, { outcome: 'other' })).status).toBe(404);
    }
    expect((await api(ts.base, await login(ts.base, 'alex'), 'GET', '/api/alerts/al_doesnotexist')).status).toBe(404);
  });
});
