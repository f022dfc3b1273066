// The page a responder receives by SMS or voice, standing on its own as Brave's do: full address, how
// to get in, the reason in a few words, the replies and the no-login link; kept GSM-7, in few segments.
import { en } from '../messages/en.js';
import { smsSegments, toGsm7 } from '../notify/index.js';

export interface PageFacts {
  alias: string;
  address: string | null;
  accessNotes: string | null;
  reasons: readonly string[];
}

/**
 * The reason in a few plain words, never a vital sign's value (an SMS sits on a lock screen). Derived
 * from the detector's first reason; unknown wording falls back to "possible overdose".
 */
export function reasonWords(reasons: readonly string[]): string {
  const r = (reasons[0] ?? '').toLowerCase();
  if (r.includes('pressed help')) return en.reasonHelp;
  if (r.includes('no breathing')) return en.reasonNoBreathing;
  if (r.startsWith('breathing') || r.includes('/min or less')) return en.reasonSlowBreathing;
  if (r.startsWith('spo2') || r.includes('oxygen')) return en.reasonLowOxygen;
  if (r.includes('no movement') || r.includes('not moving')) return en.reasonNoMovement;
  if (r.includes('check-in')) return en.reasonNoAnswer;
  return en.reasonDefault;
}

/** One line, GSM-7, no trailing full stop (the template adds its own). */
const clean = (s: string | null | undefined) => toGsm7((s ?? '').replace(/\s+/g, ' ')).trim().replace(/[.;,\s]+$/, '');

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

const xml = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** TwiML for an alert call: says the page and takes one keypress (1 = going, 2 = cannot go) at the gather URL. */
export function alertVoiceTwiml(f: PageFacts, gatherUrl: string): string {
  const text = en.voiceAlert({
    alias: clean(f.alias) || 'Someone', address: clean(f.address) || en.smsAlertShortPlace,
    access: clean(f.accessNotes) || null, reason: reasonWords(f.reasons),
  });
  return (
    '<?xml version="1.0" encoding="UTF-8"?><Response>' +
    `<Gather input="dtmf" numDigits="1" timeout="10" action="${xml(gatherUrl)}" method="POST">` +
    `<Say>${xml(text)}</Say></Gather><Say>${xml(en.voiceNoInput)}</Say></Response>`
  );
}

export { xml as escapeXml };
