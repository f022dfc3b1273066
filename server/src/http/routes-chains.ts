// Admin API for escalation chains and responder groups (scoped to the admin's service; another
// service's ids answer 404), and assigning a chain to a wearer.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { randomIds } from '../ids.js';
import { randomInt } from 'node:crypto';
import { chainGroupIds, chainHandoffIds, chainPhones, chainResponderIds, chainSchema, type ParsedChain } from '../escalation/index.js';
import { en } from '../messages/en.js';
import type { ChainRow, GroupRow, UserRow } from '../store/index.js';
import type { HttpDeps } from './app.js';
import { idParam, ownWearer, type Sessions } from './session.js';
import type { CountryCode } from 'libphonenumber-js';
import { serviceCountry, toE164 } from './phones.js';
import type { ChainDefinition, ChainView, GroupView } from '@odart/protocol/api';

export const chainBody = z.object({ name: z.string().trim().min(1).max(100), definition: chainSchema });

/**
 * External numbers in a chain as the admin typed them ("07700 900777") are read in the service's
 * country before the schema checks them as E.164; what cannot be a number there is left as typed, so
 * the schema names its field.
 */
function chainNumbersToE164(body: unknown, country: CountryCode): unknown {
  const def = (body as { definition?: { steps?: unknown; finalStep?: unknown } } | null)?.definition;
  if (!def || typeof def !== 'object') return body;
  const steps = [...(Array.isArray(def.steps) ? def.steps : []), def.finalStep];
  for (const step of steps) {
    const targets = (step as { targets?: unknown } | null | undefined)?.targets;
    if (!Array.isArray(targets)) continue;
    for (const t of targets as { type?: unknown; phone?: unknown }[]) {
      if (t && t.type === 'phone' && typeof t.phone === 'string') t.phone = toE164(t.phone, country) ?? t.phone;
    }
  }
  return body;
}
export const groupBody = z.object({ name: z.string().trim().min(1).max(100), memberIds: z.array(z.string().min(1).max(64)).max(200) });
export const wearerChainBody = z.object({ chainId: z.string().min(1).max(64).nullable() });

/** What the chain and group routes use: their slice of HttpDeps and what app.ts shares among domains. */
export type ChainRouteDeps = Pick<HttpDeps, 'clock' | 'escalator' | 'log' | 'repos' | 'sms'> & { sessions: Sessions };

/** The chain and group routes, a fastify plugin: app.ts registers it with `app.register(chainRoutes, deps)`. */
export async function chainRoutes(app: FastifyInstance, d: ChainRouteDeps): Promise<void> {
  const { sessions } = d;
  const esc = d.escalator.esc;

  const ownChain = async (user: UserRow, id: string): Promise<ChainRow> => {
    const c = await d.repos.chainById(id);
    if (!c || c.service_id !== user.service_id) throw new AppError('ODART_ERR_NOT_FOUND', 'No such chain');
    return c;
  };
  const ownGroup = async (user: UserRow, id: string): Promise<GroupRow> => {
    const g = await esc.groupById(id);
    if (!g || g.service_id !== user.service_id) throw new AppError('ODART_ERR_NOT_FOUND', 'No such group');
    return g;
  };
  /** Every responder and group a body names must belong to the admin's service. */
  const checkUsers = async (user: UserRow, ids: string[]) => {
    const found = await d.repos.usersByIds(ids);
    const ok = new Set(found.filter((u) => u.service_id === user.service_id).map((u) => u.id));
    const bad = ids.filter((id) => !ok.has(id));
    if (bad.length > 0) throw new AppError('ODART_ERR_VALIDATION', `unknown responder: ${bad.join(', ')}`);
  };
  const checkChainRefs = async (user: UserRow, def: ParsedChain) => {
    await checkUsers(user, chainResponderIds(def));
    for (const gid of chainGroupIds(def)) {
      const g = await esc.groupById(gid);
      if (!g || g.service_id !== user.service_id) throw new AppError('ODART_ERR_VALIDATION', `unknown group: ${gid}`);
    }
    for (const hid of chainHandoffIds(def)) {
      const h = await d.repos.handoff.handoffEndpointById(hid);
      if (!h || h.service_id !== user.service_id) throw new AppError('ODART_ERR_VALIDATION', `unknown hand-off endpoint: ${hid}`);
    }
  };
  /** Every external number of the chain is asked once per service to confirm by SMS; until then it is not paged. */
  const askToConfirm = async (user: UserRow, def: ParsedChain) => {
    const service = await d.repos.serviceById(user.service_id);
    for (const p of chainPhones(def)) {
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      if (
        !(await esc.requestVerification({ service_id: user.service_id, phone: p.phone, label: p.label, code, requested_at: d.clock.now() }))
      )
        continue;
      const res = await d.sms.send({
        to: p.phone,
        body: en.smsVerifyPhone({ service: service?.name ?? 'Your service', label: p.label, code }),
        owner: { serviceId: user.service_id, wearerId: null },
      });
      if (!res.ok) d.log.warn({ code: res.code }, 'confirmation sms to a chain number failed');
    }
  };
  const chainView = async (c: ChainRow): Promise<ChainView> => {
    const parsed = chainSchema.safeParse(JSON.parse(c.definition));
    const phones = parsed.success ? chainPhones(parsed.data) : [];
    const verified = await esc.verifiedPhones(
      c.service_id,
      phones.map((p) => p.phone),
    );
    return {
      id: c.id,
      name: c.name,
      // as stored: the routes below write only what the chain schema took (the demo seed its own DEMO_CHAIN)
      definition: JSON.parse(c.definition) as ChainDefinition,
      wearerIds: await esc.wearersUsingChain(c.id),
      phones: phones.map((p) => ({ ...p, verified: verified.has(p.phone) })),
      createdAt: new Date(c.created_at).toISOString(),
      updatedAt: new Date(c.updated_at).toISOString(),
    };
  };
  const groupView = async (g: GroupRow): Promise<GroupView> => ({
    id: g.id,
    name: g.name,
    memberIds: (await esc.groupMembers([g.id])).get(g.id) ?? [],
    createdAt: new Date(g.created_at).toISOString(),
    updatedAt: new Date(g.updated_at).toISOString(),
  });

  // ---- chains ---------------------------------------------------------------------------

  app.get('/api/admin/chains', async (req) => {
    const user = await sessions.requireAdmin(req);
    return Promise.all((await esc.chainsForService(user.service_id)).map(chainView));
  });

  app.post('/api/admin/chains', async (req, reply) => {
    const user = await sessions.requireAdmin(req);
    const body = chainBody.parse(chainNumbersToE164(req.body, await serviceCountry(d.repos, user.service_id)));
    await checkChainRefs(user, body.definition);
    const now = d.clock.now();
    const id = randomIds.next('ch');
    await d.repos.insertChain({
      id,
      service_id: user.service_id,
      name: body.name,
      definition: JSON.stringify(body.definition),
      created_at: now,
      updated_at: now,
    });
    await askToConfirm(user, body.definition);
    return reply.code(201).send(await chainView((await d.repos.chainById(id))!));
  });

  app.get('/api/admin/chains/:id', async (req) => {
    const user = await sessions.requireAdmin(req);
    return chainView(await ownChain(user, idParam.parse(req.params).id));
  });

  // Running alerts keep the copy they started with; only new alerts see the edit.
  app.put('/api/admin/chains/:id', async (req) => {
    const user = await sessions.requireAdmin(req);
    const c = await ownChain(user, idParam.parse(req.params).id);
    const body = chainBody.parse(chainNumbersToE164(req.body, await serviceCountry(d.repos, user.service_id)));
    await checkChainRefs(user, body.definition);
    await esc.updateChain(c.id, { name: body.name, definition: JSON.stringify(body.definition), updated_at: d.clock.now() });
    await askToConfirm(user, body.definition);
    return chainView((await d.repos.chainById(c.id))!);
  });

  app.delete('/api/admin/chains/:id', async (req, reply) => {
    const user = await sessions.requireAdmin(req);
    const c = await ownChain(user, idParam.parse(req.params).id);
    // A wearer without a chain would fall back to the default chain: make that an explicit choice.
    const users = await esc.wearersUsingChain(c.id);
    if (users.length > 0) throw new AppError('ODART_ERR_IN_USE', `chain is assigned to ${users.length} wearer(s)`);
    await esc.deleteChain(c.id);
    return reply.code(204).send();
  });

  // ---- groups ---------------------------------------------------------------------------

  app.get('/api/admin/groups', async (req) => {
    const user = await sessions.requireAdmin(req);
    return Promise.all((await esc.groupsForService(user.service_id)).map(groupView));
  });

  app.post('/api/admin/groups', async (req, reply) => {
    const user = await sessions.requireAdmin(req);
    const body = groupBody.parse(req.body);
    await checkUsers(user, body.memberIds);
    const now = d.clock.now();
    const id = randomIds.next('grp');
    await esc.insertGroup({ id, service_id: user.service_id, name: body.name, created_at: now, updated_at: now }, body.memberIds);
    return reply.code(201).send(await groupView((await esc.groupById(id))!));
  });

  app.get('/api/admin/groups/:id', async (req) => {
    const user = await sessions.requireAdmin(req);
    return groupView(await ownGroup(user, idParam.parse(req.params).id));
  });

  app.put('/api/admin/groups/:id', async (req) => {
    const user = await sessions.requireAdmin(req);
    const g = await ownGroup(user, idParam.parse(req.params).id);
    const body = groupBody.parse(req.body);
    await checkUsers(user, body.memberIds);
    await esc.updateGroup(g.id, { name: body.name, updated_at: d.clock.now() });
    await esc.setGroupMembers(g.id, body.memberIds);
    return groupView((await esc.groupById(g.id))!);
  });

  app.delete('/api/admin/groups/:id', async (req, reply) => {
    const user = await sessions.requireAdmin(req);
    const g = await ownGroup(user, idParam.parse(req.params).id);
    const using = (await esc.chainsForService(user.service_id)).filter((c) => {
      const parsed = chainSchema.safeParse(JSON.parse(c.definition));
      return parsed.success && chainGroupIds(parsed.data).includes(g.id);
    });
    if (using.length > 0) throw new AppError('ODART_ERR_IN_USE', `group is used by chain(s): ${using.map((c) => c.id).join(', ')}`);
    await esc.deleteGroup(g.id);
    return reply.code(204).send();
  });

  // ---- assignment (the lead's PATCH /api/admin/wearers/:id {chainId} does the same) ---------

  app.put('/api/admin/wearers/:id/chain', async (req) => {
    const user = await sessions.requireAdmin(req);
    const { id } = idParam.parse(req.params);
    await ownWearer(d.repos, user, id);
    const { chainId } = wearerChainBody.parse(req.body);
    if (chainId !== null) await ownChain(user, chainId);
    await esc.setWearerChain(id, chainId);
    return { id, chainId };
  });
}
