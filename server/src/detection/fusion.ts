// Fusion of the rule scores into one picture: the registry's rules scored in order (context, then
// the signs, then the supports), independent signs adding, supporting signs only escalating, the
// critical predicate that skips the wearer check-in, and the plain-word reasons.
import type { RuleSet } from './rule-set.js';
import { CRITICAL_SCORE, ROOM, TRIGGER_SCORE, WATCH_SCORE, WEARABLE, type Picture, type Rule } from './rules/rule.js';
import type { RiskLevel } from './types.js';

export const levelOf = (score: number, critical: boolean): RiskLevel =>
  critical || score >= CRITICAL_SCORE ? 'critical' : score >= TRIGGER_SCORE ? 'high' : score >= WATCH_SCORE ? 'watch' : 'none';

/**
 * Scores every rule at `p.now` into `p` (signal quality has filled its part): `top`, the fused
 * `score`, `critical`, `sources`, and the last fresh wearable / room scores. Numbers only, no allocation.
 */
export function fuse(set: RuleSet, rules: readonly Rule[], p: Picture): void {
  const { contexts, primaries, supports } = set;
  for (let k = 0; k < contexts.length; k++) rules[contexts[k]!]!.score(p);
  // Signs in registry order: a later sign may read an earlier one's (stillness reads the breathing signs).
  p.respSign = false;
  let top = 0;
  let wearable = 0;
  let room = 0;
  for (let k = 0; k < primaries.length; k++) {
    const i = primaries[k]!;
    const v = rules[i]!.score(p);
    top = Math.max(top, v);
    if (set.entries[i]!.source === WEARABLE) wearable = Math.max(wearable, v);
    else room = Math.max(room, v);
  }
  p.top = top;
  let score = fusePrimary(set, rules, top);
  // Supports (bradycardia is late, and a slowing trend) escalate a picture, never start one.
  for (let k = 0; k < supports.length; k++) score += rules[supports[k]!]!.score(p);
  score = Math.max(0, Math.min(100, Math.round(score)));
  p.score = score;
  p.critical = critical(p);
  // A critical picture is at least "critical" on the scale, whatever the component scores.
  if (p.critical) p.score = Math.max(score, CRITICAL_SCORE);
  p.sources = (wearable >= WATCH_SCORE ? WEARABLE : 0) | (room >= WATCH_SCORE ? ROOM : 0);
  if (p.vitalsFresh) p.lastWearableScore = wearable;
  if (p.roomFresh) p.lastRoomScore = room;
}

/** The strongest sign, plus 5 for each further independent sign once it triggers (one per `sign` kind). */
export function fusePrimary(set: RuleSet, rules: readonly Rule[], top: number): number {
  let score = top;
  if (top < TRIGGER_SCORE) return score;
  for (const i of set.primaries) {
    const v = rules[i]!.value;
    if (v >= TRIGGER_SCORE && v !== top && !counted(set, rules, i)) score += 5;
  }
  return score;
}

/** An earlier sign of the same kind already triggers (depressed breathing with its apnoea is one sign). */
function counted(set: RuleSet, rules: readonly Rule[], i: number): boolean {
  const sign = set.entries[i]!.sign;
  if (sign === undefined) return false;
  for (const j of set.primaries) {
    if (j >= i) return false;
    if (set.entries[j]!.sign === sign && rules[j]!.value >= TRIGGER_SCORE) return true;
  }
  return false;
}

/**
 * Critical (skips or shortens the check-in): a score of 90, or one of the pictures where waiting
 * for the wearer would only cost oxygen. `p.score` is the fused score before it is raised to 90.
 */
export function critical(p: Picture): boolean {
  const th = p.th;
  const fall = p.fall;
  const spo2Bad = fall !== null && (fall >= th.spo2Drop + 1 || (p.spo2Line !== null && p.spo2 !== null && p.spo2 < p.spo2Line));
  return (
    p.score >= CRITICAL_SCORE ||
    // PRODIGY: apnoea >= 30 s, with SpO2 falling or no SpO2 to say otherwise
    (p.apneaS >= th.criticalApneaSeconds && (spo2Bad || !p.spo2Fresh)) ||
    // PRODIGY: RR <= 5, sustained
    (p.lowS >= th.lowRrSeconds + 30 && p.minRr <= th.criticalRr && p.rr !== null && p.rr <= th.criticalRr) ||
    // the absolute SpO2 floor, with apnoea and a triggering sign
    (p.spo2Fresh && p.critLowMs >= th.spo2CriticalSeconds * 1000 && p.top >= TRIGGER_SCORE && p.apneaS > 0) ||
    // a deep, sustained fall from the wearer's own baseline
    (p.desatScore >= TRIGGER_SCORE && fall !== null && fall >= th.spo2CriticalDrop && p.satArea >= th.satSeconds) ||
    // a steep fall: the oximeter's view of apnoea (desaturation.ts)
    p.steep
  );
}

/** Plain-word reasons for the last scoring: signs from watch level, strongest first, then the others' words in registry order. */
export function reasons(set: RuleSet, rules: readonly Rule[], p: Picture): string[] {
  const parts: { score: number; text: string }[] = [];
  for (const i of set.primaries) {
    const r = rules[i]!;
    if (r.value < WATCH_SCORE) continue;
    const text = r.reason(p);
    if (text !== null) parts.push({ score: r.value, text });
  }
  parts.sort((a, b) => b.score - a.score);
  const out = parts.map((x) => x.text);
  for (let i = 0; i < rules.length; i++) {
    if (set.entries[i]!.role === 'primary') continue;
    const text = rules[i]!.reason(p);
    if (text !== null) out.push(text);
  }
  return out;
}
