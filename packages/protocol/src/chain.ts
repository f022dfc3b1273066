// The escalation chain as the API takes it (`POST|PUT /api/admin/chains`, `definition`) and as an alert
// carries it (the snapshot): ordered steps of targets x channels with a wait after each, an optional repeat
// of the whole list and a final step. This is the one schema: the server validates with it
// (server/src/escalation/chain.ts re-exports it) and the console's chain editor is typed by its types, so a
// target or field added here is known to both. The app imports only types from here (`import type`), so
// zod stays out of its bundle.
import { z } from 'zod';

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

/**
 * The channels a chain's JSON may name, in the order the console lists them. The server's channel
 * registry (server/src/notify/registry.ts) runs exactly these, one module each; tsc fails there when the
 * two lists differ.
 */
export const CHANNEL_IDS = ['app', 'sms', 'voice', 'push', 'handoff'] as const;
export type ChannelId = (typeof CHANNEL_IDS)[number];
export const channelSchema = z.enum(CHANNEL_IDS);

export const chainStepSchema = z
  .object({
    targets: z.array(chainTargetSchema).min(1).max(50),
    /** every channel is used at once for every target */
    channels: z.array(channelSchema).min(1).max(CHANNEL_IDS.length),
    /** used for a target only when all of its `channels` failed (e.g. voice when SMS cannot be delivered) */
    fallbackChannels: z.array(channelSchema).max(CHANNEL_IDS.length).default([]),
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
/** A step as the server holds it after parsing (defaults filled in). */
export type ChainStep = z.infer<typeof chainStepSchema>;
/** A step as written in a definition (`fallbackChannels` may be left out). */
export type ChainStepInput = z.input<typeof chainStepSchema>;
/** A chain definition as the API takes it and answers it (`repeat` and `fallbackChannels` may be left out). */
export type ChainDefinition = z.input<typeof chainSchema>;
export type ParsedChain = z.infer<typeof chainSchema>;
export type ChainSnapshot = z.infer<typeof chainSnapshotSchema>;
