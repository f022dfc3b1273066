// Fusion of the rule scores into one picture: independent signs add, supporting signs only
// escalate, and the critical predicate that skips the wearer check-in.
import { CRITICAL_SCORE, TRIGGER_SCORE, WATCH_SCORE } from './rules/rule.js';
import type { RiskLevel } from './types.js';

export const levelOf = (score: number, critical: boolean): RiskLevel =>
  critical || score >= CRITICAL_SCORE ? 'critical' : score >= TRIGGER_SCORE ? 'high' : score >= WATCH_SCORE ? 'watch' : 'none';

/** The strongest primary sign, plus 5 for each further independent sign once it triggers. */
export function fusePrimary(top: number, apnea: number, lowRr: number, spo2: number, still: number): number {
  let score = top;
  if (top >= TRIGGER_SCORE) {
    // Each further independent sign adds; supporting signs add but never start anything.
    if (apnea >= TRIGGER_SCORE && top !== apnea) score += 5;
    if (lowRr >= TRIGGER_SCORE && top !== lowRr && apnea < TRIGGER_SCORE) score += 5;
    if (spo2 >= TRIGGER_SCORE && top !== spo2) score += 5;
    if (still >= TRIGGER_SCORE && top !== still) score += 5;
  }
  return score;
}
