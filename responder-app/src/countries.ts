// The countries a service may read national phone numbers in: exactly those the server accepts
// (libphonenumber-js, server/src/http/phones.ts), listed by build.ts at bundle time so the app does not
// carry the library's metadata, and named in the browser's language.
declare const __PHONE_COUNTRIES__: readonly string[];

export interface Country {
  code: string;
  name: string;
}

/** Every country, sorted by name: "United Kingdom" for GB (the code alone when the browser has no name). */
export function phoneCountries(): Country[] {
  let names: Intl.DisplayNames | null = null;
  try {
    names = new Intl.DisplayNames(undefined, { type: 'region' });
  } catch {
    names = null;
  }
  const nameOf = (code: string) => {
    try {
      return names?.of(code) ?? code;
    } catch {
      return code;
    }
  };
  return __PHONE_COUNTRIES__.map((code) => ({ code, name: nameOf(code) })).sort((a, b) => a.name.localeCompare(b.name));
}
