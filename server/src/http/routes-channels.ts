// The channels the server runs (notify/registry.ts), for the console's chain editor: it offers these
// instead of a list of its own, so a new channel shows up without an app change.
import type { FastifyInstance } from 'fastify';
import type { HttpDeps } from './app.js';
import type { Sessions } from './session.js';

export function registerChannelRoutes(app: FastifyInstance, d: HttpDeps, sessions: Sessions): void {
  app.get('/api/channels', async (req) => {
    await sessions.require(req);
    return d.escalator.channels.info();
  });
}
