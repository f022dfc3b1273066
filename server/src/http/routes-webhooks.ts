// Provider webhooks: Twilio's (notify/twilio/webhooks.ts) verify and parse its forms, then hand
// channel-neutral calls to the dispatcher (delivery status; a test page's, escalation/test-page.ts) and to the
// reply handler (inbound-replies.ts).
import type { FastifyInstance } from 'fastify';
import { registerHandoffWebhooks, registerTwilioWebhooks } from '../notify/index.js';
import type { HttpDeps } from './app.js';
import { createInboundReplies } from './inbound-replies.js';
import { handoffAnswers } from './routes-handoff.js';
import { testPageDeps } from './routes-test-page.js';
import { onTestPageStatus } from '../escalation/test-page.js';

/** The provider webhooks, a fastify plugin: app.ts registers it with `app.register(webhookRoutes, deps)`.
 * The reply handler takes the whole of HttpDeps (alerts, consent, escalation, accounts all answer texts). */
export async function webhookRoutes(app: FastifyInstance, d: HttpDeps): Promise<void> {
  registerTwilioWebhooks(app, {
    authToken: d.config.twilio?.authToken,
    publicUrl: d.config.PUBLIC_URL,
    clock: d.clock,
    metrics: d.metrics,
    firstDelivery: (key, kind, at) => d.repos.firstDelivery(key, kind, at),
    // A page's status is the dispatcher's; a sid it does not know may be a test page's text or call.
    statuses: {
      onProviderStatus: async (sid, status, errorCode) =>
        (await d.escalator.dispatcher.onProviderStatus(sid, status, errorCode)) ||
        (await onTestPageStatus(testPageDeps(d), sid, status, errorCode)),
    },
    replies: createInboundReplies(d),
  });
  registerHandoffWebhooks(app, {
    clock: d.clock,
    endpointById: (id) => d.repos.handoff.handoffEndpointById(id),
    firstDelivery: (key, kind, at) => d.repos.firstDelivery(key, kind, at),
    answers: handoffAnswers(d),
  });
}
