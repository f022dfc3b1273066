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
