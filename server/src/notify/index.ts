// Notification channels: the Channel port and its registry (app, SMS, voice), the SMS and voice provider ports and their adapters.
export {
  type SmsSender,
  type SmsMessage,
  type SmsResult,
  type MessageOwner,
  isSingleSegment,
  gsm7Length,
  smsSegments,
  toGsm7,
} from './sms.js';
export { type VoiceCaller, type VoiceCall } from './voice.js';
export { retryableCode, callStatusOutcome, messageStatusFailed, messageStatusOutcome, PERMANENT_CODES } from './twilio/status.js';
export { FakeSms, FAKE_FROM } from './fake/fake-sms.js';
export { FakeVoice } from './fake/fake-voice.js';
export { TwilioSms, validTwilioSignature } from './twilio/twilio-sms.js';
export { TwilioVoice } from './twilio/twilio-voice.js';
export {
  type Channel,
  type ChannelInfo,
  type ChannelReach,
  type LiveChannel,
  type LivePage,
  type QueuedChannel,
  type DeliveryOutcome,
  type PageRender,
} from './channel.js';
export {
  ChannelRegistry,
  createChannels,
  CHANNEL_IDS,
  CHANNEL_INFO,
  CHANNEL_ROLES,
  type ChannelId,
  type ChannelDeps,
  type ChannelRoles,
  type PersonAddress,
} from './registry.js';
export { type AppPager } from './app/channel.js';
export { type PageFacts, reasonWords, escapeXml } from './page.js';
export { alertSmsBody, PAGE_SEGMENTS } from './sms/page-text.js';
export { alertVoiceTwiml } from './voice/twiml.js';
export { type InboundReplies, type DeliveryStatuses } from './inbound.js';
export { registerTwilioWebhooks, smsForm, statusForm, voiceForm, type TwilioWebhookDeps } from './twilio/webhooks.js';
export {
  pushChannel,
  PUSH,
  PUSH_TTL_S,
  type PushDeps,
  type PushPage,
  type PushSubscriptions,
  type PushTarget,
  type VapidKeys,
} from './push/channel.js';
export { loadVapidKeys, VAPID_FILE } from './push/vapid.js';
export {
  handoffChannel,
  HANDOFF,
  isAllowedHandoffUrl,
  type HandoffDeps,
  type HandoffEndpoint,
  type HandoffEndpoints,
} from './handoff/channel.js';
export { signHandoff, verifyHandoff, SIGNATURE_HEADER, IDEMPOTENCY_HEADER } from './handoff/signature.js';
export {
  registerHandoffWebhooks,
  HANDOFF_ACTIONS,
  handoffAnswerSchema,
  type HandoffAction,
  type HandoffAnswer,
  type HandoffAnswers,
  type HandoffWebhookDeps,
  type HandoffWebhookEndpoint,
} from './handoff/webhooks.js';
