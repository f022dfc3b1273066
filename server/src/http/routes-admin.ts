// Service console API (admin role): wearers, devices and users of the admin's own service.
// Anything outside the service, or any caller without the admin role, gets 404 so ids leak nothing.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DEVICE_SECRET_COST, generateSecret, hashSecret } from '../auth/secrets.js';
import { AppError } from '../errors.js';
import { DEVICE_ID_PATTERN } from '@odart/protocol';
import type { AdminUserView, DeviceView, WearerView } from '@odart/protocol/api';
import { isUniqueViolation, type UserRow, type WearerPatch } from '../store/index.js';
import type { HttpDeps } from './app.js';
import { normalisePhones, phoneInput, serviceCountry } from './phones.js';
import { idParam, ownWearer, type Sessions } from './session.js';

const wearerFields = {
  alias: z.string().trim().min(1).max(60),
  address: z.string().max(300).nullable().optional(),
  accessNotes: z.string().max(1000).nullable().optional(),
  phone: phoneInput,
  emergencyContactPhone: phoneInput,
  chainId: z.string().max(64).nullable().optional(),
  responderIds: z.array(z.string().max(64)).max(100).optional(),
  consent: z.enum(['pending', 'active']).optional(),
  /** the home as a point, for the nearest naloxone kits (null clears it) */
  location: z
    .object({ latitude: z.number().min(-90).max(90), longitude: z.number().min(-180).max(180) })
    .strict()
    .nullable()
    .optional(),
};
export const wearerCreate = z.object(wearerFields).strict();
export const wearerPatch = z.object({ ...wearerFields, alias: wearerFields.alias.optional() }).strict();
export const deviceCreate = z
  .object({
    id: z.string().regex(DEVICE_ID_PATTERN, 'letters, digits, . _ - (max 64)').optional(),
    kind: z.enum(['wearable', 'room', 'door', 'button', 'gateway']),
    wearerId: z.string().max(64).nullable().optional(),
  })
  .strict();
export const userCreate = z
  .object({
    username: z.string().regex(/^[a-z0-9._-]{2,40}$/, 'lower-case letters, digits, . _ - (2-40)'),
    password: z.string().min(10).max(200),
    role: z.enum(['admin', 'responder']),
    displayName: z.string().trim().min(1).max(60),
    phone: phoneInput,
  })
  .strict();

/** The answer to a device id that cannot be registered, whoever has it. */
export const DEVICE_ID_TAKEN = 'That device id is taken; leave id out to get a generated one';

/** What the admin routes (wearers, devices, users) use: their slice of HttpDeps and what app.ts shares among domains. */
export type AdminRouteDeps = Pick<HttpDeps, 'clock' | 'config' | 'ids' | 'repos' | 'wearers'> & { sessions: Sessions };

/** The admin routes (wearers, devices, users), a fastify plugin: app.ts registers it with `app.register(adminRoutes, deps)`. */
export async function adminRoutes(app: FastifyInstance, d: AdminRouteDeps): Promise<void> {
  const { sessions } = d;
  const admin = d.repos.admin;

  const ownDevice = async (user: UserRow, id: string) => {
    const dev = await d.repos.deviceById(id);
    if (!dev || dev.service_id !== user.service_id) throw new AppError('ODART_ERR_NOT_FOUND', 'No such device');
    return dev;
  };
  const checkRefs = async (user: UserRow, chainId: string | null | undefined, responderIds: string[] | undefined) => {
    if (chainId) {
      const c = await d.repos.chainById(chainId);
      if (!c || c.service_id !== user.service_id) throw new AppError('ODART_ERR_VALIDATION', 'invalid fields: chainId');
    }
    if (responderIds && responderIds.length > 0) {
      const users = await d.repos.usersByIds(responderIds);
      if (users.length !== new Set(responderIds).size || users.some((u) => u.service_id !== user.service_id)) {
        throw new AppError('ODART_ERR_VALIDATION', 'invalid fields: responderIds');
      }
    }
  };
  const wearerView = async (w: NonNullable<Awaited<ReturnType<typeof d.repos.wearerById>>>): Promise<WearerView> => ({
    id: w.id,
    alias: w.alias,
    address: w.address,
    accessNotes: w.access_notes,
    phone: w.phone,
    emergencyContactPhone: w.emergency_contact_phone,
    chainId: w.chain_id,
    consent: w.consent,
    responderIds: await d.repos.responderIdsForWearer(w.id),
    createdAt: new Date(w.created_at).toISOString(),
    location: w.latitude == null || w.longitude == null ? null : { latitude: w.latitude, longitude: w.longitude },
  });
  const deviceView = (x: NonNullable<Awaited<ReturnType<typeof d.repos.deviceById>>>): DeviceView => ({
    id: x.id,
    kind: x.kind,
    wearerId: x.wearer_id,
    room: x.room ?? null,
    online: x.online === 1,
    battery: x.battery,
    lastSeenAt: x.last_seen_at === null ? null : new Date(x.last_seen_at).toISOString(),
    createdAt: new Date(x.created_at).toISOString(),
  });

  // ---- wearers ----
  app.get('/api/admin/wearers', async (req) => {
    const user = await sessions.requireAdmin(req);
    return Promise.all((await admin.wearers(user.service_id)).map(wearerView));
  });
  app.post('/api/admin/wearers', async (req, reply) => {
    const user = await sessions.requireAdmin(req);
    const b = normalisePhones(
      wearerCreate.parse(req.body),
      ['phone', 'emergencyContactPhone'],
      await serviceCountry(d.repos, user.service_id),
    );
    await checkRefs(user, b.chainId, b.responderIds);
    const id = d.ids.next('w');
    await d.repos.insertWearer({
      id,
      service_id: user.service_id,
      alias: b.alias,
      address: b.address ?? null,
      access_notes: b.accessNotes ?? null,
      phone: b.phone ?? null,
      emergency_contact_phone: b.emergencyContactPhone ?? null,
      chain_id: b.chainId ?? null,
      consent: b.consent ?? 'pending',
      thresholds: null,
      created_at: d.clock.now(),
      latitude: b.location?.latitude ?? null,
      longitude: b.location?.longitude ?? null,
    });
    if (b.responderIds) await admin.setResponders(id, b.responderIds);
    await d.wearers.wearerChanged(id);
    return reply.code(201).send(await wearerView((await d.repos.wearerById(id))!));
  });
  app.get('/api/admin/wearers/:id', async (req) => {
    const user = await sessions.requireAdmin(req);
    return wearerView(await ownWearer(d.repos, user, idParam.parse(req.params).id));
  });
  app.patch('/api/admin/wearers/:id', async (req) => {
    const user = await sessions.requireAdmin(req);
    const w = await ownWearer(d.repos, user, idParam.parse(req.params).id);
    const b = normalisePhones(
      wearerPatch.parse(req.body),
      ['phone', 'emergencyContactPhone'],
      await serviceCountry(d.repos, user.service_id),
    );
    await checkRefs(user, b.chainId, b.responderIds);
    const patch: WearerPatch = {};
    if (b.alias !== undefined) patch.alias = b.alias;
    if (b.address !== undefined) patch.address = b.address;
    if (b.accessNotes !== undefined) patch.access_notes = b.accessNotes;
    if (b.phone !== undefined) patch.phone = b.phone;
    if (b.emergencyContactPhone !== undefined) patch.emergency_contact_phone = b.emergencyContactPhone;
    if (b.chainId !== undefined) patch.chain_id = b.chainId;
    if (b.consent !== undefined) patch.consent = b.consent;
    if (b.location !== undefined) {
      patch.latitude = b.location?.latitude ?? null;
      patch.longitude = b.location?.longitude ?? null;
    }
    await d.repos.wearers.updateWearer(w.id, patch);
    if (b.responderIds) await admin.setResponders(w.id, b.responderIds);
    await d.wearers.wearerChanged(w.id);
    return wearerView((await d.repos.wearerById(w.id))!);
  });
  app.delete('/api/admin/wearers/:id', async (req, reply) => {
    const user = await sessions.requireAdmin(req);
    const w = await ownWearer(d.repos, user, idParam.parse(req.params).id);
    const deviceIds = await admin.deleteWearer(w.id, d.clock.now());
    for (const id of deviceIds) await d.wearers.deviceChanged(id);
    await d.wearers.wearerChanged(w.id);
    return reply.code(204).send();
  });

  // ---- devices ----
  app.get('/api/admin/devices', async (req) => {
    const user = await sessions.requireAdmin(req);
    return (await admin.devices(user.service_id)).map(deviceView);
  });
  app.post('/api/admin/devices', async (req, reply) => {
    const user = await sessions.requireAdmin(req);
    const b = deviceCreate.parse(req.body);
    if (b.wearerId) await ownWearer(d.repos, user, b.wearerId);
    const id = b.id ?? d.ids.next('dev').replace('_', '-');
    // One answer for an id live here, live elsewhere or kept for another service: it says nothing of whose (docs/api.md).
    if ((await admin.unavailableDeviceIds([id], user.service_id)).length > 0) throw new AppError('ODART_ERR_CONFLICT', DEVICE_ID_TAKEN);
    const secret = generateSecret();
    await d.repos.insertDevice({
      id,
      service_id: user.service_id,
      wearer_id: b.wearerId ?? null,
      kind: b.kind,
      secret_hash: await hashSecret(secret, DEVICE_SECRET_COST),
      last_seen_at: null,
      battery: null,
      online: 0,
      created_at: d.clock.now(),
    });
    await d.wearers.deviceChanged(id, secret);
    // The secret is shown this once; only its hash is kept.
    return reply.code(201).send({ ...deviceView((await d.repos.deviceById(id))!), secret });
  });
  app.get('/api/admin/devices/:id', async (req) => {
    const user = await sessions.requireAdmin(req);
    return deviceView(await ownDevice(user, idParam.parse(req.params).id));
  });
  app.post('/api/admin/devices/:id/rotate', async (req) => {
    const user = await sessions.requireAdmin(req);
    const dev = await ownDevice(user, idParam.parse(req.params).id);
    const secret = generateSecret();
    await d.repos.updateDevice(dev.id, { secret_hash: await hashSecret(secret, DEVICE_SECRET_COST) });
    await d.wearers.deviceChanged(dev.id, secret);
    return { id: dev.id, secret };
  });
  app.delete('/api/admin/devices/:id', async (req, reply) => {
    const user = await sessions.requireAdmin(req);
    const dev = await ownDevice(user, idParam.parse(req.params).id);
    await admin.deleteDevice(dev.id, d.clock.now());
    await d.wearers.deviceChanged(dev.id);
    return reply.code(204).send();
  });

  // ---- users ----
  const userView = (u: UserRow): AdminUserView => ({
    id: u.id,
    username: u.username,
    role: u.role,
    displayName: u.display_name,
    phone: u.phone,
    onDuty: u.on_duty === 1,
    disabled: u.disabled_at !== null,
  });
  app.get('/api/admin/users', async (req) => {
    const user = await sessions.requireAdmin(req);
    return (await admin.users(user.service_id)).map(userView);
  });
  // Usernames are global (sign-in is by username alone, DESIGN contract), so "not available" can only
  // mean "someone has it". The answer never says where or whose, and each admin gets a few of them an
  // hour: enough to pick a name, too few to list another service's people.
  const conflicts = new Map<string, { n: number; since: number }>();
  const CONFLICTS_PER_HOUR = 10;
  const notAvailable = (adminId: string) => {
    const now = d.clock.now();
    const c = conflicts.get(adminId);
    const cur = c && now - c.since < 3600_000 ? c : { n: 0, since: now };
    cur.n++;
    conflicts.set(adminId, cur);
    return new AppError('ODART_ERR_CONFLICT', 'That username is not available; choose another');
  };
  app.post('/api/admin/users', async (req, reply) => {
    const user = await sessions.requireAdmin(req);
    const b = normalisePhones(userCreate.parse(req.body), ['phone'], await serviceCountry(d.repos, user.service_id));
    const c = conflicts.get(user.id);
    if (c && c.n >= CONFLICTS_PER_HOUR && d.clock.now() - c.since < 3600_000) {
      void reply.header('retry-after', String(Math.ceil((c.since + 3600_000 - d.clock.now()) / 1000)));
      throw new AppError('ODART_ERR_RATE_LIMITED', 'Too many unavailable usernames; try again later');
    }
    if (await d.repos.userByUsername(b.username)) throw notAvailable(user.id);
    const id = d.ids.next('u');
    try {
      await d.repos.insertUser({
        id,
        service_id: user.service_id,
        username: b.username,
        password_hash: await hashSecret(b.password, d.config.passwordCost),
        role: b.role,
        display_name: b.displayName,
        phone: b.phone ?? null,
        on_duty: 1,
        created_at: d.clock.now(),
      });
    } catch (err) {
      // Taken meanwhile by a concurrent request: the same answer, not a 500.
      if (isUniqueViolation(err)) throw notAvailable(user.id);
      throw err;
    }
    return reply.code(201).send(userView((await d.repos.userById(id))!));
  });
}
