// The home's mapping file (docs/devices.md): which Zigbee2MQTT device, ESPHome node or Bluetooth
// sensor is which project device. Validated once at start; an error names the field and the line.
import { readFileSync } from 'node:fs';
import { DEVICE_ID_PATTERN } from '@odart/protocol';
import { z } from 'zod';

const deviceId = z.string().regex(DEVICE_ID_PATTERN, 'a project device id such as demo-room');
/** A sensor class of one source; an unknown one is named with what the source knows. */
const sensorKind = <const K extends readonly [string, ...string[]]>(source: string, kinds: K) =>
  z.enum(kinds, { error: (iss) => `unknown ${source} sensor ${shown(iss.input)}: one of ${kinds.join(', ')}` });

/** A value as an error message quotes it (short). */
const shown = (v: unknown) => (v === undefined ? 'missing' : JSON.stringify(v).slice(0, 80));

const entity = z.string().regex(/^[a-z0-9_]{1,64}$/, 'an ESPHome object id such as moving_energy');

const zigbee = z
  .object({
    source: z.literal('zigbee2mqtt'),
    /** the Zigbee2MQTT friendly name (the topic after the base topic) */
    name: z
      .string()
      .min(1)
      .max(128)
      .refine((s) => !/[#+]/.test(s) && !s.startsWith('bridge') && !s.endsWith('/availability'), 'a Zigbee2MQTT friendly name'),
    device: deviceId,
    /** contact -> door; occupancy / presence -> presence; battery and availability -> status for all */
    sensor: sensorKind('zigbee2mqtt', ['contact', 'occupancy', 'presence']),
  })
  .strict();

const esphome = z
  .object({
    source: z.literal('esphome'),
    /** the ESPHome node's topic prefix (`mqtt: topic_prefix`, by default the node name) */
    node: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'an ESPHome node name'),
    device: deviceId,
    sensor: sensorKind('esphome', ['ld2410', 'breathing-radar']),
    /** object ids of the entities, where the node's YAML names them differently from the defaults */
    entities: z
      .object({
        presence: entity.optional(),
        movingEnergy: entity.optional(),
        stillEnergy: entity.optional(),
        breathRate: entity.optional(),
        heartRate: entity.optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

const ble = z
  .object({
    source: z.literal('ble'),
    /** the sensor's Bluetooth address as the adapter reports it */
    address: z.string().regex(/^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$/, 'a Bluetooth address such as A4:C1:38:00:00:01'),
    device: deviceId,
    sensor: sensorKind('ble', ['pulse-oximeter', 'heart-rate']),
  })
  .strict();

const SOURCES = ['zigbee2mqtt', 'esphome', 'ble'] as const;

export const mappingSchema = z
  .object({
    version: z.literal(1),
    zigbee2mqtt: z
      .object({ baseTopic: z.string().regex(/^[A-Za-z0-9_/-]{1,64}$/, 'an MQTT topic prefix') })
      .strict()
      .optional(),
    devices: z
      .array(
        z.discriminatedUnion('source', [zigbee, esphome, ble], {
          error: (iss) => {
            const v = (iss.input as { source?: unknown } | null | undefined)?.source;
            return `${v === undefined ? 'missing' : `unknown source ${shown(v)}`}: one of ${SOURCES.join(', ')}`;
          },
        }),
      )
      .min(1)
      .max(1000),
  })
  .strict()
  .superRefine((m, ctx) => {
    const seen = new Map<string, number>();
    m.devices.forEach((d, i) => {
      const key = d.source === 'zigbee2mqtt' ? `z:${d.name}` : d.source === 'esphome' ? `e:${d.node}` : `b:${d.address.toUpperCase()}`;
      const prev = seen.get(key);
      if (prev !== undefined)
        ctx.addIssue({ code: 'custom', path: ['devices', i], message: `the same sensor as devices[${prev}]: each sensor is mapped once` });
      seen.set(key, i);
    });
  });

export type Mapping = z.infer<typeof mappingSchema>;
export type MappedDevice = Mapping['devices'][number];
export type ZigbeeDevice = Extract<MappedDevice, { source: 'zigbee2mqtt' }>;
export type EsphomeDevice = Extract<MappedDevice, { source: 'esphome' }>;
export type BleDevice = Extract<MappedDevice, { source: 'ble' }>;

export class MappingError extends Error {}

/** 1-based line of a character offset */
function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Where JSON.parse stopped: its "position N", else the context it quotes (Node 20), else the end. */
function jsonErrorOffset(text: string, msg: string): number {
  const pos = /position (\d+)/.exec(msg);
  if (pos) return Number(pos[1]);
  const ctx = /^Unexpected token '(.)', (?:\.\.\.)?"(.*?)(?:\.\.\.)?" is not valid JSON/s.exec(msg);
  if (ctx) {
    const at = text.indexOf(ctx[2]!);
    if (at >= 0) return at + Math.max(0, ctx[2]!.indexOf(ctx[1]!));
  }
  return text.length;
}

/** Character offsets where each element of the top-level "devices" array starts. */
function deviceOffsets(text: string): number[] {
  const out: number[] = [];
  let depth = 0;
  let inStr = false;
  let lastKey = '';
  let strStart = 0;
  let inDevices = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') {
        inStr = false;
        if (depth === 1) lastKey = text.slice(strStart + 1, i);
      }
      continue;
    }
    if (c === '"') {
      inStr = true;
      strStart = i;
      if (inDevices && depth === 2) out.push(i);
    } else if (c === '{' || c === '[') {
      if (c === '[' && depth === 1 && lastKey === 'devices') inDevices = true;
      else if (inDevices && depth === 2) out.push(i);
      depth++;
    } else if (c === '}' || c === ']') {
      depth--;
      if (depth === 1) inDevices = false;
    } else if (inDevices && depth === 2 && /[-0-9tfn]/.test(c) && !/[-0-9a-z.]/.test(text[i - 1] ?? '')) out.push(i);
  }
  return out;
}

/** Parses and validates a mapping file's text; `name` is used in messages. */
export function parseMapping(text: string, name = 'mapping file'): Mapping {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const where = ` (line ${lineOf(text, jsonErrorOffset(text, msg))})`;
    throw new MappingError(`${name}: not valid JSON${where}: ${msg}`);
  }
  const r = mappingSchema.safeParse(json);
  if (r.success) return r.data;
  const offsets = deviceOffsets(text);
  const lines = r.error.issues.map((i) => {
    const field = i.path.map((p, k) => (typeof p === 'number' ? `[${p}]` : k === 0 ? String(p) : `.${String(p)}`)).join('') || '(root)';
    const idx = i.path[0] === 'devices' && typeof i.path[1] === 'number' ? offsets[i.path[1]] : undefined;
    return `${field}${idx === undefined ? '' : ` (line ${lineOf(text, idx)})`}: ${i.message}`;
  });
  throw new MappingError(`${name} is invalid:\n  ${lines.join('\n  ')}`);
}

export function loadMapping(file: string): Mapping {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a folder'
          : code === 'EACCES'
            ? 'permission denied'
            : String(code ?? err);
    throw new MappingError(`cannot read ${file}: ${why}`);
  }
  return parseMapping(text, file);
}
