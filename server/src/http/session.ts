// Session cookies: a random token in an HttpOnly, SameSite=Strict cookie; only its SHA-256 is stored.
// Ending a session (logout, expiry, sign out everywhere, disable, password reset) also closes its live sockets.
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { z } from 'zod';
import type { LiveHub } from '../alerts/index.js';
import type { Repos, UserRow, WearerRow } from '../store/index.js';
import type { Clock } from '../clock.js';

export const SESSION_COOKIE = 'odart_sid';

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

export interface CurrentSession {
  user: UserRow;
  sessionId: string;
  expiresAt: number;
}

export class Sessions {
  private readonly accounts;

  constructor(
    private readonly repos: Repos,
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly secureCookie: boolean,
    private readonly live: LiveHub,
  ) {
    this.accounts = repos.accounts;
  }

  async start(reply: FastifyReply, user: UserRow): Promise<void> {
    const token = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    await this.repos.insertSession({ id: digest(token), user_id: user.id, created_at: now, expires_at: now + this.ttlMs });
    reply.setCookie(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'strict',
      secure: this.secureCookie,
      path: '/',
      maxAge: Math.floor(this.ttlMs / 1000),
    });
  }

  async end(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const s = await this.current(req);
    const token = req.cookies[SESSION_COOKIE];
    if (token && token.length <= 100) await this.repos.deleteSession(digest(token));
    if (s) this.live.closeUser(s.user.id, s.sessionId);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
  }

  /** Every session of the user ends, on every device, and their live sockets close. */
  async endAll(userId: string): Promise<void> {
    await this.accounts.endSessionsOf(userId);
    this.live.closeUser(userId);
  }

  async current(req: FastifyRequest): Promise<CurrentSession | undefined> {
    const token = req.cookies[SESSION_COOKIE];
    if (!token || token.length > 100) return undefined;
    const sessionId = digest(token);
    const s = await this.accounts.session(sessionId, this.clock.now());
    return s && { user: s.user, sessionId, expiresAt: s.expiresAt };
  }

  async user(req: FastifyRequest): Promise<UserRow | undefined> {
    return (await this.current(req))?.user;
  }

  async require(req: FastifyRequest): Promise<UserRow> {
    const u = await this.user(req);
    if (!u) throw new AppError('ODART_ERR_UNAUTHENTICATED');
    return u;
  }

  /** A signed-in admin; anyone else signed in gets 404, so admin routes and ids leak nothing. */
  async requireAdmin(req: FastifyRequest): Promise<UserRow> {
    const u = await this.require(req);
    if (u.role !== 'admin') throw new AppError('ODART_ERR_NOT_FOUND');
    return u;
  }
}

/** `:id` route parameters. */
export const idParam = z.object({ id: z.string().min(1).max(64) });

/** A wearer of the user's own service, or 404 (another service's ids leak nothing). */
export async function ownWearer(repos: Repos, user: UserRow, id: string): Promise<WearerRow> {
  const w = await repos.wearerById(id);
  if (!w || w.service_id !== user.service_id) throw new AppError('ODART_ERR_NOT_FOUND', 'No such wearer');
  return w;
}
