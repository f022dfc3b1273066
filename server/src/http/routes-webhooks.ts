// Twilio webhooks: inbound SMS replies and delivery status callbacks. Both need a valid
// X-Twilio-Signature over PUBLIC_URL + path and the form parameters; both are idempotent per MessageSid.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { en } from '../messages/en.js';
import { validTwilioSignature } from '../notify/index.js';
import { OPEN_ALERT_STATES } from '../store/index.js';
import type { HttpDeps } from './app.js';
import { parseWearerKeyword } from '../consent/index.js';

const smsForm = z.object({ MessageSid: z.string().min(1).max(64), From: z.string().min(1).max(32), Body: z.string().max(1600).default('') });
const statusForm = z.object({
  MessageSid: z.string().min(1).max(64),
  MessageStatus: z.string().min(1).max(32),
  ErrorCode: z.string().max(16).optional(),
});

function twiml(message: string | null): string {
  const esc = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<?xml version="1.0" encoding="UTF-8"?><Response>${message ? `<Message>${esc(message)}</Message>` : ''}</Response>`;
}

export function registerWebhookRoutes(app: FastifyInstance, d: HttpDeps): void {
  const authToken = d.config.twilio?.authToken;

  const verify = async (req: FastifyRequest) => {
    const params = (req.body ?? {}) as Record<string, string>;
    const signature = req.headers['x-twilio-signature'];
    const url = d.config.PUBLIC_URL + req.url;
    // Without a Twilio auth token nothing can be verified, so every webhook is refused.
    if (!authToken || typeof signature !== 'string' || typeof params !== 'object' || !validTwilioSignature(authToken, signature, url, params)) {
      d.metrics.mqttAuthFailures.inc({ kind: 'webhook' });
      throw new AppError('ODART_ERR_BAD_SIGNATURE');
    }
  };

  app.post('/webhooks/twilio/sms', { preHandler: verify }, async (req, reply) => {
    const form = smsForm.parse(req.body);
    reply.type('text/xml');
    if (!(await d.repos.firstDelivery(form.MessageSid, 'sms', d.clock.now()))) return twiml(null);
    const user = await d.repos.userByPhone(form.From);
    const word = form.Body.trim().toUpperCase();
    // A wearer's own phone: consent keywords (YES / STOP / LEAVE / PAUSE 2H). A number that is also a
    // responder's keeps every responder reply (YES, 1, ...); only STOP/LEAVE/PAUSE go to consent then.
    const kw = parseWearerKeyword(form.Body);
    const wearer = !user || (kw && kw.kind !== 'yes') ? await d.consent.wearerByPhone(form.From) : undefined;
    if (wearer) return twiml(await d.consent.handleSms(wearer, form.Body));
    if (!user) return twiml(null);
    if (!['1', 'ACK', 'YES'].includes(word)) return twiml(en.smsHelp);
    const visible = await d.alerts.list(user);
    const open = visible.find((a) => OPEN_ALERT_STATES.includes(a.state));
    if (!open) return twiml(en.smsNoOpenAlert);
    const res = await d.alerts.ack(open.id, user, 'sms');
    if (res.attending) return twiml(en.smsAcked({ alias: open.wearerAlias }));
    const attending = res.alert.attendingResponderId ? await d.repos.userById(res.alert.attendingResponderId) : undefined;
    return twiml(en.smsAlreadyTaken({ alias: open.wearerAlias, responder: attending?.display_name ?? 'Another responder' }));
  });

  app.post('/webhooks/twilio/status', { preHandler: verify }, async (req, reply) => {
    const form = statusForm.parse(req.body);
    const now = d.clock.now();
    if (await d.repos.firstDelivery(`${form.MessageSid}:${form.MessageStatus}`, 'status', now)) {
      const n = await d.repos.notificationByProviderId(form.MessageSid);
      if (n) {
        await d.repos.updateNotification(n.id, { status: form.MessageStatus, error_code: form.ErrorCode ?? null, updated_at: now });
        await d.repos.appendTimeline(n.alert_id, now, 'delivery_status', {
          channel: n.channel, target: n.target, providerId: form.MessageSid, result: form.MessageStatus, errorCode: form.ErrorCode ?? null,
        });
      }
    }
    return reply.code(204).send();
  });
}
