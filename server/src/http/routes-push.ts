// Web Push subscriptions (issue 16): the app's service worker subscribes with the server's VAPID
// public key and posts the browser's standard PushSubscription JSON; the push channel
// (notify/push/) pages every subscription of the user. Signed-in users only, each for themselves.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { HttpDeps } from './app.js';
import type { Sessions } from './session.js';

const b64url = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+=*$/, 'base64url');
const endpoint = z
  .string()
  .max(2048)
  .url()
  .refine((u) => u.startsWith('https://'), 'an https URL');

/** The standard PushSubscription JSON (`subscription.toJSON()`); expirationTime is accepted and ignored. */
export const pushSubscriptionBody = z.object({
  endpoint,
  expirationTime: z.number().nullable().optional(),
  keys: z.object({ p256dh: b64url(200), auth: b64url(64) }),
});
export const unsubscribeBody = z.object({ endpoint });

/** What the push routes use: the subscriptions repository, the clock, the VAPID public key, the session. */
export type PushRouteDeps = Pick<HttpDeps, 'repos' | 'clock' | 'vapidPublicKey'> & { sessions: Sessions };

/** The push subscription routes, a fastify plugin: app.ts registers it with `app.register(pushRoutes, deps)`. */
export async function pushRoutes(app: FastifyInstance, d: PushRouteDeps): Promise<void> {
  app.get('/api/push/vapid-public-key', async (req) => {
    await d.sessions.require(req);
    return { publicKey: d.vapidPublicKey };
  });

  app.post('/api/push/subscriptions', async (req, reply) => {
    const user = await d.sessions.require(req);
    const s = pushSubscriptionBody.parse(req.body);
    await d.repos.push.savePushSubscription({
      userId: user.id,
      endpoint: s.endpoint,
      p256dh: s.keys.p256dh,
      auth: s.keys.auth,
      now: d.clock.now(),
    });
    return reply.code(201).send({ ok: true });
  });

  app.delete('/api/push/subscriptions', async (req) => {
    const user = await d.sessions.require(req);
    const { endpoint: e } = unsubscribeBody.parse(req.body);
    return { removed: await d.repos.push.deletePushSubscription(user.id, e) };
  });
}
