// The service's own settings an admin may change: the emergency number and the service's phone line,
// both shown to responders on the alarm screen (GET /api/alerts/:id/context).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError } from '../errors.js';
import type { ServicesTable } from '../store/index.js';
import type { HttpDeps } from './app.js';
import type { Sessions } from './session.js';

// Dialled from a tel: link: digits with an optional leading +, spaces, dashes and brackets for reading.
const phoneLine = z.string().trim().regex(/^\+?[0-9][0-9 ()-]{2,24}$/, 'a phone number (digits, optional leading +)')
  .refine((s) => s.replace(/[^0-9]/g, '').length <= 15, 'at most 15 digits');
const servicePatch = z.object({
  emergencyNumber: z.string().trim().regex(/^\+?[0-9]{2,15}$/, 'a number of 2 to 15 digits, e.g. 999 or 112').optional(),
  phone: phoneLine.nullable().optional(),
}).strict();

const view = (s: { id: string; name: string; emergency_number: string; phone?: string | null }) => ({
  id: s.id, name: s.name, emergencyNumber: s.emergency_number, phone: s.phone ?? null,
});

export function registerServiceRoutes(app: FastifyInstance, d: HttpDeps, sessions: Sessions): void {
  const load = async (id: string) => {
    const s = await d.repos.serviceById(id);
    if (!s) throw new AppError('ODART_ERR_NOT_FOUND', 'No such service');
    return s;
  };

  app.get('/api/admin/service', async (req) => view(await load((await sessions.requireAdmin(req)).service_id)));

  app.patch('/api/admin/service', async (req) => {
    const user = await sessions.requireAdmin(req);
    const b = servicePatch.parse(req.body);
    const patch: Partial<Pick<ServicesTable, 'emergency_number' | 'phone'>> = {};
    if (b.emergencyNumber !== undefined) patch.emergency_number = b.emergencyNumber;
    if (b.phone !== undefined) patch.phone = b.phone || null;
    if (Object.keys(patch).length > 0) await d.repos.db.updateTable('services').set(patch).where('id', '=', user.service_id).execute();
    return view(await load(user.service_id));
  });
}
