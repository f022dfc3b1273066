// Service console API beyond the lead's admin CRUD: alert history with response times, CSV export,
// dashboard figures, wearer consent (link, pause, resume, opt-out, log), data export, device rooms,
// responder phone/on-duty. Admin role only; anything outside the admin's service answers 404.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { computeStats, historyCsv, historyRow, type HistoryRow } from '../alerts/history.js';
import { AppError } from '../errors.js';
import type { WearerRow } from '../store/index.js';
import type { HttpDeps } from './app.js';
import { normalisePhones, phoneInput, serviceCountry } from './phones.js';
import { idParam, ownWearer, type Sessions } from './session.js';
import type { ConsentDetail, ConsentView } from '@odart/protocol/api';

export const historyQuery = z.object({ limit: z.coerce.number().int().min(1).max(5000).default(500) });
export const statsQuery = z.object({ weeks: z.coerce.number().int().min(1).max(104).default(12) });
export const linkBody = z.object({ send: z.boolean().default(false) }).strict();
export const pauseBody = z
  .object({
    minutes: z
      .number()
      .int()
      .min(15)
      .max(72 * 60),
  })
  .strict();
export const roomBody = z.object({ room: z.string().trim().max(60).nullable() }).strict();
export const userPatch = z
  .object({
    displayName: z.string().trim().min(1).max(60).optional(),
    phone: phoneInput,
    onDuty: z.boolean().optional(),
  })
  .strict();

export function consentView(w: WearerRow): ConsentView {
  return {
    wearerId: w.id,
    state: w.consent,
    version: w.consent_version ?? null,
    changedAt: w.consent_changed_at ? new Date(Number(w.consent_changed_at)).toISOString() : null,
    pausedUntil: w.paused_until ? new Date(Number(w.paused_until)).toISOString() : null,
  };
}

/** What the console routes use: their slice of HttpDeps and what app.ts shares among domains. */
export type ConsoleRouteDeps = Pick<HttpDeps, 'clock' | 'consent' | 'repos' | 'vitals'> & { sessions: Sessions };

/** The console routes, a fastify plugin: app.ts registers it with `app.register(consoleRoutes, deps)`. */
export async function consoleRoutes(app: FastifyInstance, d: ConsoleRouteDeps): Promise<void> {
  const { sessions } = d;
  /** History rows of a service (or of one wearer), newest first. */
  const history = async (serviceId: string, limit: number, wearerId?: string): Promise<HistoryRow[]> => {
    const { alerts, aliases, names, timeline } = await d.repos.readModels.history(serviceId, limit, wearerId);
    return alerts.map((a) =>
      historyRow({
        id: a.id,
        wearerId: a.wearer_id,
        wearerAlias: aliases.get(a.wearer_id) ?? a.wearer_id,
        state: a.state,
        outcome: a.outcome,
        score: a.score,
        news2: a.news2,
        reasons: JSON.parse(a.reasons) as string[],
        createdAt: Number(a.created_at),
        closedAt: a.closed_at === null ? null : Number(a.closed_at),
        attendingName: a.attending_responder_id ? (names.get(a.attending_responder_id) ?? null) : null,
        timeline: timeline.get(a.id) ?? [],
      }),
    );
  };

  // ---- alert history, CSV, dashboard ----
  app.get('/api/admin/alerts', async (req) => {
    const user = await sessions.requireAdmin(req);
    return history(user.service_id, historyQuery.parse(req.query).limit);
  });
  app.get('/api/admin/alerts.csv', async (req, reply) => {
    const user = await sessions.requireAdmin(req);
    const rows = await history(user.service_id, 5000);
    const day = new Date(d.clock.now()).toISOString().slice(0, 10);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="odart-alerts-${day}.csv"`)
      .header('cache-control', 'no-store')
      .send(historyCsv(rows));
  });
  app.get('/api/admin/stats', async (req) => {
    const user = await sessions.requireAdmin(req);
    const { weeks } = statsQuery.parse(req.query);
    return computeStats(await history(user.service_id, 5000), d.clock.now(), weeks);
  });

  // ---- wearer consent ----
  app.get<{ Reply: ConsentDetail }>('/api/admin/wearers/:id/consent', async (req) => {
    const user = await sessions.requireAdmin(req);
    const w = await ownWearer(d.repos, user, idParam.parse(req.params).id);
    // When the live personal link was made: a new one replaces it, so the console warns first.
    const issued = await d.repos.consent.linkIssuedAt(w.id);
    const linkIssuedAt = issued === null ? null : new Date(issued).toISOString();
    return { ...consentView(w), linkIssuedAt, events: await d.consent.events(w.id) };
  });
  app.post('/api/admin/wearers/:id/consent-link', async (req) => {
    const user = await sessions.requireAdmin(req);
    const w = await ownWearer(d.repos, user, idParam.parse(req.params).id);
    const { send } = linkBody.parse(req.body ?? {});
    // The link is shown this once (like a device secret); only its hash is kept.
    return d.consent.issueLink(w, send);
  });
  app.post('/api/admin/wearers/:id/pause', async (req) => {
    const user = await sessions.requireAdmin(req);
    const w = await ownWearer(d.repos, user, idParam.parse(req.params).id);
    const { minutes } = pauseBody.parse(req.body);
    return consentView(await d.consent.pause(w.id, minutes * 60_000, 'admin'));
  });
  app.post('/api/admin/wearers/:id/resume', async (req) => {
    const user = await sessions.requireAdmin(req);
    const w = await ownWearer(d.repos, user, idParam.parse(req.params).id);
    return consentView(await d.consent.resume(w.id, 'admin'));
  });
  app.post('/api/admin/wearers/:id/opt-out', async (req) => {
    // Staff record a person's wish to stop, given in person or by phone.
    const user = await sessions.requireAdmin(req);
    const w = await ownWearer(d.repos, user, idParam.parse(req.params).id);
    return consentView(await d.consent.optOut(w.id, 'admin'));
  });

  // ---- export on request ----
  app.get('/api/admin/wearers/:id/export', async (req, reply) => {
    const user = await sessions.requireAdmin(req);
    const w = await ownWearer(d.repos, user, idParam.parse(req.params).id);
    const { devices, alerts } = await d.repos.readModels.exportOf(w.id);
    const out = {
      exportedAt: new Date(d.clock.now()).toISOString(),
      wearer: {
        id: w.id,
        alias: w.alias,
        address: w.address,
        accessNotes: w.access_notes,
        phone: w.phone,
        emergencyContactPhone: w.emergency_contact_phone,
        createdAt: new Date(Number(w.created_at)).toISOString(),
        thresholds: w.thresholds ? (JSON.parse(w.thresholds) as unknown) : null,
      },
      consent: { ...consentView(w), events: await d.consent.events(w.id) },
      devices: devices.map((x) => ({
        id: x.id,
        kind: x.kind,
        room: x.room ?? null,
        createdAt: new Date(Number(x.created_at)).toISOString(),
      })),
      alerts: await Promise.all(
        alerts.map(async (a) => ({
          id: a.id,
          state: a.state,
          score: a.score,
          news2: a.news2,
          reasons: JSON.parse(a.reasons) as string[],
          outcome: a.outcome,
          note: a.note,
          createdAt: new Date(Number(a.created_at)).toISOString(),
          closedAt: a.closed_at === null ? null : new Date(Number(a.closed_at)).toISOString(),
          timeline: (await d.repos.timeline(a.id)).map((e) => ({ at: new Date(e.at).toISOString(), type: e.type, ...e.data })),
        })),
      ),
      vitals: (await d.vitals.window(w.id, 0, Number.MAX_SAFE_INTEGER)).map((v) => ({ ...v, t: new Date(v.t).toISOString() })),
    };
    return reply
      .header('content-disposition', `attachment; filename="odart-wearer-${w.id}.json"`)
      .header('cache-control', 'no-store')
      .send(out);
  });

  // ---- devices: room label ----
  app.put('/api/admin/devices/:id/room', async (req) => {
    const user = await sessions.requireAdmin(req);
    const dev = await d.repos.deviceById(idParam.parse(req.params).id);
    if (!dev || dev.service_id !== user.service_id) throw new AppError('ODART_ERR_NOT_FOUND', 'No such device');
    const { room } = roomBody.parse(req.body);
    await d.repos.updateDevice(dev.id, { room: room || null });
    return { id: dev.id, room: room || null };
  });

  // ---- responders: phone, on duty ----
  app.patch('/api/admin/users/:id', async (req) => {
    const user = await sessions.requireAdmin(req);
    const target = await d.repos.userById(idParam.parse(req.params).id);
    if (!target || target.service_id !== user.service_id) throw new AppError('ODART_ERR_NOT_FOUND', 'No such user');
    const b = normalisePhones(userPatch.parse(req.body), ['phone'], await serviceCountry(d.repos, user.service_id));
    const patch: { display_name?: string; phone?: string | null; on_duty?: number } = {};
    if (b.displayName !== undefined) patch.display_name = b.displayName;
    if (b.phone !== undefined) patch.phone = b.phone;
    if (b.onDuty !== undefined) patch.on_duty = b.onDuty ? 1 : 0;
    await d.repos.users.updateUser(target.id, patch);
    const u = (await d.repos.userById(target.id))!;
    return { id: u.id, username: u.username, role: u.role, displayName: u.display_name, phone: u.phone, onDuty: u.on_duty === 1 };
  });
}
