// Alarm-centre hand-off endpoints (issue 17, docs/api.md "Hand-off"): a service's admins register the
// centres a chain step may hand an alert to (`{"type":"handoff","id":...}`), and the centres answer at
// POST /webhooks/handoff/:endpointId (notify/handoff/webhooks.ts, mounted in routes-webhooks.ts).
// The secret is write-only: every answer shows it masked. URL rule: https, or http to localhost
// (127.0.0.1, ::1, `localhost`) when NODE_ENV is not production.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { chainHandoffIds, chainSchema } from '../escalation/index.js';
import { en } from '../messages/en.js';
import { isAllowedHandoffUrl, type HandoffAnswers } from '../notify/index.js';
import type { HandoffEndpointRow } from '../store/index.js';
import type { HandoffEndpointView } from '@odart/protocol/api';
import type { HttpDeps } from './app.js';
import { idParam, type Sessions } from './session.js';

const name = z.string().trim().min(1).max(80);
const url = z.string().trim().min(1).max(2048);
const secret = z.string().min(16, 'at least 16 characters').max(200);
const format = z.enum(['json', 'cap']);
export const createBody = z.object({ name, url, secret, format }).strict();
export const updateBody = z
  .object({ name: name.optional(), url: url.optional(), secret: secret.optional(), format: format.optional() })
  .strict();

/** The secret as shown: never itself, only its length hidden behind its last four characters. */
export const maskSecret = (s: string) => `••••${s.slice(-4)}`;

function view(r: HandoffEndpointRow): HandoffEndpointView {
  return {
    id: r.id,
    name: r.name,
    url: r.url,
    format: r.format,
    secret: maskSecret(r.secret),
    webhookPath: `/webhooks/handoff/${r.id}`,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

/** What the hand-off routes use. */
export type HandoffRouteDeps = Pick<HttpDeps, 'repos' | 'clock' | 'ids' | 'config' | 'escalator'> & { sessions: Sessions };

export async function handoffRoutes(app: FastifyInstance, d: HandoffRouteDeps): Promise<void> {
  const production = d.config.NODE_ENV === 'production';
  const checkUrl = (u: string) => {
    if (!isAllowedHandoffUrl(u, production))
      throw new AppError('ODART_ERR_VALIDATION', 'url: https (http only to localhost outside production)', {
        url: 'an https URL (http only to localhost outside production)',
      });
  };
  const own = async (serviceId: string, id: string) => {
    const r = await d.repos.handoff.handoffEndpointById(id);
    if (!r || r.service_id !== serviceId) throw new AppError('ODART_ERR_NOT_FOUND');
    return r;
  };

  app.get('/api/admin/handoff-endpoints', async (req) => {
    const user = await d.sessions.requireAdmin(req);
    return (await d.repos.handoff.handoffEndpointsOf(user.service_id)).map(view);
  });

  app.post('/api/admin/handoff-endpoints', async (req, reply) => {
    const user = await d.sessions.requireAdmin(req);
    const b = createBody.parse(req.body);
    checkUrl(b.url);
    const now = d.clock.now();
    const row: HandoffEndpointRow = {
      id: d.ids.next('hoe'),
      service_id: user.service_id,
      name: b.name,
      url: b.url,
      secret: b.secret,
      format: b.format,
      created_at: now,
      updated_at: now,
    };
    await d.repos.handoff.insertHandoffEndpoint(row);
    return reply.code(201).send(view(row));
  });

  app.get('/api/admin/handoff-endpoints/:id', async (req) => {
    const user = await d.sessions.requireAdmin(req);
    return view(await own(user.service_id, idParam.parse(req.params).id));
  });

  app.put('/api/admin/handoff-endpoints/:id', async (req) => {
    const user = await d.sessions.requireAdmin(req);
    const { id } = idParam.parse(req.params);
    const b = updateBody.parse(req.body);
    if (b.url !== undefined) checkUrl(b.url);
    await own(user.service_id, id);
    const r = await d.repos.handoff.updateHandoffEndpoint(user.service_id, id, { ...b, updated_at: d.clock.now() });
    if (!r) throw new AppError('ODART_ERR_NOT_FOUND');
    return view(r);
  });

  app.delete('/api/admin/handoff-endpoints/:id', async (req) => {
    const user = await d.sessions.requireAdmin(req);
    const { id } = idParam.parse(req.params);
    await own(user.service_id, id);
    for (const c of await d.escalator.esc.chainsForService(user.service_id)) {
      const parsed = chainSchema.safeParse(JSON.parse(c.definition));
      if (parsed.success && chainHandoffIds(parsed.data).includes(id))
        throw new AppError('ODART_ERR_IN_USE', `The chain "${c.name}" hands off to this endpoint; change it first.`);
    }
    await d.repos.handoff.deleteHandoffEndpoint(user.service_id, id);
    return { ok: true };
  });
}

/** What a centre's answer does: through the alerts service, the one owner of alert state. */
export function handoffAnswers(d: Pick<HttpDeps, 'repos' | 'alerts'>): HandoffAnswers {
  return {
    async knows(ep, alertId) {
      const a = await d.repos.alertById(alertId);
      return a !== undefined && a.service_id === ep.service_id;
    },
    async answer(ep, a) {
      await d.alerts.handoffAnswer(
        a.alertId,
        { key: `handoff:${ep.id}`, name: ep.name },
        a.action,
        a.note,
        en.handoffAnswer({ action: a.action }),
      );
    },
  };
}
