// The no-login page behind the link in a page SMS: one alert as one recipient sees it, and their two
// actions (going, can't go). The signed token names that recipient's page notification, so it grants
// nothing beyond that alert; it expires (docs/escalation.md, "Page links"). CSRF rules of /api apply.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { PageInfo } from '@odart/protocol/api';
import { AppError } from '../errors.js';
import { linkExpiresAt, PAGE_TOKEN } from '../escalation/page-links.js';
import { reasonWords } from '../escalation/page-text.js';
import { contactLabel } from '../escalation/index.js';
import { OPEN_ALERT_STATES, type AlertRow, type NotificationRow, type UserRow } from '../store/index.js';
import type { HttpDeps } from './app.js';

export const tokenParam = z.object({ token: z.string().regex(PAGE_TOKEN, 'a page link token') });

interface Recipient {
  n: NotificationRow;
  alert: AlertRow;
  user: UserRow | null;
  /** who they are on the timeline and to others */
  name: string;
}

/** What the no-login page link routes use: their slice of HttpDeps. */
export type PageRouteDeps = Pick<HttpDeps, 'alerts' | 'clock' | 'escalator' | 'repos'>;

/** The no-login page link routes, a fastify plugin: app.ts registers it with `app.register(pageRoutes, deps)`. */
export async function pageRoutes(app: FastifyInstance, d: PageRouteDeps): Promise<void> {
  const esc = d.escalator.esc;
  const limiter = app.createRateLimit({ max: 120, timeWindow: 15 * 60_000, keyGenerator: (req) => `page:${req.ip}` });

  const gone = () => new AppError('ODART_ERR_NOT_FOUND', 'This link is not valid any more.');

  const recipient = async (req: FastifyRequest): Promise<Recipient> => {
    const r = await limiter(req);
    if (!r.isAllowed && r.isExceeded) throw new AppError('ODART_ERR_RATE_LIMITED');
    const parsed = tokenParam.safeParse(req.params);
    const id = parsed.success ? d.escalator.links.verify(parsed.data.token) : null;
    const n = id ? await esc.notificationById(id) : undefined;
    const alert = n && n.kind === 'page' ? await d.repos.alertById(n.alert_id) : undefined;
    if (!n || !alert || d.clock.now() >= linkExpiresAt(n.created_at, alert.closed_at)) throw gone();
    let user: UserRow | null = null;
    if (n.user_id) {
      user = (await d.repos.userById(n.user_id)) ?? null;
      if (!user || user.service_id !== alert.service_id) throw gone();
    }
    return { n, alert, user, name: user?.display_name ?? contactLabel(alert.chain_snapshot, n.target) };
  };

  const view = async ({ n, alert, user }: Recipient): Promise<PageInfo> => {
    const w = await d.repos.wearerById(alert.wearer_id);
    const service = await d.repos.serviceById(alert.service_id);
    const attendingName = alert.attending_responder_id
      ? ((await d.repos.userById(alert.attending_responder_id))?.display_name ?? null)
      : (alert.attending_contact ?? null);
    const declined = (await esc.declinedTargets(alert.id)).has(n.target);
    let reasons: string[] = [];
    try {
      reasons = JSON.parse(alert.reasons) as string[];
    } catch {
      // shown as "possible overdose"
    }
    const you = user
      ? alert.attending_responder_id === user.id
      : alert.attending_responder_id === null && alert.attending_contact === contactLabel(alert.chain_snapshot, n.target);
    return {
      alertId: alert.id,
      state: alert.state,
      alias: w?.alias ?? 'Someone',
      address: w?.address ?? null,
      accessNotes: w?.access_notes ?? null,
      reason: reasonWords(reasons),
      createdAt: new Date(alert.created_at).toISOString(),
      attending: attendingName,
      youAreAttending: you,
      youDeclined: declined,
      emergencyNumber: service?.emergency_number || '999',
      serviceName: service?.name ?? '',
      expiresAt: new Date(linkExpiresAt(n.created_at, alert.closed_at)).toISOString(),
    };
  };

  app.get('/api/page/:token', async (req) => view(await recipient(req)));

  app.post('/api/page/:token/ack', async (req) => {
    const r = await recipient(req);
    if (!OPEN_ALERT_STATES.includes(r.alert.state)) throw new AppError('ODART_ERR_ALERT_CLOSED');
    if (r.user) await d.alerts.ack(r.alert.id, r.user, 'link');
    else await d.alerts.ackByContact(r.alert.id, { key: r.n.target, label: r.name, phone: r.n.to_addr ?? '' }, 'link');
    return view({ ...r, alert: (await d.repos.alertById(r.alert.id))! });
  });

  app.post('/api/page/:token/decline', async (req) => {
    const r = await recipient(req);
    await d.alerts.decline(r.alert.id, { target: r.n.target, userId: r.user?.id ?? null, name: r.name }, 'link');
    return view({ ...r, alert: (await d.repos.alertById(r.alert.id))! });
  });
}
