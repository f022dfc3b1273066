// The SMS channel: the page as a text through the SMS port (Twilio or the fake outbox); its status
// words are the provider's, read by its adapter (twilio/status.ts; the fake outbox speaks the same).
import type { QueuedChannel } from '../channel.js';
import { messageStatusOutcome, messageStatusWords } from '../twilio/status.js';
import type { SmsSender } from '../sms.js';
import { alertSmsBody } from './page-text.js';

export const SMS = { id: 'sms', label: 'SMS', reaches: 'person' } as const;

export function smsChannel(sms: SmsSender, statusCallback: string | undefined): QueuedChannel {
  return {
    ...SMS,
    delivery: 'queued',
    render: (p) => alertSmsBody(p.facts, p.replyCode, p.link),
    send: (m) => sms.send({ to: m.to, body: m.body, statusCallback, owner: m.owner }),
    parseStatus: messageStatusOutcome,
    statusWords: messageStatusWords,
  };
}
