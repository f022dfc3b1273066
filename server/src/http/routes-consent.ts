// The wearer's personal consent page talks to these. The token (from the link's #fragment, so it never
// appears in a request line or a log) travels in the body and is the only credential: no cookie, no
// session, so cross-site forgery has nothing to ride on. Unknown tokens answer 404, expired ones 410.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CONSENT_VERSION } from '../consent/index.js';
import { AppError } from '../errors.js';
import type { HttpDeps } from './app.js';
import { consentView } from './routes-console.js';
import { monitoringOf } from './monitored.js';
import type { ConsentInfo } from '@odart/protocol/api';

const token = z.string().min(20).max(100);
export const lookupBody = z.object({ token }).strict();
export const actBody = z.discriminatedUnion('action', [
  z.object({ token, action: z.literal('opt_in'), version: z.string().max(40) }).strict(),
  z.object({ token, action: z.literal('opt_out') }).strict(),
  z
    .object({
      token,
      action: z.literal('pause'),
      minutes: z
        .number()
        .int()
        .min(15)
        .max(72 * 60),
    })
    .strict(),
  z.object({ token, action: z.literal('resume') }).strict(),
]);

/** What the consent routes use: their slice of HttpDeps. */
export type ConsentRouteDeps = Pick<HttpDeps, 'clock' | 'consent' | 'repos'>;

/** The consent routes, a fastify plugin: app.ts registers it with `app.register(consentRoutes, deps)`. */
export async function consentRoutes(app: FastifyInstance, d: ConsentRouteDeps): Promise<void> {
  const limiter = app.createRateLimit({ max: 60, timeWindow: 15 * 60_000, keyGenerator: (req) => `consent:${req.ip}` });
  const wearerFor = async (t: string) => {
    const w = await d.consent.linkFor(t);
    if (w === 'expired') throw new AppError('ODART_ERR_LINK_EXPIRED', 'This link has expired. Ask your service for a new one.');
    if (!w) throw new AppError('ODART_ERR_NOT_FOUND', 'This link is not valid any more. Ask your service for a new one.');
    return w;
  };
  const view = async (w: NonNullable<Awaited<ReturnType<typeof wearerFor>>>): Promise<ConsentInfo> => {
    const service = await d.repos.serviceById(w.service_id);
    return {
      ...consentView(w),
      alias: w.alias,
      serviceName: service?.name ?? '',
      currentVersion: CONSENT_VERSION,
      monitoring: await monitoringOf(d.repos, w.id, d.clock.now()),
    };
  };
  const limit = async (req: Parameters<typeof limiter>[0]) => {
    const r = await limiter(req);
    if (!r.isAllowed && r.isExceeded) throw new AppError('ODART_ERR_RATE_LIMITED');
  };

  app.post('/api/consent/lookup', async (req) => {
    await limit(req);
    return view(await wearerFor(lookupBody.parse(req.body).token));
  });

  app.post('/api/consent/act', async (req) => {
    await limit(req);
    const b = actBody.parse(req.body);
    const w = await wearerFor(b.token);
    switch (b.action) {
      case 'opt_in':
        return view(await d.consent.optIn(w.id, 'web', b.version));
      case 'opt_out':
        return view(await d.consent.optOut(w.id, 'web'));
      case 'pause':
        return view(await d.consent.pause(w.id, b.minutes * 60_000, 'web'));
      case 'resume':
        return view(await d.consent.resume(w.id, 'web'));
      default:
        return b satisfies never;
    }
  });
}
