// Detection core: pure streaming overdose-risk scoring with injected time.
export { DetectionEngine, type WearerDecision } from './engine.js';
export { WearerDetector, type Calibration } from './wearer-detector.js';
export { news2Partial } from './news2.js';
export { thresholdsSchema, parseStoredThresholds, effectiveThresholds, type ThresholdOverrides } from './thresholds.js';
export * from './types.js';
