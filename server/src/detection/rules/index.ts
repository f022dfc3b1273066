// The rule registry: every rule the detector runs, in order. A new rule is one file in rules/ and
// one line here; the detector, fusion and the episode take its score, words, source and reset from
// this list. Order matters: readings reach the rules in this order (a rule may read what an earlier
// one published for the same reading), signs score in this order (stillness reads the wearable's
// signs) and equal-scoring reasons keep it.
import { ApnoeaRule } from './apnoea.js';
import { ArousalPattern } from './arousal.js';
import { BradycardiaRule } from './bradycardia.js';
import { DesaturationRule } from './desaturation.js';
import { LowRrRule } from './low-rr.js';
import { ROOM, WEARABLE, type Reading, type Rule, type Source } from './rule.js';
import { BreathingTrendRule } from './rr-trend.js';
import { SleepApnoeaPattern } from './sleep-apnoea.js';
import { SlowDesaturationRule } from './slow-desaturation.js';
import { StillnessRule } from './stillness.js';
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
}

export const RULES: readonly RuleEntry[] = [
  { name: 'apnoea', source: WEARABLE, role: 'primary', sign: 'breathing', reads: ['rr'], create: () => new ApnoeaRule() },
  { name: 'low-rr', source: WEARABLE, role: 'primary', sign: 'breathing', reads: ['rr'], create: () => new LowRrRule() },
  { name: 'desaturation', source: WEARABLE, role: 'primary', sign: 'saturation', reads: ['spo2'], create: () => new DesaturationRule() },
  {
    name: 'slow-desaturation',
    source: WEARABLE,
    role: 'primary',
    sign: 'saturation',
    reads: ['hr', 'spo2'],
    create: () => new SlowDesaturationRule(),
  },
  { name: 'stillness', source: ROOM, role: 'primary', reads: ['room', 'door'], create: () => new StillnessRule() },
  { name: 'sleep-apnoea', source: WEARABLE, role: 'context', reads: ['rr', 'spo2'], create: () => new SleepApnoeaPattern() },
  { name: 'arousal', source: WEARABLE, role: 'context', reads: ['hr'], create: () => new ArousalPattern() },
  { name: 'bradycardia', source: WEARABLE, role: 'support', reads: ['hr'], create: () => new BradycardiaRule() },
  { name: 'rr-trend', source: WEARABLE, role: 'support', reads: ['rr'], create: () => new BreathingTrendRule() },
  { name: 'wrist-stillness', source: WEARABLE, role: 'support', reads: [], create: () => new WristStillnessRule() },
];

export type { Picture, Reading, Rule } from './rule.js';
