// What replies do, whichever channel carried them (notify/'s InboundReplies port): a text may confirm
// an external chain number, be a wearer's consent keyword, or a responder's reply (sms-replies.ts); a
// keypress during a page call acknowledges or declines as the person that call paged.
import { contactLabel } from '../escalation/index.js';
import { en } from '../messages/en.js';
import type { InboundReplies } from '../notify/index.js';
import { OPEN_ALERT_STATES, type AlertRow, type NotificationRow } from '../store/index.js';
import type { HttpDeps } from './app.js';
import { readKeypress, readText } from './reply-grammar.js';
import { createSmsReplies, isGoneError } from './sms-replies.js';

export function createInboundReplies(d: HttpDeps): InboundReplies {
  const esc = d.escalator.esc;

  const alias = async (a: AlertRow) => (await d.repos.wearerById(a.wearer_id))?.alias ?? 'the person';
  const attendingName = async (a: AlertRow) => {
    if (a.attending_responder_id) return (await d.repos.userById(a.attending_responder_id))?.display_name ?? en.responderFallbackName;
    return a.attending_contact ?? en.responderFallbackName;
  };
  const contactFor = (alert: AlertRow, n: NotificationRow) => ({
    key: n.target,
    label: contactLabel(alert.chain_snapshot, n.target),
    phone: n.to_addr ?? '',
  });
  const handleReply = createSmsReplies(d);

  /**
   * An external chain number confirming ("YES 123456"; a bare YES when it was asked by one service only
   * and is nobody's responder or wearer number). Undefined when the text is not a confirmation.
   */
  const confirmPhone = async (from: string, confirm: { code: string | null } | null): Promise<string | undefined> => {
    if (!confirm) return undefined;
    const pending = await esc.pendingVerifications(from);
    if (pending.length === 0) return undefined;
    let row = confirm.code ? pending.find((p) => p.code === confirm.code) : undefined;
    if (!confirm.code) {
      const other =
        (await d.repos.userByPhone(from)) || (await esc.pageRecipientsForAddress(from)).length > 0 || (await d.consent.wearerByPhone(from));
      if (other || pending.length !== 1) return undefined;
      row = pending[0];
    }
    if (!row) return en.smsVerifyBadCode;
    await esc.markVerified(row.service_id, row.phone, d.clock.now());
    const service = await d.repos.serviceById(row.service_id);
    return en.smsPhoneVerified({ service: service?.name ?? 'The service' });
  };

  return {
    async text({ from, text }) {
      const reading = readText(text);
      const confirmed = await confirmPhone(from, reading.confirm);
      if (confirmed !== undefined) return confirmed;
      const kw = reading.wearer;
      const responder = (await d.repos.userByPhone(from)) !== undefined || (await esc.pageRecipientsForAddress(from)).length > 0;
      // A wearer's own phone: consent keywords (YES / STOP / LEAVE / PAUSE 2H). A number that is also a
      // responder's (or was paged) keeps every responder reply (1, NO, ARRIVED, DONE, digits); only STOP/LEAVE/PAUSE go to consent.
      const wearer = !responder || (kw && kw.kind !== 'yes') ? await d.consent.wearerByPhone(from) : undefined;
      if (wearer) return d.consent.handleSms(wearer, text);
      try {
        return await handleReply(from, reading.responder);
      } catch (err) {
        // The alert closed or is not theirs between lookup and action: a plain answer, not an error the provider retries.
        if (isGoneError(err)) return en.smsNoOpenAlert;
        throw err;
      }
    },

    async keypress({ providerId, digits }) {
      const att = await esc.attemptByProviderId(providerId);
      const n = att ? await esc.notificationById(att.notification_id) : undefined;
      const alert = n ? await d.repos.alertById(n.alert_id) : undefined;
      const action = readKeypress(digits);
      if (!n || !alert || action === null) return en.voiceNoInput;
      const name = await alias(alert);
      if (!OPEN_ALERT_STATES.includes(alert.state)) return en.voiceNoInput;
      const user = n.user_id ? await d.repos.userById(n.user_id) : undefined;
      if (n.user_id && !user) return en.voiceNoInput;
      const contact = contactFor(alert, n);
      if (action === 'decline') {
        await d.alerts.decline(
          alert.id,
          { target: n.target, userId: user?.id ?? null, name: user?.display_name ?? contact.label },
          'voice',
        );
        return en.voiceDeclined;
      }
      if (user) {
        const res = await d.alerts.ack(alert.id, user, 'voice');
        if (res.attending) return en.voiceAcked({ alias: name });
        return en.voiceTaken({ responder: await attendingName((await d.repos.alertById(alert.id))!) });
      }
      const res = await d.alerts.ackByContact(alert.id, contact, 'voice');
      if (res.attending) return en.voiceAcked({ alias: name });
      return en.voiceTaken({ responder: await attendingName(res.alert) });
    },
  };
}
