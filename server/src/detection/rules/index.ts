// The rule registry: every rule the detector runs, in order. A new rule is one file in rules/ and
// one line here; the detector, fusion and the episode take its score, words, source and reset from
// this list. Order matters: readings reach the rules in this order (a rule may read what an earlier
// one published for the same reading), signs score in this order (stillness reads the wearable's
// signs) and equal-scoring reasons keep it.
import type { Thresholds } from '../types.js';
import { ApnoeaRule, apnoeaEvidenceMs } from './apnoea.js';
import { ArousalPattern, HR_SLOW_MS } from './arousal.js';
import { BradycardiaRule } from './bradycardia.js';
import { DesaturationRule, desaturationEvidenceMs } from './desaturation.js';
import { LowRrRule, lowRrEvidenceMs } from './low-rr.js';
import { ROOM, WEARABLE, type Reading, type Rule, type Source } from './rule.js';
import { BreathingTrendRule, RR_FAST_MS } from './rr-trend.js';
import { SleepApnoeaPattern } from './sleep-apnoea.js';
import { SLIDE_EVIDENCE_MS, SlowDesaturationRule } from './slow-desaturation.js';
import { StillnessRule, stillnessEvidenceMs } from './stillness.js';
import { WristStillnessRule } from './wrist-stillness.js';

export interface RuleEntry {
  readonly name: string;
  /** the device that shows its evidence: only that source can show the recovery, and its resets reach the rule */
  readonly source: Source;
  /**
   * `context` changes how the signs read (scored before them, adds nothing); `primary` is a sign
   * that can start an episode (fused: the strongest, +5 for each further sign at trigger level);
   * `support` adds to the fused score (bradycardia: only to a raised picture).
   */
  readonly role: 'context' | 'primary' | 'support';
  /** the readings it observes (only these reach its observe) */
  readonly reads: readonly Reading['kind'][];
  /** primary signs of one kind count once in fusion: the first of them (in this order) at trigger level */
  readonly sign?: string;
  /** a fresh rule for one wearer */
  readonly create: () => Rule;
  /**
   * Its evidence window: how long of a wearer's recent readings a fresh rule (with what it learnt restored from the
   * detector snapshot, `Rule.learnt`) needs to stand where an uninterrupted one stands. A new core replays the
   * longest of them (detection/snapshot.ts `rebuildWindowMs`), so a rule with longer running evidence says so here.
   */
  readonly evidenceMs: (th: Thresholds) => number;
}

const none = () => 0;

export const RULES: readonly RuleEntry[] = [
  {
    name: 'apnoea',
    source: WEARABLE,
    role: 'primary',
    sign: 'breathing',
    reads: ['rr'],
    evidenceMs: apnoeaEvidenceMs,
    create: () => new ApnoeaRule(),
  },
  {
    name: 'low-rr',
    source: WEARABLE,
    role: 'primary',
    sign: 'breathing',
    reads: ['rr'],
    evidenceMs: lowRrEvidenceMs,
    create: () => new LowRrRule(),
  },
  {
    name: 'desaturation',
    source: WEARABLE,
    role: 'primary',
    sign: 'saturation',
    reads: ['spo2'],
    evidenceMs: desaturationEvidenceMs,
    create: () => new DesaturationRule(),
  },
  {
    name: 'slow-desaturation',
    source: WEARABLE,
    role: 'primary',
    sign: 'saturation',
    reads: ['hr', 'spo2'],
    evidenceMs: () => SLIDE_EVIDENCE_MS,
    create: () => new SlowDesaturationRule(),
  },
  {
    name: 'stillness',
    source: ROOM,
    role: 'primary',
    reads: ['room', 'door'],
    evidenceMs: stillnessEvidenceMs,
    create: () => new StillnessRule(),
  },
  {
    name: 'sleep-apnoea',
    source: WEARABLE,
    role: 'context',
    reads: ['rr', 'spo2'],
    evidenceMs: none,
    create: () => new SleepApnoeaPattern(),
  },
  {
    name: 'arousal',
    source: WEARABLE,
    role: 'context',
    reads: ['hr', 'spo2'],
    evidenceMs: () => HR_SLOW_MS,
    create: () => new ArousalPattern(),
  },
  { name: 'bradycardia', source: WEARABLE, role: 'support', reads: ['hr'], evidenceMs: none, create: () => new BradycardiaRule() },
  {
    name: 'rr-trend',
    source: WEARABLE,
    role: 'support',
    reads: ['rr'],
    evidenceMs: () => RR_FAST_MS,
    create: () => new BreathingTrendRule(),
  },
  { name: 'wrist-stillness', source: WEARABLE, role: 'support', reads: [], evidenceMs: none, create: () => new WristStillnessRule() },
];

export type { Picture, Reading, Rule } from './rule.js';
