// Twilio SMS adapter: the official SDK, with requests redirected to TWILIO_BASE_URL (a mock in tests).
import twilio from 'twilio';
import type TwilioRequestClient from 'twilio/lib/base/RequestClient.js';
import type { TwilioConfig } from '../../config.js';
import type { SmsMessage, SmsResult, SmsSender } from '../sms.js';

const TWILIO_API = 'https://api.twilio.com';

/** twilio 6 has no base-URL option: rewrite each request's URI before the SDK sends it. */
class BaseUrlRequestClient extends twilio.RequestClient {
  constructor(
    private readonly baseUrl: string,
    timeoutMs: number,
  ) {
    super({ timeout: timeoutMs, keepAlive: true });
  }

  override request<TData>(opts: TwilioRequestClient.RequestOptions<TData>) {
    const uri = opts.uri.startsWith(TWILIO_API) ? this.baseUrl + opts.uri.slice(TWILIO_API.length) : opts.uri;
    return super.request<TData>({ ...opts, uri });
  }
}

export class TwilioSms implements SmsSender {
  readonly provider = 'twilio' as const;
  private readonly client: twilio.Twilio;

  constructor(
    private readonly cfg: TwilioConfig,
    timeoutMs = 10_000,
  ) {
    this.client = twilio(cfg.accountSid, cfg.authToken, {
      httpClient: new BaseUrlRequestClient(cfg.baseUrl, timeoutMs),
    });
  }

  async send(msg: SmsMessage): Promise<SmsResult> {
    try {
      const m = await this.client.messages.create({
        to: msg.to,
        from: this.cfg.from,
        body: msg.body,
        ...(msg.statusCallback ? { statusCallback: msg.statusCallback } : {}),
      });
      return { ok: true, sid: m.sid, status: m.status };
    } catch (err) {
      return classifyError(err);
    }
  }
}

function classifyError(err: unknown): SmsResult {
  const e = err as { status?: number; code?: number | string; message?: string };
  if (typeof e.status === 'number') {
    const retryable = e.status >= 500 || e.status === 429;
    return { ok: false, code: String(e.code ?? e.status), message: e.message ?? `HTTP ${e.status}`, retryable };
  }
  // No HTTP status: network failure or timeout.
  return { ok: false, code: typeof e.code === 'string' ? e.code : 'network', message: e.message ?? 'network error', retryable: true };
}

/** Validates X-Twilio-Signature for a form-encoded webhook. */
export function validTwilioSignature(authToken: string, signature: string | undefined, url: string, params: Record<string, string>): boolean {
  if (!signature) return false;
  return twilio.validateRequest(authToken, signature, url, params);
}
