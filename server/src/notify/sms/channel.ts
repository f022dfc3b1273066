// The SMS channel: the page as a text through the SMS port (Twilio or the fake outbox), with the
// provider's message status words read here.
import type { QueuedChannel } from '../channel.js';
import { messageStatusFailed, retryableCode } from '../codes.js';
import type { SmsSender } from '../sms.js';
import { alertSmsBody } from './page-text.js';

export const SMS = { id: 'sms', label: 'SMS' } as const;

export function smsChannel(sms: SmsSender, statusCallback: string | undefined): QueuedChannel {
  return {
    ...SMS,
    delivery: 'queued',
    render: (p) => alertSmsBody(p.facts, p.replyCode, p.link),
    send: (m) => sms.send({ to: m.to, body: m.body, statusCallback, owner: m.owner }),
    // undelivered/failed are failures (retryable by the error code); everything else is progress.
    parseStatus: (status, errorCode) =>
      messageStatusFailed(status) ? (errorCode && retryableCode(errorCode) ? 'retryable' : 'permanent') : 'ok',
  };
}
