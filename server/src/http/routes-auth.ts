// Sign in and out with a session cookie.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { verifySecret } from '../auth/secrets.js';
import { AppError } from '../errors.js';
import type { HttpDeps } from './app.js';
import type { Sessions } from './session.js';

const loginBody = z.object({ username: z.string().min(1).max(100), password: z.string().min(1).max(200) });
// Compared against when the user does not exist, so timing does not reveal which usernames exist.
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

export function userView(u: { id: string; username: string; role: string; display_name: string; service_id: string }) {
  return { id: u.id, username: u.username, role: u.role, displayName: u.display_name, serviceId: u.service_id };
}

export function registerAuthRoutes(app: FastifyInstance, d: HttpDeps, sessions: Sessions): void {
  app.post('/api/auth/login', async (req, reply) => {
    const body = loginBody.parse(req.body);
    const user = await d.repos.userByUsername(body.username);
    const ok = await verifySecret(body.password, user?.password_hash ?? DUMMY_HASH);
    if (!user || !ok) throw new AppError('ODART_ERR_BAD_CREDENTIALS');
    await sessions.start(reply, user);
    return { user: userView(user) };
  });

  app.post('/api/auth/logout', async (req, reply) => {
    await sessions.end(req, reply);
    return { ok: true };
  });

  app.get('/api/me', async (req) => {
    const user = await sessions.require(req);
    return { user: userView(user) };
  });
}
