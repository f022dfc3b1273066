// Signed, expiring no-login links to one alert for one paged recipient (the token names the page
// notification, so it grants that recipient's view and actions on that alert only), and the short
// per-alert reply code an SMS must carry to resolve or record an outcome. Both are HMACs of one secret.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A link works this long after its page was created... */
export const LINK_TTL_MS = 24 * 3600_000;
/** ...and at most this long after its alert closed (the recipient can still see how it ended). */
export const LINK_GRACE_MS = 30 * 60_000;
const MAC_CHARS = 16;
/** No 0/O, 1/I/L, 2/Z, 5/S, 8/B: read off a phone screen and typed back without mistakes. */
const CODE_ALPHABET = 'ACDEFHJKMNPRTVWXY34679';
export const REPLY_CODE = /^[ACDEFHJKMNPRTVWXY34679]{4}$/;
export const PAGE_TOKEN = /^[a-z0-9_]{1,60}\.[A-Za-z0-9_-]{16}$/;

export class PageLinks {
  constructor(private readonly secret: Buffer = randomBytes(32)) {}

  private mac(purpose: string, value: string): Buffer {
    return createHmac('sha256', this.secret).update(`${purpose}:${value}`).digest();
  }

  /** The token of a page notification (`ntf_...`): its id without the prefix, a dot, 96 bits of HMAC. */
  token(notificationId: string): string {
    return `${notificationId.replace(/^ntf_/, '')}.${this.mac('page', notificationId).toString('base64url').slice(0, MAC_CHARS)}`;
  }

  /** The notification id a token names, or null when it is malformed or not ours. */
  verify(token: string): string | null {
    if (!PAGE_TOKEN.test(token)) return null;
    const [rest, given] = token.split('.') as [string, string];
    const id = `ntf_${rest}`;
    const want = Buffer.from(this.mac('page', id).toString('base64url').slice(0, MAC_CHARS));
    const got = Buffer.from(given);
    return got.length === want.length && timingSafeEqual(got, want) ? id : null;
  }

  /** Four characters, the same for everyone paged for this alert. */
  replyCode(alertId: string): string {
    const d = this.mac('reply', alertId);
    let s = '';
    for (let i = 0; i < 4; i++) s += CODE_ALPHABET[d.readUInt16BE(i * 2) % CODE_ALPHABET.length];
    return s;
  }
}

/** When a link made for a page created at `createdAt` stops working. */
export function linkExpiresAt(createdAt: number, closedAt: number | null): number {
  const ttl = createdAt + LINK_TTL_MS;
  return closedAt === null ? ttl : Math.min(ttl, closedAt + LINK_GRACE_MS);
}
