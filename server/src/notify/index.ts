// Notification channels: the SMS port and its adapters.
export { type SmsSender, type SmsMessage, type SmsResult, isSingleSegment, gsm7Length } from './sms.js';
export { FakeSms, FAKE_FROM } from './fake/fake-sms.js';
export { TwilioSms, validTwilioSignature } from './twilio/twilio-sms.js';
