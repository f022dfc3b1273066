// Managing a service's people beyond create/edit: disable and enable, password reset, sign out
// everywhere. Admin of the same service only; anyone else gets 404. Every change that takes access
// away ends the user's sessions and closes their live sockets at once.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { LoginThrottle } from '../auth/login-throttle.js';
import { generateSecret, hashSecret } from '../auth/secrets.js';
import { AppError } from '../errors.js';
import type { UserRow } from '../store/index.js';
import type { HttpDeps } from './app.js';
import { idParam, type Sessions } from './session.js';

export const passwordBody = z.object({ password: z.string().min(10).max(200).optional() }).strict();

/** What the account routes use: their slice of HttpDeps and what app.ts shares among domains. */
export type AccountRouteDeps = Pick<HttpDeps, 'clock' | 'config' | 'repos'> & { sessions: Sessions; throttle: LoginThrottle };

/** The account routes, a fastify plugin: app.ts registers it with `app.register(accountRoutes, deps)`. */
export async function accountRoutes(app: FastifyInstance, d: AccountRouteDeps): Promise<void> {
  const { sessions, throttle } = d;
  const accounts = d.repos.accounts;
  const ownUser = async (admin: UserRow, id: string) => {
    const u = await d.repos.userById(id);
    if (!u || u.service_id !== admin.service_id) throw new AppError('ODART_ERR_NOT_FOUND', 'No such user');
    return u;
  };
  const revoke = async (u: UserRow) => {
    await sessions.endAll(u.id);
    await accounts.forgetLoginDevicesOf(u.id);
  };
  const view = async (id: string) => {
    const u = (await d.repos.userById(id))!;
    return { id: u.id, username: u.username, disabled: u.disabled_at !== null };
  };

  app.post('/api/admin/users/:id/disable', async (req) => {
    const admin = await sessions.requireAdmin(req);
    const u = await ownUser(admin, idParam.parse(req.params).id);
    // The acting admin always stays able to sign in, so a service can never lock itself out.
    if (u.id === admin.id) throw new AppError('ODART_ERR_FORBIDDEN', 'You cannot disable your own account');
    if (u.disabled_at === null) await accounts.setDisabled(u.id, d.clock.now());
    await revoke(u);
    return view(u.id);
  });

  app.post('/api/admin/users/:id/enable', async (req) => {
    const admin = await sessions.requireAdmin(req);
    const u = await ownUser(admin, idParam.parse(req.params).id);
    await accounts.setDisabled(u.id, null);
    return view(u.id);
  });

  // A new password set by the admin, or a generated one shown in this answer only (never stored in clear).
  app.post('/api/admin/users/:id/password', async (req, reply) => {
    const admin = await sessions.requireAdmin(req);
    const u = await ownUser(admin, idParam.parse(req.params).id);
    const b = passwordBody.parse(req.body ?? {});
    const password = b.password ?? generateSecret(12);
    await accounts.setPasswordHash(u.id, await hashSecret(password, d.config.passwordCost));
    await revoke(u);
    throttle.forgetAccount(u.username);
    void reply.header('cache-control', 'no-store');
    return { ...(await view(u.id)), ...(b.password === undefined ? { password } : {}) };
  });

  app.post('/api/admin/users/:id/logout-everywhere', async (req) => {
    const admin = await sessions.requireAdmin(req);
    const u = await ownUser(admin, idParam.parse(req.params).id);
    await revoke(u);
    return view(u.id);
  });
}
