// Escalation: chains, the durable fenced step scheduler, the send queue and its rate limit.
export { Escalator, alertSmsBody, alertVoiceTwiml, escapeXml, type EscalatorDeps } from './escalator.js';
export type { AppPager } from '../notify/index.js';
export { Dispatcher, type DispatcherDeps } from './dispatcher.js';
export { TokenBucket, PRIORITY } from './rate.js';
export * from './chain.js';
export { escalationState, type EscalationView } from './state.js';
export { maskTarget } from './targets.js';
