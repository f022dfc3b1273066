// The channels the server runs (notify/registry.ts), for the console's chain editor: it offers these
// instead of a list of its own, so a new channel shows up without an app change.
import type { FastifyInstance } from 'fastify';
import type { ChannelView } from '@odart/protocol/api';
import type { HttpDeps } from './app.js';
import type { Sessions } from './session.js';

/** What the channel list uses: the escalator's registry and the signed-in check. */
export type ChannelRouteDeps = Pick<HttpDeps, 'escalator'> & { sessions: Sessions };

/** The channel list, a fastify plugin: app.ts registers it with `app.register(channelRoutes, deps)`. */
export async function channelRoutes(app: FastifyInstance, d: ChannelRouteDeps): Promise<void> {
  app.get('/api/channels', async (req): Promise<ChannelView[]> => {
    await d.sessions.require(req);
    return d.escalator.channels.info();
  });
}
