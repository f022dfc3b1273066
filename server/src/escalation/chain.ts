// Escalation chain definition: ordered steps of targets x channels with a wait after each, an
// optional repeat of the whole list and a final step; and the snapshot copied onto each alert. The schema
// and types are @odart/protocol's; here are what the escalation reads from a chain.
import {
  CHANNEL_IDS,
  chainSchema,
  chainSnapshotSchema,
  chainStepSchema,
  chainTargetSchema,
  channelSchema,
  targetKey,
  type ChainSnapshot,
  type ChainStep,
  type ParsedChain,
} from '@odart/protocol/api';

// The schema is @odart/protocol's (packages/protocol/src/chain.ts), the one the console's editor is typed by.
export { chainSchema, chainSnapshotSchema, chainStepSchema, chainTargetSchema, channelSchema, targetKey };
export type { ChainDefinition, ChainSnapshot, ChainStep, ChainTarget, Channel, ParsedChain } from '@odart/protocol/api';

/** The registry's channel ids (notify/registry.ts checks it runs exactly these); a chain's JSON names its channels by them. */
export const CHANNELS = CHANNEL_IDS;

/** Group ids a chain refers to, as a group or by its rota (they must exist in the chain's service). */
export function chainGroupIds(c: ParsedChain): string[] {
  const all = [...c.steps, ...(c.finalStep ? [c.finalStep] : [])].flatMap((s) => s.targets);
  return [...new Set(all.flatMap((t) => (t.type === 'group' ? [t.id] : t.type === 'on_shift' ? [t.groupId] : [])))];
}

/** Group ids whose rota a chain pages (`on_shift` targets). */
export function chainOnShiftGroupIds(c: ParsedChain): string[] {
  const all = [...c.steps, ...(c.finalStep ? [c.finalStep] : [])].flatMap((s) => s.targets);
  return [...new Set(all.flatMap((t) => (t.type === 'on_shift' ? [t.groupId] : [])))];
}

/** Responder ids a chain names directly. */
export function chainResponderIds(c: ParsedChain): string[] {
  const all = [...c.steps, ...(c.finalStep ? [c.finalStep] : [])].flatMap((s) => s.targets);
  return [...new Set(all.flatMap((t) => (t.type === 'responder' ? [t.id] : [])))];
}

/** Hand-off endpoint ids a chain names (each must be one of the chain's service). */
export function chainHandoffIds(c: ParsedChain): string[] {
  const all = [...c.steps, ...(c.finalStep ? [c.finalStep] : [])].flatMap((s) => s.targets);
  return [...new Set(all.flatMap((t) => (t.type === 'handoff' ? [t.id] : [])))];
}

/** External numbers a chain pages (each must be confirmed by SMS first), one entry per number. */
export function chainPhones(c: ParsedChain): { phone: string; label: string }[] {
  const all = [...c.steps, ...(c.finalStep ? [c.finalStep] : [])].flatMap((s) => s.targets);
  const out = new Map<string, string>();
  for (const t of all) if (t.type === 'phone' && !out.has(t.phone)) out.set(t.phone, t.label);
  return [...out].map(([phone, label]) => ({ phone, label }));
}

/** Positions run in order: steps x (repeat + 1), then the final step. */
export function positionCount(c: ChainSnapshot): number {
  return c.steps.length * (c.repeat + 1) + (c.finalStep ? 1 : 0);
}

export interface StepAt {
  step: ChainStep;
  /** which round of the repeat (0 = first) */
  cycle: number;
  /** index within `steps`, or -1 for the final step */
  index: number;
  final: boolean;
}

export function stepAt(c: ChainSnapshot, position: number): StepAt | null {
  const n = c.steps.length;
  if (position < 0) return null;
  if (position < n * (c.repeat + 1)) {
    const step = c.steps[position % n];
    return step ? { step, cycle: Math.floor(position / n), index: position % n, final: false } : null;
  }
  if (position === n * (c.repeat + 1) && c.finalStep) return { step: c.finalStep, cycle: c.repeat, index: -1, final: true };
  return null;
}

export function parseSnapshot(text: string): ChainSnapshot {
  return chainSnapshotSchema.parse(JSON.parse(text));
}

/** How an external contact is named to others ("Hostel desk"), from the alert's chain snapshot and the page's target key. */
export function contactLabel(chainSnapshot: string, target: string): string {
  if (target === 'emergency_contact') return 'Emergency contact';
  if (target.startsWith('handoff:')) return 'Alarm centre';
  try {
    const snap = parseSnapshot(chainSnapshot);
    const t = [...snap.steps, ...(snap.finalStep ? [snap.finalStep] : [])].flatMap((s) => s.targets).find((x) => targetKey(x) === target);
    if (t && t.type === 'phone') return t.label;
  } catch {
    // an unreadable snapshot: the label stays generic
  }
  return 'Phone contact';
}
