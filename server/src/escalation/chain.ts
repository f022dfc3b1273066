// Escalation chain definition: ordered steps of targets x channels with a wait after each, an
// optional repeat of the whole list and a final step; and the snapshot copied onto each alert.
import { z } from 'zod';
import { CHANNEL_IDS } from '../notify/index.js';

const e164 = z.string().regex(/^\+[1-9][0-9]{6,14}$/, 'an E.164 phone number');
const id = z.string().min(1).max(64);

export const chainTargetSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('responder'), id }),
  z.object({ type: z.literal('group'), id }),
  z.object({ type: z.literal('phone'), phone: e164, label: z.string().min(1).max(60) }),
  z.object({ type: z.literal('emergency_contact') }),
  /** whoever is on shift in the group's rota (escalation/rota.ts) when the alert starts, and at each repeat */
  z.object({ type: z.literal('on_shift'), groupId: id }),
  /** an alarm centre's hand-off endpoint (POST /api/admin/handoff-endpoints); paged on the handoff channel only */
  z.object({ type: z.literal('handoff'), id }),
]);

/** The registry's channel ids (notify/registry.ts); a chain's JSON names its channels by them. */
export const CHANNELS = CHANNEL_IDS;
export const channelSchema = z.enum(CHANNELS);

export const chainStepSchema = z
  .object({
    targets: z.array(chainTargetSchema).min(1).max(50),
    /** every channel is used at once for every target */
    channels: z.array(channelSchema).min(1).max(CHANNELS.length),
    /** used for a target only when all of its `channels` failed (e.g. voice when SMS cannot be delivered) */
    fallbackChannels: z.array(channelSchema).max(CHANNELS.length).default([]),
    /** seconds to wait after this step starts before the next one */
    waitS: z.number().int().min(0).max(3600),
  })
  .refine((s) => new Set(s.channels).size === s.channels.length, { message: 'channels must not repeat', path: ['channels'] })
  .refine((s) => s.fallbackChannels.every((c) => !s.channels.includes(c)), {
    message: 'a fallback channel must not also be a channel of the step',
    path: ['fallbackChannels'],
  });

export const chainSchema = z.object({
  steps: z.array(chainStepSchema).min(1).max(20),
  /** how many more times the whole list of steps runs when nobody acknowledged */
  repeat: z.number().int().min(0).max(10).default(0),
  /** runs once after the last repeat, e.g. the emergency contact */
  finalStep: chainStepSchema.optional(),
});

/** What an alert carries: the chain as it was when the alert started, group members included. */
export const chainSnapshotSchema = z.object({
  steps: z.array(chainStepSchema).max(20),
  repeat: z.number().int().min(0).max(10).default(0),
  finalStep: chainStepSchema.optional(),
  groups: z.record(z.string(), z.array(z.string())).default({}),
  /** who was on shift in each `on_shift` group when the alert started (0020_rotas; absent in older snapshots) */
  onShift: z.record(z.string(), z.array(z.string())).default({}),
});

export type ChainTarget = z.infer<typeof chainTargetSchema>;
export type Channel = z.infer<typeof channelSchema>;
export type ChainStep = z.infer<typeof chainStepSchema>;
export type ChainDefinition = z.input<typeof chainSchema>;
export type ParsedChain = z.infer<typeof chainSchema>;
export type ChainSnapshot = z.infer<typeof chainSnapshotSchema>;

export function targetKey(t: ChainTarget): string {
  switch (t.type) {
    case 'responder':
      return `responder:${t.id}`;
    case 'group':
      return `group:${t.id}`;
    case 'phone':
      return `phone:${t.phone}`;
    case 'emergency_contact':
      return 'emergency_contact';
    case 'on_shift':
      return `on_shift:${t.groupId}`;
    case 'handoff':
      return `handoff:${t.id}`;
    default:
      return t satisfies never;
  }
}

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
