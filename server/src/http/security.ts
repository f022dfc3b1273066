// Web security for the browser-facing API: helmet headers with a strict CSP (no inline script or style),
// CSRF protection for every state-changing route (a custom header that a cross-site form or fetch
// cannot send without a CORS preflight we never grant, plus an Origin check), JSON-only /api bodies,
// and login rate limits.
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

const isJson = (ct: string | undefined) => ct !== undefined && ct.split(';')[0]!.trim().toLowerCase() === 'application/json';
const hasBody = (req: FastifyRequest) =>
  req.headers['content-type'] !== undefined || req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;

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
  // Decided on the routed path (req.routeOptions.url, the route's pattern), never on req.url: the
  // router decodes "/%61pi/..." to "/api/...", so a check on the raw URL is a check on the wrong path.
  app.addHook('onRequest', async (req: FastifyRequest) => {
    const route = req.routeOptions.url;
    // No route: the not-found handler answers and nothing changes state.
    if (route === undefined || route.startsWith('/webhooks/') || route === o.mqttWsPath) return;
    const isApi = route.startsWith('/api/');
    // Browsers send Origin on every cross-origin request and on WebSocket upgrades: it must be ours.
    const origin = req.headers.origin;
    if (typeof origin === 'string' && (isApi || UNSAFE.has(req.method)) && !sameOrigin(origin, req.headers.host)) {
      throw new AppError('ODART_ERR_FORBIDDEN', 'Cross-site request refused');
    }
    if (!UNSAFE.has(req.method)) return;
    if (req.headers[CSRF_HEADER] !== '1') throw new AppError('ODART_ERR_FORBIDDEN', `Missing ${CSRF_HEADER} header`);
    // JSON only: form and text/plain bodies are what a cross-site form can send, and nothing under
    // /api needs them (the form-encoded Twilio webhooks live under /webhooks/).
    if (isApi && hasBody(req) && !isJson(req.headers['content-type'])) throw new AppError('ODART_ERR_UNSUPPORTED_MEDIA', 'Send the body as application/json');
  });
  const sameOrigin = (origin: string, host: string | undefined) => {
    if (allowedOrigins.has(origin)) return true;
    try {
      return host !== undefined && new URL(origin).host === host;
    } catch {
      return false;
    }
  };

  await app.register(fastifyRateLimit, { global: false });
  const windowMs = o.loginWindowMs ?? 15 * 60_000;
  const userName = (req: FastifyRequest) => {
    const b = req.body as { username?: unknown } | undefined;
    return typeof b?.username === 'string' ? b.username.trim().toLowerCase().slice(0, 100) : '';
  };
  const perUser = app.createRateLimit({ max: o.loginMaxPerUser ?? 10, timeWindow: windowMs, keyGenerator: (req) => `login:${req.ip}:${userName(req)}` });
  const perIp = app.createRateLimit({ max: o.loginMaxPerIp ?? 50, timeWindow: windowMs, keyGenerator: (req) => `login-ip:${req.ip}` });
  const isLogin = (req: FastifyRequest) => req.method === 'POST' && req.routeOptions.url === '/api/auth/login';
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
