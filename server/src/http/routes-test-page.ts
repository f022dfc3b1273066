// Test pages (issue 16.3): POST /api/me/test-page (the caller, through every method they have) and
// POST /api/admin/users/:id/test-page (an admin, for anyone of their service). No alert, no escalation:
// escalation/test-page.ts sends a TEST page on each channel and answers with one result per method; the
// provider's later status callbacks (routes-webhooks.ts) and POST /api/me/test-pages/:id/confirm (the
// Acknowledge of the test push, from the service worker) move a result on, told live as `test_page_result`.
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';
import type { TestPageAnswer } from '@odart/protocol/api';
import { confirmTestPush, sendTestPage, type TestPageDeps } from '../escalation/test-page.js';
import type { UserRow } from '../store/index.js';
import type { HttpDeps } from './app.js';
import { idParam, type Sessions } from './session.js';

export type TestPageRouteDeps = Pick<HttpDeps, 'clock' | 'config' | 'ids' | 'repos' | 'live' | 'escalator'> & { sessions: Sessions };

/** What sending, status callbacks and confirmations of test pages work with (the webhooks use it too). */
export function testPageDeps(d: Pick<HttpDeps, 'clock' | 'config' | 'ids' | 'repos' | 'live' | 'escalator'>, at = ''): TestPageDeps {
  return {
    channels: d.escalator.channels,
    clock: d.clock,
    ids: d.ids,
    store: d.repos.testPages,
    timeoutMs: d.config.NOTIFY_TIMEOUT_MS,
    liveTestPage: (userId) => d.live.sendTo([userId], { type: 'test_page', at }),
    liveResult: (userIds, testPageId, userId, result) => d.live.sendTo(userIds, { type: 'test_page_result', testPageId, userId, result }),
  };
}

export async function testPageRoutes(app: FastifyInstance, d: TestPageRouteDeps): Promise<void> {
  const send = async (u: UserRow, by: UserRow): Promise<TestPageAnswer> => {
    const at = new Date(d.clock.now()).toISOString();
    const sent = await sendTestPage(testPageDeps(d, at), { userId: u.id, phone: u.phone }, by.id);
    return { testPageId: sent.testPageId, userId: u.id, at, results: sent.results };
  };

  app.post('/api/me/test-page', async (req) => {
    const me = await d.sessions.require(req);
    return send(me, me);
  });

  app.post('/api/admin/users/:id/test-page', async (req) => {
    const admin = await d.sessions.requireAdmin(req);
    const u = await d.repos.userById(idParam.parse(req.params).id);
    if (!u || u.service_id !== admin.service_id) throw new AppError('ODART_ERR_NOT_FOUND', 'No such user');
    return send(u, admin);
  });

  // The person's Acknowledge on the test push notification: only their own test page.
  app.post('/api/me/test-pages/:id/confirm', async (req, reply) => {
    const me = await d.sessions.require(req);
    if (!(await confirmTestPush(testPageDeps(d), idParam.parse(req.params).id, me.id))) {
      throw new AppError('ODART_ERR_NOT_FOUND', 'No such test page');
    }
    return reply.code(204).send();
  });
}
