// The service's own view (admin role): stored notices (listed, dismissed), the service settings the
// console needs (default phone country), and each wearer's readiness checklist.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { noticeView } from '../alerts/index.js';
import { AppError } from '../errors.js';
import type { HttpDeps } from './app.js';
import { idParam, type Sessions } from './session.js';

export function registerServiceRoutes(app: FastifyInstance, d: HttpDeps, sessions: Sessions): void {
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
}
