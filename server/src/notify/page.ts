// What every channel's page is made of: the facts of the alert, the reason in plain words, and the
// GSM-7 clean-up every text form shares (a page stands on its own, as Brave's do).
import { en } from '../messages/en.js';
import { toGsm7 } from './sms.js';

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
export const cleanLine = (s: string | null | undefined) =>
  toGsm7((s ?? '').replace(/\s+/g, ' '))
    .trim()
    .replace(/[.;,\s]+$/, '');

export const escapeXml = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
