// Twilio voice adapter: Calls API through the official SDK with inline TwiML and a status callback.
import type twilio from 'twilio';
import type { TwilioConfig } from '../../config.js';
import type { SmsResult } from '../sms.js';
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
  }

  async call(c: VoiceCall): Promise<SmsResult> {
    try {
      const call = await this.client.calls.create({
        to: c.to,
        from: this.cfg.from,
        twiml: c.twiml,
        // Ring long enough for someone asleep; a voicemail pickup still counts as completed.
        timeout: 30,
        ...(c.statusCallback ? { statusCallback: c.statusCallback, statusCallbackEvent: ['completed'], statusCallbackMethod: 'POST' } : {}),
      });
      return { ok: true, sid: call.sid, status: call.status };
    } catch (err) {
      return classifyTwilioError(err);
    }
  }
}
