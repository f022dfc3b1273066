// The alarm centre's answers: POST /webhooks/handoff/:endpointId, signed like our pages
// (X-ODART-Signature over the raw body with the endpoint's secret; older than 5 minutes or more than
// 1 minute ahead is refused), JSON {"alertId", "action": "acknowledged"|"dispatched"|"resolved",
// "note"?}. A repeated event (same Idempotency-Key, or without one the same body) is a no-op. What an
// answer does is the injected HandoffAnswers' business (alerts/, through http/).
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Clock } from '../../clock.js';
import { AppError } from '../../errors.js';
import { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, verifyHandoff } from './signature.js';

export const HANDOFF_ACTIONS = ['acknowledged', 'dispatched', 'resolved'] as const;
export type HandoffAction = (typeof HANDOFF_ACTIONS)[number];

export const handoffAnswerSchema = z
  .object({
    alertId: z.string().min(1).max(64),
    action: z.enum(HANDOFF_ACTIONS),
    note: z.string().max(500).optional(),
  })
  .strict();
export type HandoffAnswer = z.infer<typeof handoffAnswerSchema>;

/** The endpoint as the webhook needs it (store/handoff.ts rows have these fields). */
export interface HandoffWebhookEndpoint {
  id: string;
  service_id: string;
  name: string;
  secret: string;
}

/** What an answer does (implemented outside notify/: http/ calls the alerts service). */
export interface HandoffAnswers {
  /** The endpoint's service has this alert (else 404, and nothing is recorded). */
  knows(endpoint: HandoffWebhookEndpoint, alertId: string): Promise<boolean>;
  answer(endpoint: HandoffWebhookEndpoint, a: HandoffAnswer): Promise<void>;
}

export interface HandoffWebhookDeps {
  clock: Clock;
  endpointById(id: string): Promise<HandoffWebhookEndpoint | undefined>;
  /** True the first time this event is seen (Repos.firstDelivery): repeats act only once. */
  firstDelivery(key: string, kind: string, at: number): Promise<boolean>;
  answers: HandoffAnswers;
}

/** An answer is small: anything over this is refused (413) before it is read further. */
export const HANDOFF_BODY_LIMIT = 16 * 1024;
const ENDPOINT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const KEY = /^[\x21-\x7e]{1,200}$/;

export function registerHandoffWebhooks(app: FastifyInstance, d: HandoffWebhookDeps): void {
  // Its own context: the body is kept raw (the signature is over its bytes), whatever its content type says.
  void app.register(async (sub) => {
    sub.removeAllContentTypeParsers();
    sub.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: HANDOFF_BODY_LIMIT }, (_req, body, done) => done(null, body));
    sub.post('/webhooks/handoff/:endpointId', { bodyLimit: HANDOFF_BODY_LIMIT }, async (req, reply) => {
      const { endpointId } = req.params as { endpointId: string };
      if (!ENDPOINT_ID.test(endpointId)) throw new AppError('ODART_ERR_NOT_FOUND');
      const ep = await d.endpointById(endpointId);
      if (!ep) throw new AppError('ODART_ERR_NOT_FOUND');
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const check = verifyHandoff(ep.secret, req.headers[SIGNATURE_HEADER], raw, d.clock.now());
      if (check !== 'ok') throw new AppError('ODART_ERR_HANDOFF_SIGNATURE', `X-ODART-Signature: ${check.replace('_', ' ')}`);
      let json: unknown;
      try {
        json = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new AppError('ODART_ERR_BAD_JSON');
      }
      const parsed = handoffAnswerSchema.safeParse(json);
      if (!parsed.success)
        throw new AppError('ODART_ERR_VALIDATION', 'expected {"alertId", "action": "acknowledged"|"dispatched"|"resolved", "note"?}');
      if (!(await d.answers.knows(ep, parsed.data.alertId))) throw new AppError('ODART_ERR_NOT_FOUND', 'No such alert');
      const given = req.headers[IDEMPOTENCY_HEADER];
      if (given !== undefined && (typeof given !== 'string' || !KEY.test(given)))
        throw new AppError('ODART_ERR_VALIDATION', 'Idempotency-Key');
      const key = typeof given === 'string' ? given : createHash('sha256').update(raw).digest('hex');
      if (!(await d.firstDelivery(`handoff:${ep.id}:${key}`, 'handoff', d.clock.now()))) return reply.send({ ok: true, duplicate: true });
      await d.answers.answer(ep, parsed.data);
      return reply.send({ ok: true });
    });
  });
}
