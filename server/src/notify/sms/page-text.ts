// The alert SMS: full address, how to get in, the reason in a few words, the replies and the no-login
// link; kept GSM-7, in few segments.
import { en } from '../../messages/en.js';
import { cleanLine as clean, reasonWords, type PageFacts } from '../page.js';
import { smsSegments } from '../sms.js';

function cut(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, Math.max(0, n - 3)).trimEnd()}...`;
}

/** Pages use at least this many segments before access notes or the reason are shortened. */
export const PAGE_SEGMENTS = 2;

/**
 * The alert SMS. Alias, full address, replies, code and link are never cut; the access notes, then
 * the reason, are shortened to stay within PAGE_SEGMENTS (or what the essentials need on their own).
 */
export function alertSmsBody(f: PageFacts, code: string, link: string): string {
  const alias = clean(f.alias) || 'Someone';
  const address = clean(f.address) || en.smsAlertShortPlace;
  let access = clean(f.accessNotes);
  let reason = clean(reasonWords(f.reasons));
  const make = () => en.smsAlert({ alias, address, access: access || null, reason: reason || null, code, link });
  const budget = Math.max(PAGE_SEGMENTS, smsSegments(en.smsAlert({ alias, address, access: null, reason: null, code, link })));
  let body = make();
  while (smsSegments(body) > budget && access.length > 0) {
    access = access.length > 12 ? cut(access, access.length - 4) : '';
    body = make();
  }
  while (smsSegments(body) > budget && reason.length > 0) {
    reason = reason.length > 12 ? cut(reason, reason.length - 4) : '';
    body = make();
  }
  return body;
}
