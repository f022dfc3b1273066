// The detector snapshot (issue 14): what a wearer's detector learnt over hours (personal baselines, each room
// sensor's scale, the door, the decaying sleep-apnoea and arousal counts) in a small versioned record, written by
// the active core every minute (ingest/snapshots.ts), so a new core restores it and replays only the evidence
// window of the rules (`rebuildWindowMs`) instead of learning everything again from minutes of vitals.
import { RULES, type RuleEntry } from './rules/index.js';
import { ROOM, WEARABLE } from './rules/rule.js';
import { PROBE_SETTLE_MS } from './signal-quality.js';
import type { Thresholds } from './types.js';
import type { WearerDetector } from './wearer-detector.js';

/**
 * The snapshot format. Bump it when a rule's learnt state changes shape or meaning: a snapshot of another version is
 * ignored (counted and logged by the caller), and the wearer's detector learns afresh from the replay.
 */
export const SNAPSHOT_VERSION = 1;
/** A snapshot larger than this is not written (counted): 4 room scales of 42 bins come to about 1.5 KB. */
export const MAX_SNAPSHOT_BYTES = 4096;

export interface DetectorSnapshot {
  version: number;
  /** when it was taken (the detector's clock): readings up to here were learnt */
  at: number;
  /** JSON: { rules: { [rule name]: what Rule.learnt() gave } } */
  data: string;
}

/** A snapshot of `d` at `at`, or null when it would exceed MAX_SNAPSHOT_BYTES. */
export function snapshotOf(d: WearerDetector, at: number): DetectorSnapshot | null {
  const data = JSON.stringify({ rules: d.learnt() });
  return data.length > MAX_SNAPSHOT_BYTES ? null : { version: SNAPSHOT_VERSION, at, data };
}

export type RestoreOutcome = 'restored' | 'unknown_version' | 'malformed';

/**
 * Restores `s` into `d`, a fresh detector. On 'unknown_version' `d` is untouched; on 'malformed' it may be partly
 * restored and must be dropped.
 */
export function restoreSnapshot(d: WearerDetector, s: DetectorSnapshot): RestoreOutcome {
  if (s.version !== SNAPSHOT_VERSION) return 'unknown_version';
  if (!Number.isFinite(s.at) || s.data.length > MAX_SNAPSHOT_BYTES) return 'malformed';
  let parsed: unknown;
  try {
    parsed = JSON.parse(s.data);
  } catch {
    return 'malformed';
  }
  if (typeof parsed !== 'object' || parsed === null || !('rules' in parsed)) return 'malformed';
  const rules = parsed.rules;
  if (typeof rules !== 'object' || rules === null || Array.isArray(rules)) return 'malformed';
  return d.restore(rules as Record<string, unknown>, s.at) ? 'restored' : 'malformed';
}

/**
 * How far back a new core replays a wearer's stored vitals: the longest evidence window of the rules whose device
 * the wearer has (`sources`: WEARABLE | ROOM bits; stillness needs minutes, the wearable's signs under two), plus
 * the check-in that evidence may have started and its clearing, plus the probe's settling time (signal quality
 * starts afresh too). What lasts longer than this is in the snapshot.
 */
export function rebuildWindowMs(th: Thresholds, sources: number = WEARABLE | ROOM, rules: readonly RuleEntry[] = RULES): number {
  let longest = 0;
  for (const r of rules) if (r.source & (sources || WEARABLE | ROOM)) longest = Math.max(longest, r.evidenceMs(th));
  return longest + th.checkinWindowMs + th.clearSeconds * 1000 + PROBE_SETTLE_MS;
}
