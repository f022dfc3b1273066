// Admin API for the rotas of responder groups (issue 16.1, docs/escalation.md "Rotas"): the weekly shifts
// (replaced as a whole), overrides, who is on call over the next days with gaps and unreachable members,
// and the service's rota warnings (dashboard). Scoped to the admin's service; another's ids answer 404.
import type { RotaView } from '@odart/protocol/api';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { hhmmOf, minutesOf, overrideSchema, serviceTimeZone, shiftSchema } from '../escalation/rota.js';
import { randomIds } from '../ids.js';
import type { GroupRow, UserRow } from '../store/index.js';
import type { HttpDeps } from './app.js';
import { onCallView, rotaWarnings } from './rota-view.js';
import { idParam, type Sessions } from './session.js';

export const rotaBody = z.object({ shifts: z.array(shiftSchema).max(200) }).strict();
export const onCallQuery = z
  .object({
    from: z.string().datetime({ offset: true }).optional(),
    days: z.coerce.number().int().min(1).max(31).default(7),
  })
  .strict();
export const overrideParams = z.object({ id: z.string().min(1).max(64), overrideId: z.string().min(1).max(64) });

/** What the rota routes use: their slice of HttpDeps and what app.ts shares among domains. */
export type RotaRouteDeps = Pick<HttpDeps, 'clock' | 'escalator' | 'live' | 'repos'> & { sessions: Sessions };

/** The rota routes, a fastify plugin: app.ts registers it with `app.register(rotaRoutes, deps)`. */
export async function rotaRoutes(app: FastifyInstance, d: RotaRouteDeps): Promise<void> {
  const { sessions } = d;
  const ownGroup = async (user: UserRow, id: string): Promise<GroupRow> => {
    const g = await d.escalator.esc.groupById(id);
    if (!g || g.service_id !== user.service_id) throw new AppError('ODART_ERR_NOT_FOUND', 'No such group');
    return g;
  };
  const checkUsers = async (user: UserRow, ids: string[]) => {
    const ok = new Set((await d.repos.usersByIds([...new Set(ids)])).filter((u) => u.service_id === user.service_id).map((u) => u.id));
    const bad = [...new Set(ids)].filter((id) => !ok.has(id));
    if (bad.length > 0) throw new AppError('ODART_ERR_VALIDATION', `unknown responder: ${bad.join(', ')}`);
  };
  const rotaView = async (g: GroupRow): Promise<RotaView> => {
    const now = d.clock.now();
    return {
      groupId: g.id,
      timeZone: await serviceTimeZone(d.repos, g.service_id),
      shifts: (await d.repos.rotas.shiftsOf([g.id])).map((s) => ({
        userId: s.user_id,
        weekday: s.weekday,
        start: hhmmOf(s.start_min),
        end: hhmmOf(s.end_min),
      })),
      overrides: (await d.repos.rotas.overridesOf([g.id], now)).map((o) => ({
        id: o.id,
        userId: o.user_id,
        replacesUserId: o.replaces_user_id,
        start: new Date(o.start_at).toISOString(),
        end: new Date(o.end_at).toISOString(),
        note: o.note,
      })),
    };
  };

  app.get('/api/admin/groups/:id/rota', async (req) => {
    const user = await sessions.requireAdmin(req);
    return rotaView(await ownGroup(user, idParam.parse(req.params).id));
  });

  app.put('/api/admin/groups/:id/rota', async (req) => {
    const user = await sessions.requireAdmin(req);
    const g = await ownGroup(user, idParam.parse(req.params).id);
    const { shifts } = rotaBody.parse(req.body);
    await checkUsers(
      user,
      shifts.map((s) => s.userId),
    );
    const now = d.clock.now();
    await d.repos.rotas.replaceShifts(
      g.id,
      shifts.map((s) => ({
        id: randomIds.next('sh'),
        group_id: g.id,
        user_id: s.userId,
        weekday: s.weekday,
        start_min: minutesOf(s.start),
        end_min: minutesOf(s.end),
        created_at: now,
      })),
    );
    return rotaView(g);
  });

  app.post('/api/admin/groups/:id/rota/overrides', async (req, reply) => {
    const user = await sessions.requireAdmin(req);
    const g = await ownGroup(user, idParam.parse(req.params).id);
    const o = overrideSchema(await serviceTimeZone(d.repos, g.service_id)).parse(req.body);
    await checkUsers(user, [o.userId, ...(o.replacesUserId ? [o.replacesUserId] : [])]);
    const id = randomIds.next('ov');
    await d.repos.rotas.insertOverride({
      id,
      group_id: g.id,
      user_id: o.userId,
      replaces_user_id: o.replacesUserId,
      start_at: o.start,
      end_at: o.end,
      note: o.note,
      created_at: d.clock.now(),
    });
    const view = await rotaView(g);
    return reply.code(201).send(view.overrides.find((x) => x.id === id) ?? { id });
  });

  app.delete('/api/admin/groups/:id/rota/overrides/:overrideId', async (req, reply) => {
    const user = await sessions.requireAdmin(req);
    const { id, overrideId } = overrideParams.parse(req.params);
    const g = await ownGroup(user, id);
    const o = await d.repos.rotas.overrideById(overrideId);
    if (!o || o.group_id !== g.id) throw new AppError('ODART_ERR_NOT_FOUND', 'No such override');
    await d.repos.rotas.deleteOverride(o.id);
    return reply.code(204).send();
  });

  app.get('/api/admin/groups/:id/on-call', async (req) => {
    const user = await sessions.requireAdmin(req);
    const g = await ownGroup(user, idParam.parse(req.params).id);
    const q = onCallQuery.parse(req.query);
    const now = d.clock.now();
    const from = q.from ? Date.parse(q.from) : now;
    return onCallView(d, g, from, from + q.days * 86_400_000, now);
  });

  app.get('/api/admin/rota-warnings', async (req) => {
    const user = await sessions.requireAdmin(req);
    return rotaWarnings(d, user.service_id, d.clock.now());
  });
}
