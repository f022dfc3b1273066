// Sign in and out with a session cookie; failed sign-ins back off per account and per address
// (auth/login-throttle.ts), except for browsers that signed in as that account before.
import { createHash, randomBytes } from 'node:crypto';
import type { User } from '@odart/protocol/api';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { LoginAttempt, LoginThrottle } from '../auth/login-throttle.js';
import { generateSecret, hashSecret, needsRehash, verifySecret } from '../auth/secrets.js';
import { AppError } from '../errors.js';
import type { UserRow } from '../store/index.js';
import type { HttpDeps } from './app.js';
import type { Sessions } from './session.js';

export const loginBody = z.object({ username: z.string().min(1).max(100), password: z.string().min(1).max(200) });

/** Trusted-device tokens of the accounts that signed in on this browser (newest first). */
export const DEVICE_COOKIE = 'odart_trust';
const DEVICE_COOKIE_MAX = 5;
const DEVICE_TTL_S = 180 * 86400;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const digest = (token: string) => createHash('sha256').update(token).digest('hex');

export function userView(u: { id: string; username: string; role: User['role']; display_name: string; service_id: string }): User {
  return { id: u.id, username: u.username, role: u.role, displayName: u.display_name, serviceId: u.service_id };
}

/** What the sign-in routes use: their slice of HttpDeps and what app.ts shares among domains. */
export type AuthRouteDeps = Pick<HttpDeps, 'clock' | 'config' | 'repos'> & { sessions: Sessions; throttle: LoginThrottle };

/** The sign-in routes, a fastify plugin: app.ts registers it with `app.register(authRoutes, deps)`. */
export async function authRoutes(app: FastifyInstance, d: AuthRouteDeps): Promise<void> {
  const { sessions, throttle } = d;
  const accounts = d.repos.accounts;
  const secure = d.config.PUBLIC_URL.startsWith('https:');
  // Compared against when the user does not exist, at the same cost, so timing does not reveal which usernames exist.
  let dummy: Promise<string> | null = null;
  const dummyHash = () => (dummy ??= hashSecret(generateSecret(), d.config.passwordCost));

  const deviceTokens = (req: FastifyRequest) =>
    (req.cookies[DEVICE_COOKIE] ?? '')
      .split('.')
      .filter((t) => TOKEN.test(t))
      .slice(0, DEVICE_COOKIE_MAX);
  const trustedDevice = async (tokens: string[], user: UserRow | undefined) => {
    if (!user) return undefined;
    for (const t of tokens) if ((await accounts.loginDeviceUser(digest(t))) === user.id) return t;
    return undefined;
  };
  const remember = async (reply: FastifyReply, tokens: string[], user: UserRow, known: string | undefined) => {
    const token = known ?? randomBytes(32).toString('base64url');
    await accounts.rememberLoginDevice(digest(token), user.id, d.clock.now());
    const list = [token, ...tokens.filter((t) => t !== token)].slice(0, DEVICE_COOKIE_MAX);
    reply.setCookie(DEVICE_COOKIE, list.join('.'), { httpOnly: true, sameSite: 'strict', secure, path: '/api/auth', maxAge: DEVICE_TTL_S });
  };

  app.post('/api/auth/login', async (req, reply) => {
    const body = loginBody.parse(req.body);
    const user = await d.repos.userByUsername(body.username);
    const tokens = deviceTokens(req);
    const known = await trustedDevice(tokens, user);
    const attempt: LoginAttempt = { account: body.username.trim().toLowerCase(), address: req.ip, device: known && digest(known) };
    const wait = throttle.waitMs(attempt);
    if (wait > 0) {
      void reply.header('retry-after', String(Math.ceil(wait / 1000)));
      throw new AppError('ODART_ERR_RATE_LIMITED', 'Too many failed sign-ins; try again shortly');
    }
    const ok = await verifySecret(body.password, user?.password_hash ?? (await dummyHash()));
    // A disabled account gets the same answer as a wrong password: no oracle for either.
    if (!user || !ok || user.disabled_at !== null) {
      throttle.failed(attempt);
      throw new AppError('ODART_ERR_BAD_CREDENTIALS');
    }
    throttle.succeeded(attempt);
    if (needsRehash(user.password_hash, d.config.passwordCost)) {
      await accounts.setPasswordHash(user.id, await hashSecret(body.password, d.config.passwordCost));
    }
    await sessions.start(reply, user);
    await remember(reply, tokens, user, known);
    return { user: userView(user) };
  });

  app.post('/api/auth/logout', async (req, reply) => {
    await sessions.end(req, reply);
    return { ok: true };
  });

  // The user themself, e.g. after losing a phone: every session and socket ends, this one too.
  app.post('/api/auth/logout-everywhere', async (req, reply) => {
    const user = await sessions.require(req);
    await sessions.endAll(user.id);
    await accounts.forgetLoginDevicesOf(user.id);
    reply.clearCookie(DEVICE_COOKIE, { path: '/api/auth' });
    await sessions.end(req, reply);
    return { ok: true };
  });

  app.get('/api/me', async (req) => {
    const user = await sessions.require(req);
    return { user: userView(user) };
  });
}
