// Zod schemas of every MQTT payload (docs/protocol.md documents each field and unit).
// Validation happens once at the edge; everything inside works on the inferred plain types.
import { z } from 'zod';
import { DEVICE_ID_PATTERN } from './topics.js';

/** Optional device-side metadata carried by every device message. */
const meta = {
  /** device clock, ms since the Unix epoch */
  ts: z.number().int().nonnegative().optional(),
  /** device sequence number, for duplicate removal */
  seq: z.number().int().nonnegative().optional(),
};

const nullableVital = (min: number, max: number) => z.number().finite().min(min).max(max).nullable().optional();

export const vitalsSchema = z.object({
  ...meta,
  hr: nullableVital(0, 300),
  spo2: nullableVital(0, 100),
  rr: nullableVital(0, 80),
  activity: nullableVital(0, 100),
  onBody: z.boolean().optional(),
});

export const presenceSchema = z.object({
  ...meta,
  occupied: z.boolean(),
  motion: z.number().finite().min(0).max(100).optional(),
});

export const doorSchema = z.object({ ...meta, open: z.boolean() });

export const buttonSchema = z.object({ ...meta, action: z.enum(['help', 'ok']) });

export const statusSchema = z.object({
  ...meta,
  state: z.enum(['online', 'offline']),
  battery: z.number().finite().min(0).max(100).optional(),
  fw: z.string().max(64).optional(),
});

export const commandSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('checkin'), alertId: z.string(), expiresInS: z.number().int().nonnegative() }),
  z.object({ type: z.literal('cancel'), alertId: z.string() }),
  z.object({ type: z.literal('vibrate'), ms: z.number().int().min(1).max(10_000) }),
  /** the core is healthy and watching this wearer; sent every `everyS` s (docs/protocol.md: "not monitored" after 3 missed minutes) */
  z.object({ type: z.literal('monitoring'), everyS: z.number().int().min(1).max(3600) }),
]);

/** A device that has had no `monitoring` command for this long shows "not monitored" (docs/protocol.md). */
export const NOT_MONITORED_AFTER_MS = 3 * 60_000;

/** Server -> gateway, on its config topic after it subscribes: the devices registered to it. */
export const gatewayConfigSchema = z.object({ devices: z.array(z.string().regex(DEVICE_ID_PATTERN)).max(10_000) });
export type GatewayConfigPayload = z.infer<typeof gatewayConfigSchema>;

export type VitalsPayload = z.infer<typeof vitalsSchema>;
export type PresencePayload = z.infer<typeof presenceSchema>;
export type DoorPayload = z.infer<typeof doorSchema>;
export type ButtonPayload = z.infer<typeof buttonSchema>;
export type StatusPayload = z.infer<typeof statusSchema>;
export type CommandPayload = z.infer<typeof commandSchema>;

export const streamSchemas = {
  vitals: vitalsSchema,
  presence: presenceSchema,
  door: doorSchema,
  button: buttonSchema,
  status: statusSchema,
} as const;

/** A validated device message, discriminated by stream. */
export type DeviceMessage =
  | { stream: 'vitals'; data: VitalsPayload }
  | { stream: 'presence'; data: PresencePayload }
  | { stream: 'door'; data: DoorPayload }
  | { stream: 'button'; data: ButtonPayload }
  | { stream: 'status'; data: StatusPayload };

export type DropReason = 'too_large' | 'not_json' | 'invalid' | 'unknown_topic' | 'unknown_device' | 'unassigned_device';

export type DecodeResult = { ok: true; message: DeviceMessage } | { ok: false; reason: DropReason; detail: string };

/** Decode a raw payload for a stream. Never throws; the detail names fields, never values. */
export function decodePayload(stream: DeviceMessage['stream'], payload: Buffer | Uint8Array | string, maxBytes: number): DecodeResult {
  const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
  if (size > maxBytes) return { ok: false, reason: 'too_large', detail: `${size} bytes > ${maxBytes}` };
  let json: unknown;
  try {
    json = JSON.parse(typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8'));
  } catch {
    return { ok: false, reason: 'not_json', detail: 'payload is not JSON' };
  }
  const result = streamSchemas[stream].safeParse(json);
  if (!result.success) {
    const fields = [...new Set(result.error.issues.map((i) => i.path.join('.') || '(root)'))];
    return { ok: false, reason: 'invalid', detail: `invalid fields: ${fields.join(', ')}` };
  }
  return { ok: true, message: { stream, data: result.data } as DeviceMessage };
}
