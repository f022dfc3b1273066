// Test pages (issue 16.3): POST /api/me/test-page (the caller, through every method they have) and
// POST /api/admin/users/:id/test-page (an admin, for anyone of their service). No alert, no escalation:
// escalation/test-page.ts sends a TEST page on each channel and answers with one result per method.
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';
import type { TestPageAnswer } from '@odart/protocol/api';
import { sendTestPage } from '../escalation/test-page.js';
import type { UserRow } from '../store/index.js';
import type { HttpDeps } from './app.js';
import { idParam, type Sessions } from './session.js';

export type TestPageRouteDeps = Pick<HttpDeps, 'clock' | 'config' | 'repos' | 'live' | 'escalator'> & { sessions: Sessions };

export async function testPageRoutes(app: FastifyInstance, d: TestPageRouteDeps): Promise<void> {
  const send = async (u: UserRow): Promise<TestPageAnswer> => {
    const at = new Date(d.clock.now()).toISOString();
    const results = await sendTestPage(
      {
        channels: d.escalator.channels,
        clock: d.clock,
        timeoutMs: d.config.NOTIFY_TIMEOUT_MS,
        liveTestPage: (userId) => d.live.sendTo([userId], { type: 'test_page', at }),
      },
      { userId: u.id, phone: u.phone },
    );
    return { userId: u.id, at, results };
  };

  app.post('/api/me/test-page', async (req) => send(await d.sessions.require(req)));

  app.post('/api/admin/users/:id/test-page', async (req) => {
    const admin = await d.sessions.requireAdmin(req);
    const u = await d.repos.userById(idParam.parse(req.params).id);
    if (!u || u.service_id !== admin.service_id) throw new AppError('ODART_ERR_NOT_FOUND', 'No such user');
    return send(u);
  });
}
