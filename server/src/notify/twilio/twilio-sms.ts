// Twilio SMS adapter: Messages API through the official SDK, with a status callback per message.
import twilio from 'twilio';
import type { TwilioConfig } from '../../config.js';
import { E164, INVALID_TO, type SmsMessage, type SmsResult, type SmsSender } from '../sms.js';
import { classifyTwilioError, createTwilioClient } from './client.js';

export class TwilioSms implements SmsSender {
  readonly provider = 'twilio' as const;
  private readonly client: twilio.Twilio;

  constructor(
    private readonly cfg: TwilioConfig,
    timeoutMs = 10_000,
  ) {
    this.client = createTwilioClient(cfg, timeoutMs);
    // The SDK loads its REST modules on first use: a synchronous require of dozens of files that held the event loop
    // for ~60-200 ms at the first alert's first send (issue 14). Load them now, at start-up.
    void this.client.messages;
  }

  async send(msg: SmsMessage): Promise<SmsResult> {
    if (!E164.test(msg.to)) return INVALID_TO;
    try {
      const m = await this.client.messages.create({
        to: msg.to,
        from: this.cfg.from,
        body: msg.body,
        ...(msg.statusCallback ? { statusCallback: msg.statusCallback } : {}),
      });
      return { ok: true, sid: m.sid, status: m.status };
    } catch (err) {
      return classifyTwilioError(err);
    }
  }
}

/** Validates X-Twilio-Signature for a form-encoded webhook. */
export function validTwilioSignature(
  authToken: string,
  signature: string | undefined,
  url: string,
  params: Record<string, string>,
): boolean {
  if (!signature) return false;
  return twilio.validateRequest(authToken, signature, url, params);
}
