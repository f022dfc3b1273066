// Consent: enrolment links, opt-in/out, pause with automatic resume, retention of raw vitals.
export { ConsentService, PAUSE_REMINDER_MS, type ConsentDeps, type ConsentVia, type ConsentChange } from './consent-service.js';
export { parseWearerKeyword, MAX_PAUSE_MS, MIN_PAUSE_MS, type WearerKeyword } from './keywords.js';
export { CONSENT_VERSION } from './text.js';
