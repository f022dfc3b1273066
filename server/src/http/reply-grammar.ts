// The reply grammar, the same for every channel that carries replies: what a text or a keypress
// says, as plain data. Pure: no lookups, no provider words; the handler (inbound-replies.ts,
// sms-replies.ts) decides with the store what the reading does (docs/escalation.md, "SMS replies").
import type { Outcome } from '../alerts/index.js';
import { parseWearerKeyword, type WearerKeyword } from '../consent/index.js';
import { REPLY_CODE } from '../escalation/page-links.js';

/** Outcome digits of the SMS survey, in the order the survey text lists them. */
export const OUTCOME_DIGITS: Record<string, Outcome> = {
  '1': 'overdose_naloxone_given',
  '2': 'overdose_ambulance',
  '3': 'wearer_ok',
  '4': 'false_alarm_sensor',
  '5': 'no_one_found',
  '6': 'other',
};
const ACK_WORDS = new Set(['1', 'ACK', 'YES', 'Y', 'GOING']);
const DECLINE_WORDS = new Set(['NO', 'N', 'CANT', "CAN'T", 'CANNOT', 'BUSY']);
const ARRIVED_WORDS = new Set(['ARRIVED', 'HERE']);
const DONE_WORDS = new Set(['DONE', 'RESOLVED']);

export type ReplyAction = 'ack' | 'decline' | 'arrived' | 'done';

/** A responder's reply: the first word, the alert code if one is given, and what the word asks for. */
export interface ResponderReading {
  word: string;
  code: string | null;
  /** null: not a word of the grammar (the handler answers with the help text) */
  action: ReplyAction | 'outcome' | null;
  /** 1-9 with no code: may answer a numbered question this number was just asked */
  choice: number | null;
}

/** Every way a text can be read; the handler tries them in this order. */
export interface Reading {
  /** "YES 123456" or a bare "YES": an external chain number confirming (code null when bare) */
  confirm: { code: string | null } | null;
  /** a wearer's consent keyword (YES / STOP / LEAVE / PAUSE 2H) */
  wearer: WearerKeyword | null;
  responder: ResponderReading;
}

/** First word, the alert code if one is given, with "I can't go" and friends read as NO. */
export function parseReply(body: string): { word: string; code: string | null } {
  const t = body
    .trim()
    .toUpperCase()
    .replace(/[\u2018\u2019`]/g, "'")
    .replace(/[.!?]+$/, '')
    .replace(/\s+/g, ' ');
  const parts = t.split(' ').filter(Boolean);
  const code = parts.slice(1).find((p) => REPLY_CODE.test(p)) ?? null;
  if (/^(I )?(CAN'?T|CANNOT|CAN NOT)( GO)?\b/.test(t)) return { word: 'NO', code };
  return { word: parts[0] ?? '', code };
}

function responderReading(word: string, code: string | null): ResponderReading {
  const action = ACK_WORDS.has(word)
    ? 'ack'
    : DECLINE_WORDS.has(word)
      ? 'decline'
      : ARRIVED_WORDS.has(word)
        ? 'arrived'
        : DONE_WORDS.has(word)
          ? 'done'
          : OUTCOME_DIGITS[word]
            ? 'outcome'
            : null;
  return { word, code, action, choice: /^[1-9]$/.test(word) && code === null ? Number(word) : null };
}

/** What a text says. */
export function readText(text: string): Reading {
  const m = /^(?:YES|Y)(?:\s+(\d{6}))?[.!]?$/.exec(text.trim().toUpperCase());
  const { word, code } = parseReply(text);
  return { confirm: m ? { code: m[1] ?? null } : null, wearer: parseWearerKeyword(text), responder: responderReading(word, code) };
}

/** What keys pressed during a page call say: 1 is going (as "1" by SMS), 2 is "I can't go"; nothing else counts. */
export function readKeypress(digits: string): ReplyAction | null {
  const d = digits.trim();
  return d === '1' ? 'ack' : d === '2' ? 'decline' : null;
}
