// Twilio webhooks: inbound SMS replies, delivery status callbacks (messages and calls), and the
// keypress of an alert call. All need a valid X-Twilio-Signature over PUBLIC_URL + path and the form
// parameters; all are idempotent per provider id (a repeated MessageSid acts and replies only once).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Outcome } from '../alerts/index.js';
import { AppError } from '../errors.js';
import { escapeXml, parseSnapshot } from '../escalation/index.js';
import { en } from '../messages/en.js';
import { validTwilioSignature } from '../notify/index.js';
import { OPEN_ALERT_STATES, type AlertRow, type UserRow } from '../store/index.js';
import type { HttpDeps } from './app.js';
import { parseWearerKeyword } from '../consent/index.js';

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

/** Outcome digits of the SMS survey, in the order the survey text lists them. */
export const OUTCOME_DIGITS: Record<string, Outcome> = {
  '1': 'overdose_naloxone_given', '2': 'overdose_ambulance', '3': 'wearer_ok', '4': 'false_alarm_sensor', '5': 'no_one_found', '6': 'other',
};
const ACK_WORDS = new Set(['1', 'ACK', 'YES', 'Y']);
const ARRIVED_WORDS = new Set(['ARRIVED', 'HERE']);
const DONE_WORDS = new Set(['DONE', 'RESOLVED']);
/** How long after an SMS resolve the outcome digit is still taken. */
const SURVEY_WINDOW_MS = 24 * 3600_000;

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

  /** Open alerts this number was paged for (newest first), then, for a user, the ones they may see. */
  const openAlertsFor = async (from: string, user: UserRow | undefined): Promise<AlertRow[]> => {
    const out: AlertRow[] = [];
    for (const id of await esc.alertIdsPagedToAddress(from)) {
      const a = await d.repos.alertById(id);
      if (a && OPEN_ALERT_STATES.includes(a.state)) out.push(a);
    }
    if (user) {
      for (const s of await d.alerts.list(user)) {
        if (OPEN_ALERT_STATES.includes(s.state) && !out.some((a) => a.id === s.id)) {
          const a = await d.repos.alertById(s.id);
          if (a) out.push(a);
        }
      }
    }
    return out;
  };

  const contactFor = async (alert: AlertRow, from: string) => {
    const row = (await esc.notificationsForAlert(alert.id)).find((n) => n.kind === 'page' && n.to_addr === from);
    const key = row?.target ?? `phone:${from}`;
    if (key === 'emergency_contact') return { key, label: 'Emergency contact', phone: from };
    let label = 'Phone contact';
    try {
      const snap = parseSnapshot(alert.chain_snapshot);
      const all = [...snap.steps, ...(snap.finalStep ? [snap.finalStep] : [])].flatMap((s) => s.targets);
      const t = all.find((x) => x.type === 'phone' && x.phone === from);
      if (t && t.type === 'phone') label = t.label;
    } catch {
      // label stays generic
    }
    return { key, label, phone: from };
  };

  const handleReply = async (from: string, word: string): Promise<string | null> => {
    const user = await d.repos.userByPhone(from);
    const open = await openAlertsFor(from, user);
    // A number we never paged and no user has: say nothing (do not confirm the service exists).
    if (!user && open.length === 0) return null;

    if (ACK_WORDS.has(word)) {
      const target = open.find((a) => a.state === 'escalating' || a.state === 'pending_checkin');
      if (target) {
        const name = await alias(target);
        if (user) {
          const res = await d.alerts.ack(target.id, user, 'sms');
          if (res.attending) return en.smsAcked({ alias: name });
          return en.smsAlreadyTaken({ alias: name, responder: await attendingName((await d.repos.alertById(target.id))!) });
        }
        const res = await d.alerts.ackByContact(target.id, await contactFor(target, from));
        if (res.attending) return en.smsContactAcked({ alias: name });
        return en.smsAlreadyTaken({ alias: name, responder: await attendingName(res.alert) });
      }
      const taken = open.find((a) => a.state === 'acknowledged');
      if (taken && user && taken.attending_responder_id === user.id) return en.smsAcked({ alias: await alias(taken) });
      if (taken) return en.smsAlreadyTaken({ alias: await alias(taken), responder: await attendingName(taken) });
      // No alert to acknowledge: a "1" may be the first outcome digit of a survey.
    }
    if (!user) return en.smsHelp;

    const attending = open.find((a) => a.state === 'acknowledged' && a.attending_responder_id === user.id);
    if (ARRIVED_WORDS.has(word)) {
      const a = attending ?? open.find((x) => x.state !== 'acknowledged');
      if (!a) return en.smsNotAttending;
      await d.alerts.arrived(a.id, user, 'sms');
      return en.smsArrived;
    }
    if (DONE_WORDS.has(word)) {
      if (!attending) return en.smsNotAttending;
      await d.alerts.resolve(attending.id, user, null, null, 'sms');
      return en.smsOutcomePrompt;
    }
    const outcome = OUTCOME_DIGITS[word];
    if (outcome) {
      const since = d.clock.now() - SURVEY_WINDOW_MS;
      const awaiting = await d.repos.db
        .selectFrom('alerts').select('id')
        .where('attending_responder_id', '=', user.id).where('state', '=', 'resolved').where('outcome', 'is', null)
        .where('closed_at', '>=', since).orderBy('closed_at', 'desc').executeTakeFirst();
      if (awaiting && (await d.alerts.setOutcome(awaiting.id, user, outcome))) return en.smsOutcomeThanks;
      if (ACK_WORDS.has(word)) return en.smsNoOpenAlert;
    }
    return en.smsHelp;
  };

  app.post('/webhooks/twilio/sms', { preHandler: verify }, async (req, reply) => {
    const form = smsForm.parse(req.body);
    reply.type('text/xml');
    if (!(await d.repos.firstDelivery(form.MessageSid, 'sms', d.clock.now()))) return twiml(null);
    const kw = parseWearerKeyword(form.Body);
    const user = await d.repos.userByPhone(form.From);
    // A wearer's own phone: consent keywords (YES / STOP / LEAVE / PAUSE 2H). A number that is also a
    // responder's keeps every responder reply (1, ARRIVED, DONE, digits); only STOP/LEAVE/PAUSE go to consent.
    const wearer = !user || (kw && kw.kind !== 'yes') ? await d.consent.wearerByPhone(form.From) : undefined;
    if (wearer) return twiml(await d.consent.handleSms(wearer, form.Body));
    try {
      return twiml(await handleReply(form.From, form.Body.trim().toUpperCase()));
    } catch (err) {
      // The alert closed or is not theirs between lookup and action: a plain answer, not a 4xx Twilio retries.
      if (err instanceof AppError && (err.code === 'ODART_ERR_ALERT_CLOSED' || err.code === 'ODART_ERR_NOT_FOUND')) return twiml(en.smsNoOpenAlert);
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

  // The keypress of an alert call (<Gather action>): 1 acknowledges, as "1" by SMS does.
  app.post('/webhooks/twilio/voice', { preHandler: verify }, async (req, reply) => {
    const form = voiceForm.parse(req.body);
    reply.type('text/xml');
    if (!(await d.repos.firstDelivery(`${form.CallSid}:gather`, 'voice', d.clock.now()))) return say(en.voiceNoInput);
    const att = await esc.attemptByProviderId(form.CallSid);
    const n = att ? await esc.notificationById(att.notification_id) : undefined;
    const alert = n ? await d.repos.alertById(n.alert_id) : undefined;
    if (!n || !alert || form.Digits.trim() !== '1') return say(en.voiceNoInput);
    const name = await alias(alert);
    if (!OPEN_ALERT_STATES.includes(alert.state)) return say(en.voiceNoInput);
    if (n.user_id) {
      const user = await d.repos.userById(n.user_id);
      if (!user) return say(en.voiceNoInput);
      const res = await d.alerts.ack(alert.id, user, 'voice');
      if (res.attending) return say(en.voiceAcked({ alias: name }));
      return say(en.voiceTaken({ responder: await attendingName((await d.repos.alertById(alert.id))!) }));
    }
    const res = await d.alerts.ackByContact(alert.id, await contactFor(alert, n.to_addr ?? ''));
    if (res.attending) return say(en.voiceAcked({ alias: name }));
    return say(en.voiceTaken({ responder: await attendingName(res.alert) }));
  });
}

