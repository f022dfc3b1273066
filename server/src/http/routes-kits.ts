// Admin API for the service's naloxone kits (`/api/admin/kits`): boxes and pharmacies with a place, kits that
// responders carry. Another service's kit answers 404 like a missing one.
import type { KitView } from '@odart/protocol/api';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError } from '../errors.js';
import type { KitPatch, KitRow, UserRow } from '../store/index.js';
import type { HttpDeps } from './app.js';
import { kitView } from './kits.js';
import { idParam, type Sessions } from './session.js';

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date, YYYY-MM-DD')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'a real date');
const kitFields = {
  name: z.string().trim().min(1).max(80),
  holder: z.enum(['responder', 'box', 'pharmacy']),
  holderUserId: z.string().max(64).nullable().optional(),
  address: z.string().max(300).nullable().optional(),
  latitude: z.number().min(-90).max(90).nullable().optional(),
  longitude: z.number().min(-180).max(180).nullable().optional(),
  accessNotes: z.string().max(1000).nullable().optional(),
  expiresOn: isoDate,
};
export const kitCreate = z.object(kitFields).strict();
export const kitPatch = z
  .object({ ...kitFields, name: kitFields.name.optional(), holder: kitFields.holder.optional(), expiresOn: isoDate.optional() })
  .strict();

/** What the kit routes use: their slice of HttpDeps and what app.ts shares among domains. */
export type KitRouteDeps = Pick<HttpDeps, 'clock' | 'ids' | 'repos'> & { sessions: Sessions };

/** The kit routes, a fastify plugin: app.ts registers it with `app.register(kitRoutes, deps)`. */
export async function kitRoutes(app: FastifyInstance, d: KitRouteDeps): Promise<void> {
  const { sessions } = d;
  const kits = d.repos.kits;
  /** A refused kit names its fields (`error.fields`), so the console marks them like a schema error. */
  const invalid = (field: string, why: string) =>
    new AppError('ODART_ERR_VALIDATION', `invalid fields: ${field} (${why})`, Object.fromEntries(field.split(', ').map((f) => [f, why])));

  /** A kit as stored must make sense whole: a responder's kit names a responder of the service, a box or pharmacy has a place. */
  const check = async (user: UserRow, k: Pick<KitRow, 'holder' | 'holder_user_id' | 'latitude' | 'longitude'>) => {
    if ((k.latitude === null) !== (k.longitude === null)) throw invalid('latitude, longitude', 'both or neither');
    if (k.holder === 'responder') {
      if (!k.holder_user_id) throw invalid('holderUserId', 'a responder kit names who carries it');
      const [holder] = await d.repos.usersByIds([k.holder_user_id]);
      if (!holder || holder.service_id !== user.service_id) throw invalid('holderUserId', 'no such user in this service');
    } else {
      if (k.holder_user_id) throw invalid('holderUserId', 'only a responder kit has one');
      if (k.latitude === null) throw invalid('latitude, longitude', 'a box or pharmacy needs its place');
    }
  };
  const view = async (k: KitRow): Promise<KitView> => {
    const holder = k.holder_user_id ? (await d.repos.usersByIds([k.holder_user_id]))[0] : undefined;
    return kitView(k, d.clock.now(), holder?.display_name ?? null);
  };
  const own = async (user: UserRow, id: string) => {
    const k = await kits.byId(user.service_id, id);
    if (!k) throw new AppError('ODART_ERR_NOT_FOUND', 'No such kit');
    return k;
  };

  app.get('/api/admin/kits', async (req) => {
    const user = await sessions.requireAdmin(req);
    return Promise.all((await kits.forService(user.service_id)).map(view));
  });
  app.post('/api/admin/kits', async (req, reply) => {
    const user = await sessions.requireAdmin(req);
    const b = kitCreate.parse(req.body);
    const row: KitRow = {
      id: d.ids.next('kit'),
      service_id: user.service_id,
      name: b.name,
      holder: b.holder,
      holder_user_id: b.holderUserId ?? null,
      address: b.address ?? null,
      latitude: b.latitude ?? null,
      longitude: b.longitude ?? null,
      access_notes: b.accessNotes ?? null,
      expires_on: b.expiresOn,
      created_at: d.clock.now(),
    };
    await check(user, row);
    await kits.insert(row);
    return reply.code(201).send(await view(row));
  });
  app.get('/api/admin/kits/:id', async (req) => {
    const user = await sessions.requireAdmin(req);
    return view(await own(user, idParam.parse(req.params).id));
  });
  app.put('/api/admin/kits/:id', async (req) => {
    const user = await sessions.requireAdmin(req);
    const k = await own(user, idParam.parse(req.params).id);
    const b = kitPatch.parse(req.body);
    const patch: KitPatch = {};
    if (b.name !== undefined) patch.name = b.name;
    if (b.holder !== undefined) patch.holder = b.holder;
    if (b.holderUserId !== undefined) patch.holder_user_id = b.holderUserId;
    if (b.address !== undefined) patch.address = b.address;
    if (b.latitude !== undefined) patch.latitude = b.latitude;
    if (b.longitude !== undefined) patch.longitude = b.longitude;
    if (b.accessNotes !== undefined) patch.access_notes = b.accessNotes;
    if (b.expiresOn !== undefined) patch.expires_on = b.expiresOn;
    // A kit handed from a responder to a box drops its carrier unless the request names one.
    if (b.holder !== undefined && b.holder !== 'responder' && b.holderUserId === undefined) patch.holder_user_id = null;
    await check(user, { ...k, ...patch } as KitRow);
    await kits.update(user.service_id, k.id, patch);
    return view((await kits.byId(user.service_id, k.id))!);
  });
  app.delete('/api/admin/kits/:id', async (req, reply) => {
    const user = await sessions.requireAdmin(req);
    const k = await own(user, idParam.parse(req.params).id);
    await kits.remove(user.service_id, k.id);
    return reply.code(204).send();
  });
}
