// Web security for the browser-facing API: helmet headers with a strict CSP (no inline script or style),
// CSRF protection for every state-changing /api request (a custom header that a cross-site form or
// fetch cannot send without a CORS preflight we never grant, plus an Origin check), and login rate limits.
// Twilio webhooks are exempt from CSRF: they carry no cookie and are signature-checked instead.
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';

export const CSRF_HEADER = 'x-odart-csrf';
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface SecurityOptions {
  publicUrl: string;
  mqttWsPath: string;
  /** login attempts per username and client address per window */
  loginMaxPerUser?: number;
  /** login attempts per client address per window, whatever the username */
  loginMaxPerIp?: number;
  loginWindowMs?: number;
}

export async function registerSecurity(app: FastifyInstance, o: SecurityOptions): Promise<void> {
  const https = o.publicUrl.startsWith('https:');
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        manifestSrc: ["'self'"],
        workerSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        // Only behind https: on plain http (local use, tests) it would break every request.
        ...(https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    hsts: https ? { maxAge: 180 * 86400, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginEmbedderPolicy: false,
  });

  const allowedOrigins = new Set([new URL(o.publicUrl).origin]);
  app.addHook('onRequest', async (req: FastifyRequest) => {
    const url = req.url;
    if (url.startsWith('/webhooks/') || url.split('?')[0] === o.mqttWsPath) return;
    // Browsers send Origin on every cross-origin request and on WebSocket upgrades: it must be ours.
    const origin = req.headers.origin;
    if (typeof origin === 'string' && url.startsWith('/api/')) {
      const host = req.headers.host;
      let ok = allowedOrigins.has(origin);
      try {
        if (!ok && host) ok = new URL(origin).host === host;
      } catch {
        ok = false;
      }
      if (!ok) throw new AppError('ODART_ERR_FORBIDDEN', 'Cross-site request refused');
    }
    if (UNSAFE.has(req.method) && url.startsWith('/api/') && req.headers[CSRF_HEADER] !== '1') {
      throw new AppError('ODART_ERR_FORBIDDEN', `Missing ${CSRF_HEADER} header`);
    }
  });

  await app.register(fastifyRateLimit, { global: false });
  const windowMs = o.loginWindowMs ?? 15 * 60_000;
  const userName = (req: FastifyRequest) => {
    const b = req.body as { username?: unknown } | undefined;
    return typeof b?.username === 'string' ? b.username.trim().toLowerCase().slice(0, 100) : '';
  };
  const perUser = app.createRateLimit({ max: o.loginMaxPerUser ?? 10, timeWindow: windowMs, keyGenerator: (req) => `login:${req.ip}:${userName(req)}` });
  const perIp = app.createRateLimit({ max: o.loginMaxPerIp ?? 50, timeWindow: windowMs, keyGenerator: (req) => `login-ip:${req.ip}` });
  const isLogin = (req: FastifyRequest) => req.method === 'POST' && req.url === '/api/auth/login';
  // Only failed sign-ins count: behind a reverse proxy every responder shares one address, and a shift
  // change of successful sign-ins must never lock the team out during an emergency.
  app.addHook('preHandler', async (req: FastifyRequest, reply: FastifyReply) => {
    if (!isLogin(req)) return;
    for (const limiter of [perUser, perIp]) {
      const r = await limiter(req, { increment: false });
      if (!r.isAllowed && r.remaining <= 0) {
        void reply.header('retry-after', String(Math.max(1, r.ttlInSeconds)));
        throw new AppError('ODART_ERR_RATE_LIMITED');
      }
    }
  });
  // Counted before the answer leaves (onSend), so the next attempt always sees this failure.
  app.addHook('onSend', async (req: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    if (isLogin(req) && reply.statusCode === 401) for (const limiter of [perUser, perIp]) await limiter(req);
    return payload;
  });
}
