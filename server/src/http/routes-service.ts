// The service's own view (admin role): stored notices (listed, dismissed), the service settings (default
// phone country; the emergency number and phone line shown on the alarm screen), and each wearer's readiness checklist: is this person
// really covered right now, or do they only believe they are monitored?
import type { Readiness, ReadinessKey, ReadinessSummary, ServiceSettings } from '@odart/protocol/api';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { noticeView } from '../alerts/index.js';
import { AppError } from '../errors.js';
import { chainSchema, type ParsedChain } from '../escalation/index.js';
import type { ServicesTable, UserRow, WearerRow } from '../store/index.js';
import type { HttpDeps } from './app.js';
import { serviceTimeZone, timeZoneSchema } from '../escalation/rota.js';
import { monitoringOf } from './monitored.js';
import { countryCode } from './phones.js';
import { onCallView } from './rota-view.js';
import { idParam, ownWearer, type Sessions } from './session.js';

// Dialled from a tel: link: digits with an optional leading +, spaces, dashes and brackets for reading.
const phoneLine = z
  .string()
  .trim()
  .regex(/^\+?[0-9][0-9 ()-]{2,24}$/, 'a phone number (digits, optional leading +)')
  .refine((s) => s.replace(/[^0-9]/g, '').length <= 15, 'at most 15 digits');
export const servicePatch = z
  .object({
    emergencyNumber: z
      .string()
      .trim()
      .regex(/^\+?[0-9]{2,15}$/, 'a number of 2 to 15 digits, e.g. 999 or 112')
      .optional(),
    phone: phoneLine.nullable().optional(),
    defaultCountry: countryCode.optional(),
    /** the rotas' time zone (IANA, checked with Intl) */
    timeZone: timeZoneSchema.optional(),
  })
  .strict();

/** A wearer's readiness as the console reads it (@odart/protocol/api). */
export type { Readiness, ReadinessKey };

/** What the service settings, notices and readiness routes use: their slice of HttpDeps and what app.ts shares among domains. */
export type ServiceRouteDeps = Pick<HttpDeps, 'clock' | 'escalator' | 'live' | 'notices' | 'repos'> & { sessions: Sessions };

/** The service settings, notices and readiness routes, a fastify plugin: app.ts registers it with `app.register(serviceRoutes, deps)`. */
export async function serviceRoutes(app: FastifyInstance, d: ServiceRouteDeps): Promise<void> {
  const { sessions } = d;
  // ---- notices ----
  app.get('/api/admin/notices', async (req) => {
    const user = await sessions.requireAdmin(req);
    // A notice told live a moment ago is stored before the list is read.
    await d.notices.idle();
    return (await d.notices.repo.open(user.service_id)).map(noticeView);
  });
  app.post('/api/admin/notices/:id/dismiss', async (req) => {
    const user = await sessions.requireAdmin(req);
    const n = await d.notices.repo.byId(idParam.parse(req.params).id);
    if (!n || n.service_id !== user.service_id) throw new AppError('ODART_ERR_NOT_FOUND', 'No such notice');
    await d.notices.repo.dismiss(n.id, user.id, d.clock.now());
    return noticeView((await d.notices.repo.byId(n.id))!);
  });

  // ---- service settings ----
  const serviceView = async (serviceId: string): Promise<ServiceSettings> => {
    const s = await d.repos.serviceById(serviceId);
    if (!s) throw new AppError('ODART_ERR_NOT_FOUND', 'No such service');
    return {
      id: s.id,
      name: s.name,
      emergencyNumber: s.emergency_number,
      phone: s.phone ?? null,
      defaultCountry: s.default_country ?? 'GB',
      timeZone: await serviceTimeZone(d.repos, s.id),
    };
  };
  app.get('/api/admin/service', async (req) => serviceView((await sessions.requireAdmin(req)).service_id));
  app.patch('/api/admin/service', async (req) => {
    const user = await sessions.requireAdmin(req);
    const b = servicePatch.parse(req.body);
    const patch: Partial<Pick<ServicesTable, 'emergency_number' | 'phone' | 'default_country' | 'time_zone'>> = {};
    if (b.emergencyNumber !== undefined) patch.emergency_number = b.emergencyNumber;
    if (b.phone !== undefined) patch.phone = b.phone || null;
    if (b.defaultCountry) patch.default_country = b.defaultCountry;
    if (b.timeZone) patch.time_zone = b.timeZone;
    await d.repos.services.updateService(user.service_id, patch);
    return serviceView(user.service_id);
  });

  // ---- readiness ----
  const readiness = async (w: WearerRow): Promise<Readiness> => {
    const now = d.clock.now();
    const items: Readiness['items'] = [];
    items.push({
      key: 'consent',
      ok: w.consent === 'active',
      detail:
        w.consent === 'active'
          ? 'opted in'
          : w.consent === 'paused'
            ? 'paused: no data is used until it ends'
            : w.consent === 'opted_out'
              ? 'opted out: not monitored'
              : 'waiting for their choice: not monitored yet',
    });
    // Consent on is not being watched: only a recent `monitoring` command round is (a core that is not healthy sends none).
    const m = await monitoringOf(d.repos, w.id, now);
    items.push({
      key: 'monitoring',
      ok: m.monitored,
      detail: m.monitored
        ? `monitored: the core told their devices at ${m.lastAt}`
        : m.lastAt
          ? `NOT MONITORED: no word from the core to their devices since ${m.lastAt}`
          : 'NOT MONITORED: the core has not told their devices yet',
    });
    const devices = await d.repos.devices.devicesOfWearer(w.id);
    const offline = devices.filter((x) => x.online !== 1).map((x) => x.id);
    items.push({
      key: 'devices',
      ok: devices.length > 0 && offline.length === 0,
      detail:
        devices.length === 0 ? 'no device registered' : offline.length > 0 ? `offline: ${offline.join(', ')}` : `${devices.length} online`,
    });
    let chain: ParsedChain | null = null;
    const row = w.chain_id ? await d.repos.chainById(w.chain_id) : undefined;
    if (row) {
      const parsed = chainSchema.safeParse(JSON.parse(row.definition));
      if (parsed.success) chain = parsed.data;
    }
    items.push({
      key: 'chain',
      ok: chain !== null,
      detail: chain && row ? row.name : 'no call chain: only the default one (their responders and the admins)',
    });

    // Who the chain (or the default chain) would page, and by which channels.
    const channels = new Map<string, Set<string>>();
    const add = (id: string, cs: readonly string[]) => {
      const set = channels.get(id) ?? new Set<string>();
      for (const c of cs) set.add(c);
      channels.set(id, set);
    };
    const problems: string[] = [];
    if (chain) {
      const steps = [...chain.steps, ...(chain.finalStep ? [chain.finalStep] : [])];
      const groupIds = [...new Set(steps.flatMap((s) => s.targets.flatMap((t) => (t.type === 'group' ? [t.id] : []))))];
      const members = await d.escalator.esc.groupMembers(groupIds);
      for (const s of steps) {
        for (const t of s.targets) {
          if (t.type === 'responder') add(t.id, s.channels);
          else if (t.type === 'group') for (const id of members.get(t.id) ?? []) add(id, s.channels);
          else if (t.type === 'on_shift') {
            // Everyone on the rota over the next 7 days, and the gaps when nobody is (issue 16.1).
            const g = await d.escalator.esc.groupById(t.groupId);
            if (!g) continue;
            const v = await onCallView(d, g, now, now + 7 * 86_400_000, now);
            for (const seg of v.segments) for (const id of seg.userIds) add(id, s.channels);
            if (!v.hasRota) problems.push(`${g.name}: no rota`);
            else if (v.gaps.length > 0) problems.push(`${g.name}: nobody on shift ${v.gaps.length} time(s) in the next 7 days`);
          } else if (t.type === 'emergency_contact' && !w.emergency_contact_phone) problems.push('emergency contact: no phone number');
        }
      }
    } else {
      // The default chain, as the escalator builds it: their responders and the service admins.
      const admins = await d.repos.users.adminIds(w.service_id);
      for (const id of [...(await d.repos.responderIdsForWearer(w.id)), ...admins]) add(id, d.escalator.channels.defaultChannels());
    }
    const users = new Map((await d.repos.usersByIds([...channels.keys()])).map((u) => [u.id, u]));
    const withSession = await d.repos.users.withLiveSession([...channels.keys()], now);
    for (const [id, cs] of channels) {
      const u: UserRow | undefined = users.get(id);
      if (!u) {
        problems.push(`${id}: no such person`);
        continue;
      }
      // Reachable: by a live channel (the app) when signed in, or by a channel that reaches a phone when they have a number.
      const kinds = new Set([...cs].map((c) => d.escalator.channels.personAddress(c)));
      const app = kinds.has('app') && (withSession.has(u.id) || d.live.isConnected(u.id));
      const phone = kinds.has('phone') && u.phone !== null;
      if (!app && !phone) problems.push(`${u.display_name}: no phone and not signed in to the app`);
      if (u.on_duty !== 1) problems.push(`${u.display_name}: off duty`);
    }
    if (channels.size === 0 && problems.length === 0) problems.push('nobody to call');
    items.push({
      key: 'responders',
      ok: problems.length === 0,
      detail: problems.length === 0 ? `${channels.size} reachable and on duty` : problems.join('; '),
    });
    return { wearerId: w.id, alias: w.alias, ready: items.every((i) => i.ok), items };
  };

  app.get('/api/admin/wearers/:id/readiness', async (req) => {
    const user = await sessions.requireAdmin(req);
    return readiness(await ownWearer(d.repos, user, idParam.parse(req.params).id));
  });
  app.get<{ Reply: ReadinessSummary[] }>('/api/admin/readiness', async (req) => {
    const user = await sessions.requireAdmin(req);
    const wearers = await d.repos.wearers.wearersByAlias(user.service_id, 1000);
    const out = [];
    for (const w of wearers) {
      const r = await readiness(w);
      out.push({ wearerId: r.wearerId, alias: r.alias, ready: r.ready, problems: r.items.filter((i) => !i.ok).map((i) => i.key) });
    }
    return out;
  });
}
