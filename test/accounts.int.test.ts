// Sessions that can be revoked and people a service can manage (security review 2027-01, item 8), over
// real HTTP and WebSocket: logout and expiry close live sockets; disable/enable, password reset and
// sign out everywhere end every session and socket of the user; all of it scoped to the admin's service.
import type WebSocket from 'ws';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { api, liveClient, login, loginOtherServiceAdmin, settle, startTestServer, until, type TestServer } from './helpers/server.js';

let ts: TestServer;
let admin: string;
beforeEach(async () => {
  ts = await startTestServer();
  admin = await login(ts.base, 'admin');
});
afterEach(async () => {
  await ts.close();
});

const closed = (ws: WebSocket) =>
  new Promise<number>((resolve) => {
    if (ws.readyState === ws.CLOSED) resolve(-1);
    ws.once('close', (code) => resolve(code));
  });
const me = async (cookie: string) => (await fetch(`${ts.base}/api/me`, { headers: { cookie } })).status;
const signIn = (username: string, password: string) =>
  fetch(`${ts.base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-odart-csrf': '1' },
    body: JSON.stringify({ username, password }),
  });
/** Live connections the hub would deliver the user's events to. */
const reach = (userId: string) => ts.server.live.connectionsOf(userId);

describe('live sockets end with their session', () => {
  it('logout closes the socket of that session only; the same user on another device stays connected', async () => {
    const phone = await login(ts.base, 'alex');
    const laptop = await login(ts.base, 'alex');
    const a = await liveClient(ts.base, phone);
    const b = await liveClient(ts.base, laptop);
    const aClosed = closed(a.ws);
    expect((await api(ts.base, phone, 'POST', '/api/auth/logout')).status).toBe(200);
    expect(await aClosed).toBe(4401);
    expect(b.ws.readyState).toBe(b.ws.OPEN);
    expect(reach('alex')).toBe(1);
    b.ws.close();
  });

  it("an expired session's socket is closed when the session ends (virtual clock) and gets nothing more", async () => {
    const alex = await login(ts.base, 'alex');
    // The session ends 5 s from now (instead of SESSION_TTL_H: hours of virtual ticks for nothing).
    await ts.server.repos.db
      .updateTable('sessions')
      .set({ expires_at: ts.clock.now() + 5000 })
      .execute();
    const c = await liveClient(ts.base, alex);
    const done = closed(c.ws);
    ts.clock.advance(4000);
    await settle(ts);
    expect(c.ws.readyState).toBe(c.ws.OPEN);
    ts.clock.advance(1000);
    expect(await done).toBe(4401);
    expect(reach('alex')).toBe(0);
    expect(await me(alex)).toBe(401);
  });
});

describe('admin: disable and enable a user', () => {
  it('a disabled user is signed out everywhere, cannot sign in, and is not paged; enabling lets them back', async () => {
    const alex = await login(ts.base, 'alex');
    const c = await liveClient(ts.base, alex);
    const done = closed(c.ws);
    const r = await api<{ disabled: boolean }>(ts.base, admin, 'POST', '/api/admin/users/alex/disable');
    expect(r.status).toBe(200);
    expect(r.body.disabled).toBe(true);
    expect(await done).toBe(4401);
    expect(await me(alex)).toBe(401);
    const bad = await signIn('alex', 'demo-pass-for-tests');
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('ODART_ERR_BAD_CREDENTIALS');
    const list = await api<{ id: string; disabled: boolean }[]>(ts.base, admin, 'GET', '/api/admin/users');
    expect(list.body.find((u) => u.id === 'alex')?.disabled).toBe(true);

    // Demo chain: alex first, 60 s, then sam. Alex is unreachable, so sam is paged at once.
    await ts.server.alerts.handle([
      { kind: 'responder_alert', wearerId: 'demo-wearer', t: ts.clock.now(), score: 90, reasons: ['no breathing 30 s'], news2: null },
    ]);
    await settle(ts);
    await until(async () => (await api<{ to: string }[]>(ts.base, admin, 'GET', '/api/outbox')).body.length > 0);
    expect((await api<{ to: string }[]>(ts.base, admin, 'GET', '/api/outbox')).body.map((m) => m.to)).toEqual(['+447700900102']);

    expect((await api(ts.base, admin, 'POST', '/api/admin/users/alex/enable')).status).toBe(200);
    expect((await signIn('alex', 'demo-pass-for-tests')).status).toBe(200);
  });

  it('an admin cannot disable themself', async () => {
    const r = await api<{ error: { code: string } }>(ts.base, admin, 'POST', '/api/admin/users/admin/disable');
    expect(r.status).toBe(403);
    expect((await signIn('admin', 'demo-pass-for-tests')).status).toBe(200);
  });
});

describe('admin: password reset', () => {
  it("a generated password is shown once; the old one stops working and the user's sessions end", async () => {
    const alex = await login(ts.base, 'alex');
    const c = await liveClient(ts.base, alex);
    const done = closed(c.ws);
    const r = await api<{ password: string }>(ts.base, admin, 'POST', '/api/admin/users/alex/password', {});
    expect(r.status).toBe(200);
    expect(r.body.password.length).toBeGreaterThanOrEqual(16);
    expect(await done).toBe(4401);
    expect(await me(alex)).toBe(401);
    expect((await signIn('alex', 'demo-pass-for-tests')).status).toBe(401);
    expect((await signIn('alex', r.body.password)).status).toBe(200);
    const stored = (await ts.server.repos.userById('alex'))!.password_hash;
    expect(stored).not.toContain(r.body.password);
  });

  it('an admin-chosen password is set and not echoed; too short is refused', async () => {
    expect((await api(ts.base, admin, 'POST', '/api/admin/users/sam/password', { password: 'short' })).status).toBe(400);
    const r = await api<Record<string, unknown>>(ts.base, admin, 'POST', '/api/admin/users/sam/password', {
      password: 'a-new-password-for-sam',
    });
    expect(r.status).toBe(200);
    expect(r.body).not.toHaveProperty('password');
    expect((await signIn('sam', 'a-new-password-for-sam')).status).toBe(200);
  });
});

describe('sign out everywhere', () => {
  it('an admin signs a user out of every device', async () => {
    const one = await login(ts.base, 'sam');
    const two = await login(ts.base, 'sam');
    const c = await liveClient(ts.base, two);
    const done = closed(c.ws);
    expect((await api(ts.base, admin, 'POST', '/api/admin/users/sam/logout-everywhere')).status).toBe(200);
    expect(await done).toBe(4401);
    expect(await me(one)).toBe(401);
    expect(await me(two)).toBe(401);
    expect((await signIn('sam', 'demo-pass-for-tests')).status).toBe(200);
  });

  it('a user signs themself out everywhere, this session included', async () => {
    const one = await login(ts.base, 'alex');
    const two = await login(ts.base, 'alex');
    expect((await api(ts.base, two, 'POST', '/api/auth/logout-everywhere')).status).toBe(200);
    expect(await me(one)).toBe(401);
    expect(await me(two)).toBe(401);
    expect(await me(admin)).toBe(200);
  });
});

describe('scoping', () => {
  it("another service's admin and a responder get 404 on every account route; nothing changes", async () => {
    const other = await loginOtherServiceAdmin(ts);
    const alex = await login(ts.base, 'alex');
    for (const p of ['disable', 'enable', 'password', 'logout-everywhere']) {
      expect((await api(ts.base, other, 'POST', `/api/admin/users/sam/${p}`, {})).status, p).toBe(404);
      expect((await api(ts.base, alex, 'POST', `/api/admin/users/sam/${p}`, {})).status, p).toBe(404);
      expect((await api(ts.base, admin, 'POST', `/api/admin/users/other-admin/${p}`, {})).status, p).toBe(404);
    }
    expect((await signIn('sam', 'demo-pass-for-tests')).status).toBe(200);
    expect((await signIn('otheradmin', 'other-password-1')).status).toBe(200);
  });
});

describe('password hashes', () => {
  it('a hash below the configured cost is replaced on the next successful sign-in', async () => {
    const t2 = await startTestServer({ env: { PASSWORD_SCRYPT_LOG2N: '12' } });
    try {
      expect((await t2.server.repos.userById('alex'))!.password_hash.startsWith('scrypt$4096$')).toBe(true);
      const { hashSecret } = await import('../server/src/auth/secrets.js');
      await t2.server.repos.db
        .updateTable('users')
        .set({ password_hash: await hashSecret('old-password-1', { N: 1024, r: 8, p: 1 }) })
        .where('id', '=', 'alex')
        .execute();
      await login(t2.base, 'alex', 'old-password-1');
      const stored = (await t2.server.repos.userById('alex'))!.password_hash;
      expect(stored.startsWith('scrypt$4096$8$1$')).toBe(true);
      await login(t2.base, 'alex', 'old-password-1');
    } finally {
      await t2.close();
    }
  });
});

describe('usernames (global: sign-in is by username alone)', () => {
  it('"not available" says nothing about whose name it is, and an admin cannot list names by probing', async () => {
    const other = await loginOtherServiceAdmin(ts);
    const create = (cookie: string, username: string) =>
      api<{ error: { code: string; message: string } }>(ts.base, cookie, 'POST', '/api/admin/users', {
        username,
        password: 'a-long-password-1',
        role: 'responder',
        displayName: 'X',
      });
    const own = await create(admin, 'alex');
    const foreign = await create(other, 'alex');
    expect(own.status).toBe(409);
    expect(foreign).toEqual(own);
    expect(JSON.stringify(foreign.body)).not.toMatch(/demo|service|taken/i);
    for (let i = 0; i < 9; i++) expect((await create(other, i % 2 ? 'sam' : 'admin')).status).toBe(409);
    const probe = await create(other, 'alex');
    expect(probe.status).toBe(429);
    expect(probe.body.error.code).toBe('ODART_ERR_RATE_LIMITED');
    // a free name still works for that admin after the hour; the demo admin was never limited
    expect((await create(admin, 'newperson')).status).toBe(201);
    ts.clock.advance(3600_000);
    expect((await create(other, 'otherperson')).status).toBe(201);
  });
});
