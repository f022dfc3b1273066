// Operational routes: health, metrics and the fake SMS outbox.
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';
import type { HttpDeps } from './app.js';
import type { Sessions } from './session.js';

export function registerOpsRoutes(app: FastifyInstance, d: HttpDeps, sessions: Sessions): void {
  app.get('/healthz', async (_req, reply) => {
    const ok = await d.ready().catch(() => false);
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'starting' });
  });

  app.get('/metrics', async (_req, reply) => {
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
