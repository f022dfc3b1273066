// Web security for the browser-facing API: helmet headers with a strict CSP (no inline script or style),
// CSRF protection for every state-changing route (a custom header that a cross-site form or fetch
// cannot send without a CORS preflight we never grant, plus an Origin check), JSON-only /api bodies.
// Twilio webhooks are exempt from CSRF: they carry no cookie and are signature-checked instead.
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';

export const CSRF_HEADER = 'x-odart-csrf';
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface SecurityOptions {
  publicUrl: string;
  mqttWsPath: string;
}

const isJson = (ct: string | undefined) => ct !== undefined && ct.split(';')[0]!.trim().toLowerCase() === 'application/json';
const hasBody = (req: FastifyRequest) =>
  req.headers['content-type'] !== undefined ||
  req.headers['transfer-encoding'] !== undefined ||
  Number(req.headers['content-length'] ?? 0) > 0;

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
    if (isApi && hasBody(req) && !isJson(req.headers['content-type']))
      throw new AppError('ODART_ERR_UNSUPPORTED_MEDIA', 'Send the body as application/json');
  });
  const sameOrigin = (origin: string, host: string | undefined) => {
    if (allowedOrigins.has(origin)) return true;
    try {
      return host !== undefined && new URL(origin).host === host;
    } catch {
      return false;
    }
  };

  // Sign-in limits live with the route (routes-auth.ts, auth/login-throttle.ts); the plugin stays
  // registered for any route that wants `app.createRateLimit`.
  await app.register(fastifyRateLimit, { global: false });
}
