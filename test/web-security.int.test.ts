// Web security (issue 6.5) over real HTTP: CSRF protection on every state-changing /api route (custom
// header + Origin check; Twilio webhooks exempt, they are signature-checked), login rate limiting,
// helmet headers with a strict CSP (no inline script or style), HttpOnly SameSite cookie.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CSRF, login, startTestServer, type TestServer } from './helpers/server.js';

let ts: TestServer;
beforeEach(async () => {
  ts = await startTestServer();
});
afterEach(async () => {
  await ts.close();
});

const post = (path: string, headers: Record<string, string>, body: unknown = {}) =>
  fetch(ts.base + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('CSRF', () => {
  it('a state-changing request without the x-odart-csrf header is refused, even with a valid session cookie', async () => {
    const cookie = await login(ts.base, 'admin');
    const res = await post('/api/admin/wearers', { cookie }, { alias: 'Forged' });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('ODART_ERR_FORBIDDEN');
    expect((await post('/api/auth/login', {}, { username: 'admin', password: 'demo-pass-for-tests' })).status).toBe(403);
    expect((await ts.server.repos.db.selectFrom('wearers').select('alias').execute()).map((w) => w.alias)).not.toContain('Forged');
    // with the header it goes through
    expect((await post('/api/admin/wearers', { cookie, ...CSRF }, { alias: 'Real' })).status).toBe(201);
  });

  it('a request from another origin is refused, a same-origin one accepted', async () => {
    const cookie = await login(ts.base, 'admin');
    expect((await post('/api/admin/wearers', { cookie, ...CSRF, origin: 'https://evil.example' }, { alias: 'X' })).status).toBe(403);
    expect((await fetch(`${ts.base}/api/alerts`, { headers: { cookie, origin: 'https://evil.example' } })).status).toBe(403);
    expect((await post('/api/admin/wearers', { cookie, ...CSRF, origin: ts.base }, { alias: 'Y' })).status).toBe(201);
  });

  it('Twilio webhooks need no CSRF header (they are refused for their missing signature instead)', async () => {
    const res = await fetch(`${ts.base}/webhooks/twilio/sms`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'MessageSid=SM1&From=%2B447700900101&Body=1' });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('ODART_ERR_BAD_SIGNATURE');
  });
});

describe('login rate limit', () => {
  it('after 10 failed attempts for one username the next is 429 with Retry-After, even with the right password', async () => {
    for (let i = 0; i < 10; i++) expect((await post('/api/auth/login', CSRF, { username: 'alex', password: 'wrong-password' })).status).toBe(401);
    const res = await post('/api/auth/login', CSRF, { username: 'alex', password: 'demo-pass-for-tests' });
    expect(res.status).toBe(429);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('ODART_ERR_RATE_LIMITED');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    // another user from the same address is not locked out by alex's attempts
    expect((await post('/api/auth/login', CSRF, { username: 'sam', password: 'demo-pass-for-tests' })).status).toBe(200);
  });

  it('successful sign-ins never count: a team behind one proxy address is not locked out', async () => {
    for (let i = 0; i < 60; i++) expect((await post('/api/auth/login', CSRF, { username: i % 2 ? 'sam' : 'alex', password: 'demo-pass-for-tests' })).status).toBe(200);
  });
});

describe('headers', () => {
  it('the app is served with a strict CSP and helmet headers; the session cookie is HttpOnly and SameSite=Strict', async () => {
    const res = await fetch(`${ts.base}/api/me`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const login = await post('/api/auth/login', CSRF, { username: 'alex', password: 'demo-pass-for-tests' });
    const cookie = login.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
  });
});

describe('session', () => {
  it('logout ends the session server-side', async () => {
    const cookie = await login(ts.base, 'alex');
    expect((await fetch(`${ts.base}/api/me`, { headers: { cookie } })).status).toBe(200);
    expect((await post('/api/auth/logout', { cookie, ...CSRF })).status).toBe(200);
    expect((await fetch(`${ts.base}/api/me`, { headers: { cookie } })).status).toBe(401);
  });
});
