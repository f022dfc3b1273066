// Escalation: chains, the durable fenced step scheduler.
export { Escalator, alertSmsBody, type EscalatorDeps } from './escalator.js';
export * from './chain.js';
