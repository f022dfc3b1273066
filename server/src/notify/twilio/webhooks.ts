// Twilio webhooks: inbound SMS replies, delivery status callbacks (messages and calls), and the
// keypress of an alert call. All need a valid X-Twilio-Signature over PUBLIC_URL + path and the form
// parameters; all are idempotent per provider id (a repeated MessageSid acts and replies only once).
// Twilio's forms and TwiML end here: what a reply means is the injected InboundReplies' business.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Clock } from '../../clock.js';
import { AppError } from '../../errors.js';
import { en } from '../../messages/en.js';
import type { Metrics } from '../../metrics.js';
import type { DeliveryStatuses, InboundReplies } from '../inbound.js';
import { escapeXml } from '../page.js';
import { validTwilioSignature } from './twilio-sms.js';

export const smsForm = z.object({
  MessageSid: z.string().min(1).max(64),
  From: z.string().min(1).max(32),
  Body: z.string().max(1600).default(''),
});
export const statusForm = z
  .object({
    MessageSid: z.string().min(1).max(64).optional(),
    MessageStatus: z.string().min(1).max(32).optional(),
    CallSid: z.string().min(1).max(64).optional(),
    CallStatus: z.string().min(1).max(32).optional(),
    ErrorCode: z.string().max(16).optional(),
  })
  .refine((f) => (f.MessageSid && f.MessageStatus) || (f.CallSid && f.CallStatus), {
    message: 'MessageSid+MessageStatus or CallSid+CallStatus',
  });
export const voiceForm = z.object({ CallSid: z.string().min(1).max(64), Digits: z.string().max(32).default('') });

function twiml(message: string | null): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Response>${message ? `<Message>${escapeXml(message)}</Message>` : ''}</Response>`;
}
function say(text: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Response><Say>${escapeXml(text)}</Say></Response>`;
}

export interface TwilioWebhookDeps {
  /** unset: nothing can be verified, so every webhook is refused */
  authToken: string | undefined;
  publicUrl: string;
  clock: Clock;
  metrics: Metrics;
  /** True the first time this provider event is seen (Repos.firstDelivery): repeats act only once. */
  firstDelivery(key: string, kind: string, at: number): Promise<boolean>;
  statuses: DeliveryStatuses;
  replies: InboundReplies;
}

export function registerTwilioWebhooks(app: FastifyInstance, d: TwilioWebhookDeps): void {
  const verify = async (req: FastifyRequest) => {
    const params = (req.body ?? {}) as Record<string, string>;
    const signature = req.headers['x-twilio-signature'];
    const url = d.publicUrl + req.url;
    if (
      !d.authToken ||
      typeof signature !== 'string' ||
      typeof params !== 'object' ||
      !validTwilioSignature(d.authToken, signature, url, params)
    ) {
      d.metrics.mqttAuthFailures.inc({ kind: 'webhook' });
      throw new AppError('ODART_ERR_BAD_SIGNATURE');
    }
  };

  app.post('/webhooks/twilio/sms', { preHandler: verify }, async (req, reply) => {
    const form = smsForm.parse(req.body);
    reply.type('text/xml');
    if (!(await d.firstDelivery(form.MessageSid, 'sms', d.clock.now()))) return twiml(null);
    return twiml(await d.replies.text({ from: form.From, text: form.Body, channelId: 'sms' }));
  });

  app.post('/webhooks/twilio/status', { preHandler: verify }, async (req, reply) => {
    const form = statusForm.parse(req.body);
    const sid = (form.MessageSid ?? form.CallSid)!;
    const status = (form.MessageStatus ?? form.CallStatus)!;
    if (await d.firstDelivery(`${sid}:${status}`, 'status', d.clock.now())) {
      await d.statuses.onProviderStatus(sid, status, form.ErrorCode ?? null);
    }
    return reply.code(204).send();
  });

  // The keypress of an alert call (<Gather action>).
  app.post('/webhooks/twilio/voice', { preHandler: verify }, async (req, reply) => {
    const form = voiceForm.parse(req.body);
    reply.type('text/xml');
    if (!(await d.firstDelivery(`${form.CallSid}:gather`, 'voice', d.clock.now()))) return say(en.voiceNoInput);
    return say(await d.replies.keypress({ providerId: form.CallSid, digits: form.Digits, channelId: 'voice' }));
  });
}
