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

/**
 * How many SMS segments the text takes: GSM-7 160 septets alone or 153 per part of a long message
 * (the rest carries the concatenation header); UCS-2 70 alone or 67 per part.
 */
export function smsSegments(text: string): number {
  const n = gsm7Length(text);
  if (n === null) {
    const u = [...text].length;
    return u <= 70 ? 1 : Math.ceil(u / 67);
  }
  return n <= 160 ? 1 : Math.ceil(n / 153);
}

const LOOKALIKE: Record<string, string> = {
  '\u2018': "'",
  '\u2019': "'",
  '\u201A': "'",
  '\u2032': "'",
  '\u201C': '"',
  '\u201D': '"',
  '\u201E': '"',
  '\u2033': '"',
  '\u2013': '-',
  '\u2014': '-',
  '\u2212': '-',
  '\u2026': '...',
  '\u00A0': ' ',
  '\u2009': ' ',
  '\u202F': ' ',
  '\t': ' ',
};

/**
 * The text in the GSM-7 alphabet: one curly quote or accent in an address would otherwise turn the
 * whole page into UCS-2 and about triple its segments. Look-alikes are replaced, accents dropped when
 * the plain letter is GSM-7, anything else becomes "?".
 */
export function toGsm7(text: string): string {
  let out = '';
  for (const ch of text) {
    if (GSM7.includes(ch) || GSM7_EXT.includes(ch)) out += ch;
    else if (LOOKALIKE[ch] !== undefined) out += LOOKALIKE[ch];
    else {
      const plain = ch.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
      out += plain.length > 0 && [...plain].every((c) => GSM7.includes(c)) ? plain : '?';
    }
  }
  return out;
}
