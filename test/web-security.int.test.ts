// Web security (issue 6.5) over real HTTP: CSRF protection on every state-changing /api route (custom
// header + Origin check; Twilio webhooks exempt, they are signature-checked), login rate limiting,
// helmet headers with a strict CSP (no inline script or style), HttpOnly SameSite cookie.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
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
    const res = await fetch(`${ts.base}/webhooks/twilio/sms`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'MessageSid=SM1&From=%2B447700900101&Body=1',
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('ODART_ERR_BAD_SIGNATURE');
  });
});

describe('login rate limit', () => {
  it('after 5 failed attempts for one username the next is 429 with Retry-After, even with the right password', async () => {
    for (let i = 0; i < 5; i++)
      expect((await post('/api/auth/login', CSRF, { username: 'alex', password: 'wrong-password' })).status).toBe(401);
    const res = await post('/api/auth/login', CSRF, { username: 'alex', password: 'demo-pass-for-tests' });
    expect(res.status).toBe(429);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('ODART_ERR_RATE_LIMITED');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    // another user from the same address is not locked out by alex's attempts
    expect((await post('/api/auth/login', CSRF, { username: 'sam', password: 'demo-pass-for-tests' })).status).toBe(200);
  });

  it('successful sign-ins never count: a team behind one proxy address is not locked out', async () => {
    for (let i = 0; i < 60; i++)
      expect((await post('/api/auth/login', CSRF, { username: i % 2 ? 'sam' : 'alex', password: 'demo-pass-for-tests' })).status).toBe(200);
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

// Security review (2027-01): the checks ran on the raw URL while the router decodes it, so an encoded
// path ("/%61pi/...") skipped CSRF, Origin and the login limit; /api also took form and text bodies.
describe('checks on the routed path', () => {
  const form = (path: string, headers: Record<string, string>, body: string) =>
    fetch(ts.base + path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });

  it('an encoded path with a plain form body and no CSRF header does not create an admin', async () => {
    const cookie = await login(ts.base, 'admin');
    const res = await form('/%61pi/admin/users', { cookie }, 'username=mallory&password=mallory-password-1&role=admin&displayName=M');
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('ODART_ERR_FORBIDDEN');
    expect(await ts.server.repos.userByUsername('mallory')).toBeUndefined();
  });

  it('every state-changing /api route wants the header, however the path is spelled', async () => {
    const cookie = await login(ts.base, 'admin');
    for (const p of [
      '/%61pi/admin/wearers',
      '/api/admin/%77earers',
      '/%61pi/auth/logout',
      '/%61pi/consent/act',
      '/%61pi/admin/chains',
      '/%61pi/alerts/x/ack',
    ]) {
      expect((await post(p, { cookie }, {})).status, p).toBe(403);
    }
    // the session was not ended by the forged logout
    expect((await fetch(`${ts.base}/api/me`, { headers: { cookie } })).status).toBe(200);
  });

  it('a foreign Origin is refused on an encoded path, for a request and for the live WebSocket', async () => {
    const cookie = await login(ts.base, 'alex');
    const evil = { origin: 'https://evil.example' };
    expect((await post('/%61pi/alerts/a1/ack', { cookie, ...CSRF, ...evil })).status).toBe(403);
    expect((await fetch(`${ts.base}/%61pi/alerts`, { headers: { cookie, ...evil } })).status).toBe(403);
    const ws = new WebSocket(`${ts.base.replace('http', 'ws')}/%61pi/live`, { headers: { cookie, ...evil } });
    const status = await new Promise<number>((resolve) => {
      ws.once('open', () => resolve(101));
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('error', () => resolve(0));
    });
    ws.terminate();
    expect(status).toBe(403);
  });

  it('/api takes JSON bodies only: a form or text body is 415 even with the CSRF header', async () => {
    const cookie = await login(ts.base, 'admin');
    const res = await form(
      '/api/admin/users',
      { cookie, ...CSRF },
      'username=mallory&password=mallory-password-1&role=admin&displayName=M',
    );
    expect(res.status).toBe(415);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('ODART_ERR_UNSUPPORTED_MEDIA');
    const text = await fetch(`${ts.base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', ...CSRF },
      body: '{"username":"alex","password":"demo-pass-for-tests"}',
    });
    expect(text.status).toBe(415);
    expect(await ts.server.repos.userByUsername('mallory')).toBeUndefined();
    // a JSON body with a charset is fine
    const ok = await fetch(`${ts.base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...CSRF },
      body: '{"username":"alex","password":"demo-pass-for-tests"}',
    });
    expect(ok.status).toBe(200);
  });

  it('the signed webhooks keep their form bodies and skip CSRF, on an encoded path too', async () => {
    const res = await form('/%77ebhooks/twilio/sms', {}, 'MessageSid=SM1&From=%2B447700900101&Body=1');
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('ODART_ERR_BAD_SIGNATURE');
  });

  it('failed sign-ins count however the login path is spelled (query string, encoded path)', async () => {
    const paths = ['/api/auth/login?x=1', '/%61pi/auth/login', '/api/auth/%6cogin?y', '/api/auth/login'];
    for (let i = 0; i < 12; i++) {
      const r = await post(paths[i % paths.length]!, CSRF, { username: 'alex', password: 'wrong-password' });
      expect([401, 429]).toContain(r.status);
    }
    expect((await post('/api/auth/login?z=2', CSRF, { username: 'alex', password: 'demo-pass-for-tests' })).status).toBe(429);
  });
});

describe('/metrics', () => {
  it('with METRICS_TOKEN set, /metrics wants Authorization: Bearer <token>', async () => {
    const token = 'metrics-token-for-tests-0123456789';
    const t2 = await startTestServer({ env: { METRICS_TOKEN: token } });
    try {
      const none = await fetch(`${t2.base}/metrics`);
      expect(none.status).toBe(401);
      expect(((await none.json()) as { error: { code: string } }).error.code).toBe('ODART_ERR_UNAUTHENTICATED');
      expect((await fetch(`${t2.base}/metrics`, { headers: { authorization: 'Bearer wrong-token' } })).status).toBe(401);
      expect((await fetch(`${t2.base}/%6detrics`)).status).toBe(401);
      const ok = await fetch(`${t2.base}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('odart_mqtt_clients');
    } finally {
      await t2.close();
    }
  });

  it('in production without METRICS_TOKEN, /metrics is refused', async () => {
    const t2 = await startTestServer({
      env: {
        NODE_ENV: 'production',
        PASSWORD_SCRYPT_LOG2N: '17',
        DEMO_PASSWORD: '',
        DEMO_DEVICE_SECRET: '',
        TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
        TWILIO_AUTH_TOKEN: 'x',
        TWILIO_FROM: '+447700900000',
      },
    });
    try {
      expect((await fetch(`${t2.base}/metrics`)).status).toBe(403);
    } finally {
      await t2.close();
    }
  });
});

// Failed sign-ins back off per account and per address, separately; a browser that signed in as the
// account before is judged on its own record, so neither an attacker nor a shared proxy address locks
// a responder out of the phone they use (docs/operations.md, "Sign-in limits").
describe('sign-in backoff', () => {
  const attempt = async (username: string, password: string, o: { trust?: string; xff?: string; base?: string } = {}) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...CSRF };
    if (o.trust) headers.cookie = o.trust;
    if (o.xff) headers['x-forwarded-for'] = o.xff;
    const res = await fetch(`${o.base ?? ts.base}/api/auth/login`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ username, password }),
    });
    const trust = res.headers
      .getSetCookie()
      .find((c) => c.startsWith('odart_trust='))
      ?.split(';')[0];
    return { status: res.status, retryAfter: Number(res.headers.get('retry-after') ?? 0), trust };
  };
  const PW = 'demo-pass-for-tests';

  it('failures from one address lock out new browsers there, not a colleague on a browser they signed in on before', async () => {
    const alex = await attempt('alex', PW);
    expect(alex.trust).toBeDefined();
    for (let i = 0; i < 60; i++) expect([401, 429]).toContain((await attempt(`guess${i}`, 'wrong-password')).status);
    expect((await attempt('sam', PW)).status).toBe(429);
    expect((await attempt('alex', PW, { trust: alex.trust! })).status).toBe(200);
  });

  it('an attacker hammering one name does not lock that responder out of their own phone', async () => {
    const phone = await attempt('alex', PW);
    const mallory = await attempt('sam', PW); // the attacker's own account: its cookie vouches for sam only
    for (let i = 0; i < 30; i++) await attempt('alex', `guess-${i}`, { trust: mallory.trust! });
    expect((await attempt('alex', PW, { trust: mallory.trust! })).status).toBe(429);
    expect((await attempt('alex', PW)).status).toBe(429);
    expect((await attempt('alex', PW, { trust: phone.trust! })).status).toBe(200);
  });

  it('the backoff runs on the server clock, doubles, and is capped at 5 minutes', async () => {
    for (let i = 0; i < 5; i++) expect((await attempt('alex', 'wrong-password')).status).toBe(401);
    const first = await attempt('alex', 'wrong-password');
    expect(first.status).toBe(429);
    expect(first.retryAfter).toBe(1);
    let last = first.retryAfter;
    for (let i = 0; i < 15; i++) {
      ts.clock.advance(last * 1000);
      expect((await attempt('alex', 'wrong-password')).status).toBe(401);
      const r = await attempt('alex', PW);
      expect(r.status).toBe(429);
      expect(r.retryAfter).toBeLessThanOrEqual(300);
      last = r.retryAfter;
    }
    expect(last).toBe(300);
    ts.clock.advance(300_000);
    expect((await attempt('alex', PW)).status).toBe(200);
  });

  it('X-Forwarded-For is believed only from TRUST_PROXY addresses', async () => {
    // Not trusted by default: a rotating header does not buy an attacker fresh address budgets.
    for (let i = 0; i < 55; i++) await attempt(`guess${i}`, 'wrong-password', { xff: `198.51.100.${i}` });
    expect((await attempt('sam', PW, { xff: '198.51.100.200' })).status).toBe(429);

    const t2 = await startTestServer({ env: { TRUST_PROXY: '127.0.0.1' } });
    try {
      for (let i = 0; i < 55; i++) await attempt(`guess${i}`, 'wrong-password', { xff: '203.0.113.7', base: t2.base });
      expect((await attempt('sam', PW, { xff: '203.0.113.7', base: t2.base })).status).toBe(429);
      expect((await attempt('sam', PW, { xff: '203.0.113.8', base: t2.base })).status).toBe(200);
    } finally {
      await t2.close();
    }
  });
});
