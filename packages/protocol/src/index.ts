// Public protocol surface shared by server, simulator and firmware bridge.
export * from './topics.js';
export * from './schemas.js';
