// What a responder needs on the way to an alert beyond the alert itself: the wearer's address and access
// notes, the room, the service's emergency number, and the recent vitals for the chart. Same visibility
// rule as the alert (404 otherwise), plus the names of colleagues for "who is going".
import type { AlertContext, VitalsWindow } from '@odart/protocol/api';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { nearestKits, usable } from './kits.js';
import type { HttpDeps } from './app.js';
import { idParam, type Sessions } from './session.js';

export const vitalsQuery = z.object({ minutes: z.coerce.number().int().min(1).max(30).default(10) });

/** What the responder routes use: their slice of HttpDeps and what app.ts shares among domains. */
export type ResponderRouteDeps = Pick<HttpDeps, 'alerts' | 'clock' | 'repos' | 'vitals'> & { sessions: Sessions };

/** The responder routes, a fastify plugin: app.ts registers it with `app.register(responderRoutes, deps)`. */
export async function responderRoutes(app: FastifyInstance, d: ResponderRouteDeps): Promise<void> {
  const { sessions } = d;
  app.get<{ Reply: AlertContext }>('/api/alerts/:id/context', async (req) => {
    const user = await sessions.require(req);
    const alert = await d.alerts.visibleAlert(idParam.parse(req.params).id, user);
    const wearer = await d.repos.wearerById(alert.wearer_id);
    const service = await d.repos.serviceById(alert.service_id);
    if (!wearer || !service) throw new AppError('ODART_ERR_NOT_FOUND', 'No such alert');
    const roomDevice = await d.vitals.lastOccupiedDevice(wearer.id, Number(alert.closed_at ?? d.clock.now()));
    const dev = roomDevice ? await d.repos.deviceById(roomDevice) : undefined;
    const now = d.clock.now();
    const kits = await d.repos.kits.forService(alert.service_id);
    const home = wearer.latitude == null || wearer.longitude == null ? null : { latitude: wearer.latitude, longitude: wearer.longitude };
    const carried = kits.filter((k) => k.holder === 'responder' && k.holder_user_id !== null && usable(k, now));
    const carriers = await d.repos.usersByIds([...new Set(carried.map((k) => k.holder_user_id!))]);
    return {
      alertId: alert.id,
      wearer: { alias: wearer.alias, address: wearer.address, accessNotes: wearer.access_notes },
      room: dev ? (dev.room ?? null) : null,
      emergencyNumber: service.emergency_number || '999',
      serviceName: service.name,
      servicePhone: service.phone ?? null,
      onsetAt: new Date(Number(alert.created_at)).toISOString(),
      now: new Date(now).toISOString(),
      nearestKits: home ? nearestKits(kits, home, now) : [],
      kitCarriers: carried.flatMap((k) => {
        const u = carriers.find((c) => c.id === k.holder_user_id);
        return u && u.disabled_at === null ? [{ userId: u.id, name: u.display_name, kitName: k.name }] : [];
      }),
      located: home !== null,
    };
  });

  app.get<{ Reply: VitalsWindow }>('/api/alerts/:id/vitals', async (req) => {
    const user = await sessions.require(req);
    const alert = await d.alerts.visibleAlert(idParam.parse(req.params).id, user);
    const { minutes } = vitalsQuery.parse(req.query);
    const created = Number(alert.created_at);
    const to = alert.closed_at === null ? d.clock.now() : Number(alert.closed_at);
    // The window ends now (or when the alert closed) and always shows the lead-up to the alert.
    let from = Math.min(to - minutes * 60_000, created - 2 * 60_000);
    from = Math.max(from, to - 30 * 60_000);
    const points = await d.vitals.window(alert.wearer_id, from, to);
    return {
      from,
      to,
      alertAt: created,
      now: d.clock.now(),
      vitals: points.filter((p) => p.stream === 'vitals').map((p) => ({ t: p.t, hr: p.hr, spo2: p.spo2, rr: p.rr, onBody: p.onBody })),
      presence: points
        .filter((p) => p.stream === 'presence')
        .map((p) => ({ t: p.t, deviceId: p.deviceId, occupied: p.occupied, motion: p.motion })),
    };
  });

  app.get('/api/directory', async (req) => {
    const user = await sessions.require(req);
    const rows = await d.repos.users.directory(user.service_id);
    return rows.map((u) => ({ id: u.id, displayName: u.display_name, role: u.role }));
  });
}
