// Detection core: pure streaming overdose-risk scoring with injected time.
export { DetectionEngine, TICK_PARTS, type WearerDecision } from './engine.js';
export { WearerDetector, type Calibration, type DetectorOptions } from './wearer-detector.js';
export { RULES, type RuleEntry } from './rules/index.js';
export {
  MAX_SNAPSHOT_BYTES,
  SNAPSHOT_VERSION,
  rebuildWindowMs,
  restoreSnapshot,
  snapshotOf,
  type DetectorSnapshot,
  type RestoreOutcome,
} from './snapshot.js';
export { ROOM, WEARABLE } from './rules/rule.js';
export { SLIDE_FALL, SUSTAINED_EVIDENCE_MS, SUSTAINED_FALL, SlowDesaturationRule } from './rules/slow-desaturation.js';
export { news2Partial } from './news2.js';
export { thresholdsSchema, parseStoredThresholds, effectiveThresholds, type ThresholdOverrides } from './thresholds.js';
export * from './types.js';
