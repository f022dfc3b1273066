// Twilio voice adapter: Calls API through the official SDK with inline TwiML and a status callback.
import type twilio from 'twilio';
import type { TwilioConfig } from '../../config.js';
import { E164, INVALID_TO, type SmsResult } from '../sms.js';
import type { VoiceCall, VoiceCaller } from '../voice.js';
import { classifyTwilioError, createTwilioClient } from './client.js';

export class TwilioVoice implements VoiceCaller {
  readonly provider = 'twilio' as const;
  private readonly client: twilio.Twilio;

  constructor(
    private readonly cfg: TwilioConfig,
    timeoutMs = 10_000,
  ) {
    this.client = createTwilioClient(cfg, timeoutMs);
    // The SDK loads its REST modules on first use: a synchronous require of dozens of files that held the event loop
    // for ~60-200 ms at the first alert's first send (issue 14). Load them now, at start-up.
    void this.client.calls;
  }

  async call(c: VoiceCall): Promise<SmsResult> {
    if (!E164.test(c.to)) return INVALID_TO;
    try {
      const call = await this.client.calls.create({
        to: c.to,
        from: this.cfg.from,
        twiml: c.twiml,
        // Ring long enough for someone asleep; a voicemail pickup still counts as completed.
        timeout: 30,
        // Without statusCallbackEvent Twilio reports the final status only (completed, busy, no-answer, failed).
        ...(c.statusCallback ? { statusCallback: c.statusCallback, statusCallbackMethod: 'POST' } : {}),
      });
      return { ok: true, sid: call.sid, status: call.status };
    } catch (err) {
      return classifyTwilioError(err);
    }
  }
}
