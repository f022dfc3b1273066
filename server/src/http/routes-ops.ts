// Operational routes: health, metrics and the fake SMS outbox.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import type { HttpDeps } from './app.js';
import type { Sessions } from './session.js';

/** What the health, readiness and metrics routes use: their slice of HttpDeps and what app.ts shares among domains. */
export type OpsRouteDeps = Pick<HttpDeps, 'config' | 'metrics' | 'ready' | 'repos' | 'sms' | 'coreStatus'> & { sessions: Sessions };

/** The health, readiness and metrics routes, a fastify plugin: app.ts registers it with `app.register(opsRoutes, deps)`. */
export async function opsRoutes(app: FastifyInstance, d: OpsRouteDeps): Promise<void> {
  const { sessions } = d;
  app.get('/healthz', async (_req, reply) => {
    const ok = await d.ready().catch(() => false);
    // every node answers with its role (DESIGN.md); a standby is healthy: it serves HTTP and takes over when needed
    const core = d.coreStatus?.();
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'starting', ...(core ?? {}) });
  });

  // Metrics name devices, alert counts and error rates: a scraper's token, not open to the world.
  // Hashed first so the comparison is constant-time whatever the lengths.
  const token = d.config.METRICS_TOKEN;
  const tokenDigest = token === undefined ? null : createHash('sha256').update(token).digest();
  const bearer = (req: FastifyRequest) => {
    const m = /^Bearer ([\x21-\x7e]{1,200})$/.exec(req.headers.authorization ?? '');
    return m?.[1] !== undefined && tokenDigest !== null && timingSafeEqual(createHash('sha256').update(m[1]).digest(), tokenDigest);
  };
  app.get('/metrics', async (req, reply) => {
    if (tokenDigest === null && d.config.NODE_ENV === 'production')
      throw new AppError('ODART_ERR_FORBIDDEN', 'Set METRICS_TOKEN to serve /metrics');
    if (tokenDigest !== null && !bearer(req)) {
      void reply.header('www-authenticate', 'Bearer');
      throw new AppError('ODART_ERR_UNAUTHENTICATED', 'Send Authorization: Bearer <METRICS_TOKEN>');
    }
    const core = d.coreStatus?.();
    if (core) {
      d.metrics.coreActive.set(core.role === 'active' ? 1 : 0);
      d.metrics.coreSeen.set(core.coreActive ? 1 : 0);
      d.metrics.coreEpoch.set(core.epoch ?? 0);
      d.metrics.coreLeaseAge.set(core.leaseAgeMs === null ? -1 : core.leaseAgeMs / 1000);
      d.metrics.coreHolderKnown.set(core.holderKnown ? 1 : 0);
      d.metrics.coreLeaseFailures.set(core.leaseFailures);
      d.metrics.coreLag.set(core.lagMs / 1000);
    }
    return reply.type(d.metrics.registry.contentType).send(await d.metrics.registry.metrics());
  });

  app.get('/api/outbox', async (req) => {
    const user = await sessions.require(req);
    // Admin only; and it exists only while the fake provider is in use.
    if (user.role !== 'admin' || d.sms.provider !== 'fake') throw new AppError('ODART_ERR_NOT_FOUND');
    // Only the caller's own service: the outbox holds consent links and alert texts.
    const rows = await d.repos.listOutbox(user.service_id);
    return rows.map((r) => ({ sid: r.sid, to: r.to, body: r.body, at: new Date(r.at).toISOString() }));
  });
}
