// Notification channels: the SMS and voice ports and their adapters.
export { type SmsSender, type SmsMessage, type SmsResult, type MessageOwner, isSingleSegment, gsm7Length, smsSegments, toGsm7 } from './sms.js';
export { type VoiceCaller, type VoiceCall } from './voice.js';
export { retryableCode, callStatusOutcome, messageStatusFailed, PERMANENT_CODES } from './codes.js';
export { FakeSms, FAKE_FROM } from './fake/fake-sms.js';
export { FakeVoice } from './fake/fake-voice.js';
export { TwilioSms, validTwilioSignature } from './twilio/twilio-sms.js';
export { TwilioVoice } from './twilio/twilio-voice.js';
