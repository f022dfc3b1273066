// Trace format (contract): JSON Lines; a header, timed device samples and ground-truth labels.
// Parsing reports a malformed line with its line number; nothing is silently skipped.
import { z } from 'zod';
import { DEVICE_ID_PATTERN } from '@odart/protocol';

export type DeviceKindName = 'wearable' | 'room' | 'door' | 'button';
export type TraceStream = 'vitals' | 'presence' | 'door' | 'button' | 'status';

export interface TraceHeader {
  type: 'header';
  version: 1;
  wearer: string;
  devices: { id: string; kind: DeviceKindName }[];
  /**
   * Extension for traces of several wearers (`simulate --wearers N --out`): which devices belong to
   * whom. Without it every device belongs to `wearer`. Readers that ignore it still parse the trace.
   */
  wearers?: { id: string; devices: string[] }[];
}
export interface SampleLine {
  t: number;
  device: string;
  stream: TraceStream;
  data: Record<string, unknown>;
}
export interface LabelLine {
  t: number;
  label: string;
  /** in a trace of several wearers: whose ground truth this is */
  wearer?: string;
}
export type TraceLine = SampleLine | LabelLine;

export interface Trace {
  header: TraceHeader | null;
  samples: SampleLine[];
  labels: LabelLine[];
  /** all lines in file order (samples and labels) */
  lines: TraceLine[];
  durationMs: number;
}

const headerSchema = z.object({
  type: z.literal('header'),
  version: z.literal(1),
  wearer: z.string().min(1),
  devices: z.array(z.object({ id: z.string().regex(DEVICE_ID_PATTERN), kind: z.enum(['wearable', 'room', 'door', 'button']) })),
  wearers: z.array(z.object({ id: z.string().min(1), devices: z.array(z.string().regex(DEVICE_ID_PATTERN)) })).optional(),
});
const sampleSchema = z.object({
  t: z.number().finite().nonnegative(),
  device: z.string().regex(DEVICE_ID_PATTERN),
  stream: z.enum(['vitals', 'presence', 'door', 'button', 'status']),
  data: z.record(z.string(), z.unknown()),
});
const labelSchema = z.object({ t: z.number().finite().nonnegative(), label: z.string().min(1), wearer: z.string().min(1).optional() });

export class TraceError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    detail: string,
  ) {
    super(`${file}:${line}: ${detail}`);
    this.name = 'TraceError';
  }
}

export function parseTrace(text: string, file = '<trace>'): Trace {
  let header: TraceHeader | null = null;
  const samples: SampleLine[] = [];
  const labels: LabelLine[] = [];
  const lines: TraceLine[] = [];
  let lastT = 0;
  const rows = text.split(/\r?\n/);
  rows.forEach((raw, i) => {
    const n = i + 1;
    if (raw.trim() === '') return;
    let obj: unknown;
    try {
      obj = JSON.parse(raw);
    } catch {
      throw new TraceError(file, n, 'not valid JSON');
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new TraceError(file, n, 'not a JSON object');
    const o = obj as Record<string, unknown>;
    if (o.type === 'header') {
      if (header || lines.length > 0) throw new TraceError(file, n, 'header must be the first line');
      const h = headerSchema.safeParse(o);
      if (!h.success) throw new TraceError(file, n, `bad header: ${h.error.issues.map((x) => x.path.join('.') || '(line)').join(', ')}`);
      header = h.data;
      return;
    }
    if ('label' in o) {
      const l = labelSchema.safeParse(o);
      if (!l.success)
        throw new TraceError(file, n, `bad label line: ${l.error.issues.map((x) => x.path.join('.') || '(line)').join(', ')}`);
      if (l.data.t < lastT) throw new TraceError(file, n, `t ${l.data.t} goes backwards (previous ${lastT})`);
      lastT = l.data.t;
      labels.push(l.data);
      lines.push(l.data);
      return;
    }
    const s = sampleSchema.safeParse(o);
    if (!s.success) throw new TraceError(file, n, `bad sample line: ${s.error.issues.map((x) => x.path.join('.') || '(line)').join(', ')}`);
    if (s.data.t < lastT) throw new TraceError(file, n, `t ${s.data.t} goes backwards (previous ${lastT})`);
    lastT = s.data.t;
    samples.push(s.data);
    lines.push(s.data);
  });
  return { header, samples, labels, lines, durationMs: lastT };
}

export function serializeTrace(header: TraceHeader | null, lines: TraceLine[]): string {
  const out: string[] = [];
  if (header) out.push(JSON.stringify(header));
  for (const l of lines) out.push(JSON.stringify(l));
  return out.join('\n') + '\n';
}

/** Devices of a trace: from the header, or inferred from the streams they publish. */
export function traceDevices(trace: Trace): { id: string; kind: DeviceKindName }[] {
  if (trace.header) return trace.header.devices;
  const kinds = new Map<string, DeviceKindName>();
  for (const s of trace.samples) {
    const k: DeviceKindName | undefined =
      s.stream === 'vitals'
        ? 'wearable'
        : s.stream === 'presence'
          ? 'room'
          : s.stream === 'door'
            ? 'door'
            : s.stream === 'button'
              ? 'button'
              : undefined;
    if (k && !kinds.has(s.device)) kinds.set(s.device, k);
    else if (!kinds.has(s.device)) kinds.set(s.device, 'wearable');
  }
  return [...kinds].map(([id, kind]) => ({ id, kind }));
}

/** Which devices belong to which wearer: the header's `wearers` extension, else one wearer with every device. */
export function traceWearers(trace: Trace): { id: string; devices: { id: string; kind: DeviceKindName }[] }[] {
  const devices = traceDevices(trace);
  const kindOf = new Map(devices.map((d) => [d.id, d.kind]));
  if (trace.header?.wearers) {
    return trace.header.wearers.map((w) => ({ id: w.id, devices: w.devices.map((id) => ({ id, kind: kindOf.get(id) ?? 'wearable' })) }));
  }
  return [{ id: trace.header?.wearer ?? 'trace-wearer', devices }];
}
