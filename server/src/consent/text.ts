// The version of the consent text a wearer agrees to. The text itself is in the app's message catalogue
// (responder-app/src/messages.ts, `consentText`); a test keeps the two versions equal.
export const CONSENT_VERSION = '2026-01';
