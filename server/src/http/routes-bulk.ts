// Bulk enrolment for load tests and large services: many wearers with their devices in one request,
// and bulk removal. Same rules as the one-at-a-time admin API (admin only, own service, 404 outside).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { generateSecret, hashGeneratedSecret } from '../auth/secrets.js';
import { AppError } from '../errors.js';
import { DEVICE_ID_PATTERN } from '@odart/protocol';
import type { HttpDeps } from './app.js';
import type { Sessions } from './session.js';

/** One request stays well under the HTTP body limit and the SQLite variable limit. */
export const BULK_MAX_WEARERS = 1000;

export const bulkCreate = z
  .object({
    wearers: z
      .array(
        z
          .object({
            alias: z.string().trim().min(1).max(60),
            consent: z.enum(['pending', 'active']).optional(),
            chainId: z.string().max(64).nullable().optional(),
            responderIds: z.array(z.string().max(64)).max(100).optional(),
            devices: z
              .array(
                z
                  .object({
                    id: z.string().regex(DEVICE_ID_PATTERN, 'letters, digits, . _ - (max 64)').optional(),
                    kind: z.enum(['wearable', 'room', 'door', 'button']),
                  })
                  .strict(),
              )
              .max(8),
          })
          .strict(),
      )
      .min(1)
      .max(BULK_MAX_WEARERS),
  })
  .strict();
export const bulkDelete = z.object({ ids: z.array(z.string().min(1).max(64)).min(1).max(BULK_MAX_WEARERS) }).strict();

const CHUNK = 400;
function chunks<T>(xs: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += CHUNK) out.push(xs.slice(i, i + CHUNK));
  return out;
}

/** What the bulk enrolment routes use: their slice of HttpDeps and what app.ts shares among domains. */
export type BulkRouteDeps = Pick<HttpDeps, 'clock' | 'ids' | 'repos' | 'wearers'> & { sessions: Sessions };

/** The bulk enrolment routes, a fastify plugin: app.ts registers it with `app.register(bulkRoutes, deps)`. */
export async function bulkRoutes(app: FastifyInstance, d: BulkRouteDeps): Promise<void> {
  const { sessions } = d;
  const admin = d.repos.admin;

  // POST /api/admin/wearers/bulk {wearers:[{alias, consent?, chainId?, responderIds?, devices:[{id?, kind}]}]}
  // -> 201 {wearers:[{id, alias, consent, devices:[{id, kind, secret}]}]}; secrets are shown this once.
  app.post('/api/admin/wearers/bulk', { bodyLimit: 1024 * 1024 }, async (req, reply) => {
    const user = await sessions.requireAdmin(req);
    const b = bulkCreate.parse(req.body);

    const chainIds = new Set(b.wearers.flatMap((w) => (w.chainId ? [w.chainId] : [])));
    for (const id of chainIds) {
      const c = await d.repos.chainById(id);
      if (!c || c.service_id !== user.service_id) throw new AppError('ODART_ERR_VALIDATION', 'invalid fields: chainId');
    }
    const responderIds = [...new Set(b.wearers.flatMap((w) => w.responderIds ?? []))];
    if (responderIds.length > 0) {
      const users = await d.repos.usersByIds(responderIds);
      if (users.length !== responderIds.length || users.some((u) => u.service_id !== user.service_id)) {
        throw new AppError('ODART_ERR_VALIDATION', 'invalid fields: responderIds');
      }
    }

    const now = d.clock.now();
    const wearers = b.wearers.map((w) => ({
      id: d.ids.next('w'),
      alias: w.alias,
      consent: w.consent ?? 'pending',
      chainId: w.chainId ?? null,
      responderIds: w.responderIds ?? [],
      devices: w.devices.map((x) => ({ id: x.id ?? d.ids.next('dev').replace('_', '-'), kind: x.kind, secret: generateSecret() })),
    }));
    const deviceIds = wearers.flatMap((w) => w.devices.map((x) => x.id));
    if (new Set(deviceIds).size !== deviceIds.length) throw new AppError('ODART_ERR_VALIDATION', 'invalid fields: devices.id (repeated)');
    for (const part of chunks(deviceIds)) {
      const taken = (await admin.unavailableDeviceIds(part, user.service_id))[0];
      if (taken) throw new AppError('ODART_ERR_CONFLICT', `Device id ${taken} is taken; leave id out to get a generated one`);
    }

    // All or nothing, in one store transaction.
    await d.repos.enrol({
      wearers: wearers.map((w) => ({
        id: w.id,
        service_id: user.service_id,
        alias: w.alias,
        address: null,
        access_notes: null,
        phone: null,
        emergency_contact_phone: null,
        chain_id: w.chainId,
        consent: w.consent,
        thresholds: null,
        created_at: now,
      })),
      responders: wearers.flatMap((w) => [...new Set(w.responderIds)].map((u) => ({ wearer_id: w.id, user_id: u }))),
      devices: wearers.flatMap((w) =>
        w.devices.map((x) => ({
          id: x.id,
          service_id: user.service_id,
          wearer_id: w.id,
          kind: x.kind,
          secret_hash: hashGeneratedSecret(x.secret),
          last_seen_at: null,
          battery: null,
          online: 0,
          created_at: now,
        })),
      ),
    });
    for (const w of wearers) {
      await d.wearers.wearerChanged(w.id);
      for (const x of w.devices) await d.wearers.deviceChanged(x.id, x.secret);
    }
    return reply.code(201).send({
      wearers: wearers.map((w) => ({ id: w.id, alias: w.alias, consent: w.consent, devices: w.devices })),
    });
  });

  // POST /api/admin/wearers/bulk-delete {ids} -> {deleted}; all or nothing: an id outside the service is 404.
  app.post('/api/admin/wearers/bulk-delete', { bodyLimit: 256 * 1024 }, async (req) => {
    const user = await sessions.requireAdmin(req);
    const ids = [...new Set(bulkDelete.parse(req.body).ids)];
    for (const part of chunks(ids)) {
      const found = await d.repos.wearers.idsInService(part, user.service_id);
      if (found.length !== part.length) throw new AppError('ODART_ERR_NOT_FOUND', 'No such wearer');
    }
    for (const id of ids) {
      const deviceIds = await admin.deleteWearer(id, d.clock.now());
      for (const dev of deviceIds) await d.wearers.deviceChanged(dev);
      await d.wearers.wearerChanged(id);
    }
    return { deleted: ids.length };
  });
}
