// SMS port: what the alerting core needs from any SMS provider. Adapters: twilio/ (real API), fake/ (outbox).

export interface SmsMessage {
  to: string;
  body: string;
  /** URL the provider calls with delivery status updates */
  statusCallback?: string | undefined;
  /** whose message this is; only the fake outbox keeps it (scoped reads, erasure with the wearer) */
  owner?: MessageOwner | undefined;
}

export interface MessageOwner {
  serviceId: string;
  wearerId: string | null;
}

export type SmsResult =
  | { ok: true; sid: string; status: string }
  /** retryable: a later attempt may succeed (timeouts, 5xx, 429); otherwise move on at once */
  | { ok: false; code: string; message: string; retryable: boolean };

export interface SmsSender {
  readonly provider: 'twilio' | 'fake';
  send(msg: SmsMessage): Promise<SmsResult>;
}

/** E.164, the only address form the adapters send to. */
export const E164 = /^\+[1-9][0-9]{6,14}$/;

/** What every adapter answers for an address that is not E.164 (Twilio's own code for it), without calling out. */
export const INVALID_TO: SmsResult = { ok: false, code: '21211', message: "Invalid 'To' Phone Number", retryable: false };

/** GSM 03.38 basic character set: a message made only of these fits 160 characters in one segment. */
const GSM7 =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM7_EXT = '^{}\\[~]|€\f';

/** Number of GSM-7 septets, or null if the text needs UCS-2. */
export function gsm7Length(text: string): number | null {
  let n = 0;
  for (const ch of text) {
    if (GSM7.includes(ch)) n += 1;
    else if (GSM7_EXT.includes(ch)) n += 2;
    else return null;
  }
  return n;
}

/** True when the text goes as one SMS segment (160 GSM-7 septets, or 70 UCS-2 characters). */
export function isSingleSegment(text: string): boolean {
  const n = gsm7Length(text);
  return n === null ? [...text].length <= 70 : n <= 160;
}
