// Firmware bridge public surface: frame codec, stream parser, gateway.
export * from './frame.js';
export { FrameStreamParser, type StreamSink } from './stream.js';
export { Bridge, systemClock, type BridgeClock, type BridgeOptions, type BridgeStats } from './bridge.js';
