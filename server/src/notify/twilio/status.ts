// Twilio's status words and error codes, read for the channels whose provider Twilio is (sms/, voice/;
// the fake provider speaks the same words): which failures are worth retrying (the same number may work
// a little later: network, 5xx, rate limits, handset unreachable) or never will (invalid, unsubscribed,
// landline, blocked), and what a message's or a call's final status means for the page.
import type { DeliveryOutcome } from '../channel.js';

/** Twilio error codes that a later attempt can overcome. Everything else is permanent. */
const RETRYABLE_CODES = new Set([
  '20429', // too many requests
  '20500',
  '20503', // Twilio internal / unavailable
  '30001', // queue overflow
  '30003', // unreachable destination handset (switched off, no signal)
  '30008', // unknown error
  '30009', // missing segment
  'timeout',
  'network',
]);

/** Codes that never succeed by retrying the same channel; listed for the docs and tests. */
export const PERMANENT_CODES = ['21211', '21408', '21610', '21612', '21614', '30004', '30005', '30006', '30007'] as const;

export function retryableCode(code: string): boolean {
  return RETRYABLE_CODES.has(code);
}

/** Final call statuses: busy and no-answer are worth another try; failed and canceled are not. */
export function callStatusOutcome(status: string): DeliveryOutcome {
  switch (status) {
    case 'completed':
      return 'ok';
    case 'busy':
    case 'no-answer':
      return 'retryable';
    case 'failed':
    case 'canceled':
      return 'permanent';
    default:
      return 'pending';
  }
}

/** Message statuses: undelivered/failed are failures; everything else is progress. */
export function messageStatusFailed(status: string): boolean {
  return status === 'undelivered' || status === 'failed';
}

/** A message's status callback: undelivered/failed are failures (retryable by the error code); everything else is progress. */
export function messageStatusOutcome(status: string, errorCode: string | null): DeliveryOutcome {
  return messageStatusFailed(status) ? (errorCode && retryableCode(errorCode) ? 'retryable' : 'permanent') : 'ok';
}

/** What a status callback tells a person about one text or call (a test page's result): its standing and the words. */
export interface StatusWords {
  result: 'delivered' | 'sent' | 'failed';
  /** after the channel's label: "delivered", "answered", "failed: number unreachable", "sent (ringing)" */
  words: string;
}

/** Twilio's error codes in a person's words (docs: twilio.com/docs/api/errors). */
const CODE_WORDS: Record<string, string> = {
  '21211': 'not a valid phone number',
  '21610': 'the number has replied STOP',
  '21612': 'cannot be sent to this number',
  '21614': 'not a mobile number',
  '30001': 'too many messages queued',
  '30003': 'number unreachable',
  '30004': 'blocked by the recipient',
  '30005': 'unknown number',
  '30006': 'a landline or unreachable carrier',
  '30007': 'filtered by the carrier',
  '30008': 'unknown error',
};

const codeWords = (code: string | null, otherwise: string) =>
  (code && CODE_WORDS[code]) ?? (code ? `${otherwise} (error ${code})` : otherwise);

/** A message's status words: delivered / read are delivered, undelivered / failed failed with the reason, the rest progress. */
export function messageStatusWords(status: string, errorCode: string | null): StatusWords {
  if (status === 'delivered' || status === 'read') return { result: 'delivered', words: 'delivered' };
  if (messageStatusFailed(status) || status === 'canceled') {
    return { result: 'failed', words: `failed: ${status === 'canceled' ? 'cancelled' : codeWords(errorCode, 'not delivered')}` };
  }
  return { result: 'sent', words: `sent (${status})` };
}

/** A call's status words: completed is answered; busy, no-answer, failed and canceled failed; the rest progress. */
export function callStatusWords(status: string, errorCode: string | null): StatusWords {
  switch (status) {
    case 'completed':
      return { result: 'delivered', words: 'answered' };
    case 'busy':
      return { result: 'failed', words: 'failed: line busy' };
    case 'no-answer':
      return { result: 'failed', words: 'failed: no answer' };
    case 'failed':
      // Twilio could not connect the call at all: an invalid, unreachable or switched-off number.
      return { result: 'failed', words: `failed: ${codeWords(errorCode, 'number unreachable')}` };
    case 'canceled':
      return { result: 'failed', words: 'failed: cancelled' };
    default:
      return { result: 'sent', words: `sent (${status})` };
  }
}
