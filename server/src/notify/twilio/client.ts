// One Twilio SDK client for SMS and voice, with requests redirected to TWILIO_BASE_URL (a mock in tests),
// and the SDK's errors mapped onto the port's result (retryable or not).
import twilio from 'twilio';
import type TwilioRequestClient from 'twilio/lib/base/RequestClient.js';
import type { TwilioConfig } from '../../config.js';
import { retryableCode } from './status.js';
import type { SmsResult } from '../sms.js';

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

export function createTwilioClient(cfg: TwilioConfig, timeoutMs: number): twilio.Twilio {
  return twilio(cfg.accountSid, cfg.authToken, { httpClient: new BaseUrlRequestClient(cfg.baseUrl, timeoutMs) });
}

export function classifyTwilioError(err: unknown): SmsResult {
  const e = err as { status?: number; code?: number | string; message?: string };
  if (typeof e.status === 'number') {
    const code = String(e.code ?? e.status);
    const retryable = e.status >= 500 || e.status === 429 || retryableCode(code);
    return { ok: false, code, message: e.message ?? `HTTP ${e.status}`, retryable };
  }
  // No HTTP status: the SDK's own timeout, a network failure, or a request the SDK refused to send.
  if (e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT')
    return { ok: false, code: 'timeout', message: e.message ?? 'timeout', retryable: true };
  if (typeof e.code === 'string' && /^E[A-Z_]+$/.test(e.code))
    return { ok: false, code: 'network', message: e.message ?? e.code, retryable: true };
  return { ok: false, code: 'invalid_request', message: e.message ?? 'request refused by the SDK', retryable: false };
}
