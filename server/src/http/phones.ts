// Phone numbers as people type them ("07700 900150", "+44 7700 900150"), read in the service's country
// with libphonenumber-js and stored as E.164. Possible (right length and prefix for the country) is
// the bar: fictional drama ranges used in tests pass, and the SMS provider reports numbers that do not exist.
import { getCountryCallingCode, isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { z } from 'zod';
import { AppError } from '../errors.js';
import type { Repos } from '../store/index.js';

/** What a phone field accepts before it is read: text, or null to clear it. */
export const phoneInput = z.string().trim().max(40).nullable().optional();

export const countryCode = z.string().refine((c) => isSupportedCountry(c), 'an ISO 3166 country code such as GB');

export async function serviceCountry(repos: Repos, serviceId: string): Promise<CountryCode> {
  const c = (await repos.serviceById(serviceId))?.default_country ?? 'GB';
  return isSupportedCountry(c) ? c : 'GB';
}

/** E.164 for a number typed in `country`, or null when it cannot be a phone number there. */
export function toE164(text: string, country: CountryCode): string | null {
  const p = parsePhoneNumberFromString(text, country);
  return p && p.isPossible() ? p.number : null;
}

/**
 * Reads the named phone fields of a parsed body in place (empty text clears a field). Every field
 * that is not a phone number is named in one 400, so the form can mark them all at once.
 */
export function normalisePhones<T extends Record<string, unknown>>(body: T, keys: readonly (keyof T & string)[], country: CountryCode): T {
  const fields: Record<string, string> = {};
  const out: Record<string, unknown> = { ...body };
  for (const k of keys) {
    const v = body[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') continue;
    if (v === '') {
      out[k] = null;
      continue;
    }
    const e164 = toE164(v, country);
    if (e164) out[k] = e164;
    else fields[k] = `not a valid phone number in ${country}: type it as dialled there, or with +${getCountryCallingCode(country)}`;
  }
  if (Object.keys(fields).length > 0)
    throw new AppError('ODART_ERR_VALIDATION', `invalid fields: ${Object.keys(fields).join(', ')}`, fields);
  return out as T;
}
