// Twilio webhooks: inbound SMS replies, delivery status callbacks (messages and calls), and the
// keypress of an alert call. All need a valid X-Twilio-Signature over PUBLIC_URL + path and the form
// parameters; all are idempotent per provider id (a repeated MessageSid acts and replies only once).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { contactLabel, escapeXml } from '../escalation/index.js';
import { en } from '../messages/en.js';
import { validTwilioSignature } from '../notify/index.js';
import { OPEN_ALERT_STATES, type AlertRow, type NotificationRow } from '../store/index.js';
import type { HttpDeps } from './app.js';
import { parseWearerKeyword } from '../consent/index.js';
import { createSmsReplies, isGoneError } from './sms-replies.js';

const smsForm = z.object({ MessageSid: z.string().min(1).max(64), From: z.string().min(1).max(32), Body: z.string().max(1600).default('') });
const statusForm = z
  .object({
    MessageSid: z.string().min(1).max(64).optional(),
    MessageStatus: z.string().min(1).max(32).optional(),
    CallSid: z.string().min(1).max(64).optional(),
    CallStatus: z.string().min(1).max(32).optional(),
    ErrorCode: z.string().max(16).optional(),
  })
  .refine((f) => (f.MessageSid && f.MessageStatus) || (f.CallSid && f.CallStatus), { message: 'MessageSid+MessageStatus or CallSid+CallStatus' });
const voiceForm = z.object({ CallSid: z.string().min(1).max(64), Digits: z.string().max(32).default('') });

function twiml(message: string | null): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Response>${message ? `<Message>${escapeXml(message)}</Message>` : ''}</Response>`;
}
function say(text: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Response><Say>${escapeXml(text)}</Say></Response>`;
}

export function registerWebhookRoutes(app: FastifyInstance, d: HttpDeps): void {
  const authToken = d.config.twilio?.authToken;
  const esc = d.escalator.esc;

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

  const alias = async (a: AlertRow) => (await d.repos.wearerById(a.wearer_id))?.alias ?? 'the person';
  const attendingName = async (a: AlertRow) => {
    if (a.attending_responder_id) return (await d.repos.userById(a.attending_responder_id))?.display_name ?? en.responderFallbackName;
    return a.attending_contact ?? en.responderFallbackName;
  };
  const contactFor = (alert: AlertRow, n: NotificationRow) => ({ key: n.target, label: contactLabel(alert.chain_snapshot, n.target), phone: n.to_addr ?? '' });
  const handleReply = createSmsReplies(d);

  /**
   * An external chain number confirming ("YES 123456"; a bare YES when it was asked by one service only
   * and is nobody's responder or wearer number). Undefined when the text is not a confirmation.
   */
  const confirmPhone = async (from: string, body: string): Promise<string | undefined> => {
    const m = /^(?:YES|Y)(?:\s+(\d{6}))?[.!]?$/.exec(body.trim().toUpperCase());
    if (!m) return undefined;
    const pending = await esc.pendingVerifications(from);
    if (pending.length === 0) return undefined;
    let row = m[1] ? pending.find((p) => p.code === m[1]) : undefined;
    if (!m[1]) {
      const other = (await d.repos.userByPhone(from)) || (await esc.pageRecipientsForAddress(from)).length > 0 || (await d.consent.wearerByPhone(from));
      if (other || pending.length !== 1) return undefined;
      row = pending[0];
    }
    if (!row) return en.smsVerifyBadCode;
    await esc.markVerified(row.service_id, row.phone, d.clock.now());
    const service = await d.repos.serviceById(row.service_id);
    return en.smsPhoneVerified({ service: service?.name ?? 'The service' });
  };

  app.post('/webhooks/twilio/sms', { preHandler: verify }, async (req, reply) => {
    const form = smsForm.parse(req.body);
    reply.type('text/xml');
    if (!(await d.repos.firstDelivery(form.MessageSid, 'sms', d.clock.now()))) return twiml(null);
    const confirmed = await confirmPhone(form.From, form.Body);
    if (confirmed !== undefined) return twiml(confirmed);
    const kw = parseWearerKeyword(form.Body);
    const responder = (await d.repos.userByPhone(form.From)) !== undefined || (await esc.pageRecipientsForAddress(form.From)).length > 0;
    // A wearer's own phone: consent keywords (YES / STOP / LEAVE / PAUSE 2H). A number that is also a
    // responder's (or was paged) keeps every responder reply (1, NO, ARRIVED, DONE, digits); only STOP/LEAVE/PAUSE go to consent.
    const wearer = !responder || (kw && kw.kind !== 'yes') ? await d.consent.wearerByPhone(form.From) : undefined;
    if (wearer) return twiml(await d.consent.handleSms(wearer, form.Body));
    try {
      return twiml(await handleReply(form.From, form.Body));
    } catch (err) {
      if (isGoneError(err)) return twiml(en.smsNoOpenAlert);
      throw err;
    }
  });

  app.post('/webhooks/twilio/status', { preHandler: verify }, async (req, reply) => {
    const form = statusForm.parse(req.body);
    const kind = form.MessageSid ? 'message' : 'call';
    const sid = (form.MessageSid ?? form.CallSid)!;
    const status = (form.MessageStatus ?? form.CallStatus)!;
    if (await d.repos.firstDelivery(`${sid}:${status}`, 'status', d.clock.now())) {
      await d.escalator.dispatcher.onProviderStatus(sid, status, form.ErrorCode ?? null, kind);
    }
    return reply.code(204).send();
  });

  // The keypress of an alert call (<Gather action>): 1 acknowledges, as "1" by SMS does; 2 is "I can't go".
  app.post('/webhooks/twilio/voice', { preHandler: verify }, async (req, reply) => {
    const form = voiceForm.parse(req.body);
    reply.type('text/xml');
    if (!(await d.repos.firstDelivery(`${form.CallSid}:gather`, 'voice', d.clock.now()))) return say(en.voiceNoInput);
    const att = await esc.attemptByProviderId(form.CallSid);
    const n = att ? await esc.notificationById(att.notification_id) : undefined;
    const alert = n ? await d.repos.alertById(n.alert_id) : undefined;
    const digit = form.Digits.trim();
    if (!n || !alert || (digit !== '1' && digit !== '2')) return say(en.voiceNoInput);
    const name = await alias(alert);
    if (!OPEN_ALERT_STATES.includes(alert.state)) return say(en.voiceNoInput);
    const user = n.user_id ? await d.repos.userById(n.user_id) : undefined;
    if (n.user_id && !user) return say(en.voiceNoInput);
    const contact = contactFor(alert, n);
    if (digit === '2') {
      await d.alerts.decline(alert.id, { target: n.target, userId: user?.id ?? null, name: user?.display_name ?? contact.label }, 'voice');
      return say(en.voiceDeclined);
    }
    if (user) {
      const res = await d.alerts.ack(alert.id, user, 'voice');
      if (res.attending) return say(en.voiceAcked({ alias: name }));
      return say(en.voiceTaken({ responder: await attendingName((await d.repos.alertById(alert.id))!) }));
    }
    const res = await d.alerts.ackByContact(alert.id, contact, 'voice');
    if (res.attending) return say(en.voiceAcked({ alias: name }));
    return say(en.voiceTaken({ responder: await attendingName(res.alert) }));
  });
}

