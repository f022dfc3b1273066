// Escalation chain definition: ordered steps of targets x channels with a wait after each.
import { z } from 'zod';

const e164 = z.string().regex(/^\+[1-9][0-9]{6,14}$/, 'an E.164 phone number');

export const chainTargetSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('responder'), id: z.string().min(1) }),
  z.object({ type: z.literal('phone'), phone: e164, label: z.string().min(1).max(60) }),
  z.object({ type: z.literal('emergency_contact') }),
]);

export const channelSchema = z.enum(['app', 'sms']);

export const chainStepSchema = z.object({
  targets: z.array(chainTargetSchema).min(1).max(50),
  channels: z.array(channelSchema).min(1),
  /** seconds to wait after this step before the next one */
  waitS: z.number().int().min(0).max(3600),
});

export const chainSchema = z.object({
  steps: z.array(chainStepSchema).min(1).max(20),
});

export type ChainTarget = z.infer<typeof chainTargetSchema>;
export type Channel = z.infer<typeof channelSchema>;
export type ChainStep = z.infer<typeof chainStepSchema>;
export type ChainDefinition = z.infer<typeof chainSchema>;

export function targetKey(t: ChainTarget): string {
  switch (t.type) {
    case 'responder':
      return `responder:${t.id}`;
    case 'phone':
      return `phone:${t.phone}`;
    case 'emergency_contact':
      return 'emergency_contact';
    default:
      return t satisfies never;
  }
}
