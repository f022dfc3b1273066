// The hand-off signature, both directions (docs/api.md "Hand-off"): the header
// `X-ODART-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`, the
// convention webhook receivers know. A receiver refuses a timestamp older than 5 minutes or more
// than 1 minute ahead of its clock, so a captured request cannot be replayed later.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-odart-signature';
export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** A signed request older than this is a replay. */
export const MAX_AGE_S = 300;
/** A signed request this far ahead of our clock is refused too. */
export const MAX_AHEAD_S = 60;

export function hmacHex(secret: string, t: number, rawBody: string | Buffer): string {
  return createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest('hex');
}

/** The header value for a body sent at `nowMs`. */
export function signHandoff(secret: string, nowMs: number, rawBody: string | Buffer): string {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},v1=${hmacHex(secret, t, rawBody)}`;
}

export type SignatureCheck = 'ok' | 'missing' | 'malformed' | 'bad_signature' | 'too_old' | 'in_future';

/** Checks a header against the raw body; any `v1` of several may match (a receiver rotating secrets). */
export function verifyHandoff(secret: string, header: unknown, rawBody: string | Buffer, nowMs: number): SignatureCheck {
  if (typeof header !== 'string' || header === '') return 'missing';
  if (header.length > 1024) return 'malformed';
  let t: number | null = null;
  const sigs: string[] = [];
  for (const part of header.split(',')) {
    const [k, v] = part.trim().split('=', 2);
    if (k === 't' && v !== undefined && /^[0-9]{1,12}$/.test(v)) t = Number(v);
    else if (k === 'v1' && v !== undefined && /^[0-9a-f]{64}$/.test(v)) sigs.push(v);
  }
  if (t === null || sigs.length === 0) return 'malformed';
  const want = Buffer.from(hmacHex(secret, t, rawBody), 'hex');
  if (!sigs.some((s) => timingSafeEqual(Buffer.from(s, 'hex'), want))) return 'bad_signature';
  const now = Math.floor(nowMs / 1000);
  if (t < now - MAX_AGE_S) return 'too_old';
  if (t > now + MAX_AHEAD_S) return 'in_future';
  return 'ok';
}
