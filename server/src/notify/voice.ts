// Voice port: place a call that speaks the alert and takes a keypress. Adapters: twilio/, fake/.
import type { MessageOwner, SmsResult } from './sms.js';

export interface VoiceCall {
  to: string;
  /** TwiML the call runs when answered */
  twiml: string;
  /** URL the provider calls when the call ends (completed, busy, no-answer, failed) */
  statusCallback?: string | undefined;
  /** whose call this is; only the fake provider keeps it */
  owner?: MessageOwner | undefined;
}

export interface VoiceCaller {
  readonly provider: 'twilio' | 'fake';
  call(c: VoiceCall): Promise<SmsResult>;
}
