// The page a responder receives by SMS or voice is each channel's own render (notify/sms/page-text.ts,
// notify/voice/twiml.ts); re-exported here for the escalation code and tests that name it.
export { alertSmsBody, alertVoiceTwiml, escapeXml, reasonWords, PAGE_SEGMENTS, type PageFacts } from '../notify/index.js';
