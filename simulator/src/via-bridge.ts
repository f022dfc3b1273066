// `npm run simulate -- <scenario> --via-bridge udp://host:port` (or tcp://): sends the scenario as
// firmware frames (docs/firmware-protocol.md) to a running bridge, which relays them over MQTT, so
// the whole path device -> bridge -> broker -> detection -> alert is exercised.
import dgram from 'node:dgram';
import net from 'node:net';
import { encodeFrame, type FrameBody } from '../../firmware-bridge/src/frame.js';
import type { SampleLine, TraceLine } from './trace.js';

/** Trace sample -> frame body (the fixed-point quantisation the firmware would apply). */
export function sampleToBody(s: SampleLine): FrameBody {
  const d = s.data;
  const num = (v: unknown) => (typeof v === 'number' ? v : null);
  switch (s.stream) {
    case 'vitals':
      return {
        type: 'vitals',
        hr: num(d.hr),
        spo2: num(d.spo2),
        rr: num(d.rr),
        activity: num(d.activity),
        onBody: typeof d.onBody === 'boolean' ? d.onBody : null,
      };
    case 'presence':
      return { type: 'presence', occupied: d.occupied === true, motion: num(d.motion) };
    case 'door':
      return { type: 'door', open: d.open === true };
    case 'button':
      return { type: 'button', action: d.action === 'ok' ? 'ok' : 'help' };
    case 'status':
      return {
        type: 'status',
        state: d.state === 'offline' ? 'offline' : 'online',
        battery: num(d.battery),
        fw: typeof d.fw === 'string' ? d.fw : null,
      };
    default:
      return s.stream satisfies never;
  }
}

export interface BridgeTarget {
  send(frame: Buffer): Promise<void>;
  close(): Promise<void>;
}

export async function openBridgeTarget(url: string): Promise<BridgeTarget> {
  const m = /^(udp|tcp):\/\/([^:/]+):(\d{1,5})\/?$/.exec(url);
  if (!m) throw new Error(`--via-bridge needs udp://host:port or tcp://host:port, got "${url}"`);
  const [, proto, host, portText] = m as unknown as [string, 'udp' | 'tcp', string, string];
  const port = Number(portText);
  if (proto === 'udp') {
    const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    return {
      send: (frame) => new Promise((resolve, reject) => sock.send(frame, port, host, (err) => (err ? reject(err) : resolve()))),
      close: () => new Promise((resolve) => sock.close(() => resolve())),
    };
  }
  const sock = net.connect(port, host);
  await new Promise<void>((resolve, reject) => sock.once('connect', () => resolve()).once('error', reject));
  return {
    send: (frame) => new Promise((resolve, reject) => sock.write(frame, (err) => (err ? reject(err) : resolve()))),
    close: () => new Promise((resolve) => sock.end(() => resolve())),
  };
}

export interface ViaBridgeOptions {
  /** 1 = real time */
  speed: number;
  signal?: AbortSignal;
  /** device clock; default Date.now */
  now?: () => number;
  onProgress?: (done: number, total: number) => void;
}

/** Sends every sample of the trace as a frame at its trace time (scaled by speed). */
export async function sendTraceViaBridge(
  lines: TraceLine[],
  target: BridgeTarget,
  o: ViaBridgeOptions,
): Promise<{ sent: number; errors: number }> {
  const samples = lines.filter((l): l is SampleLine => 'device' in l);
  const now = o.now ?? Date.now;
  const seqs = new Map<string, number>();
  const start = Date.now();
  let sent = 0;
  let errors = 0;
  for (let i = 0; i < samples.length; i++) {
    if (o.signal?.aborted) break;
    const s = samples[i]!;
    const wait = start + s.t / o.speed - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const seq = (seqs.get(s.device) ?? 0) + 1;
    seqs.set(s.device, seq);
    try {
      await target.send(encodeFrame({ deviceId: s.device, seq, ts: now(), body: sampleToBody(s) }));
      sent++;
    } catch (err) {
      if (err instanceof RangeError) throw new Error(`sample at t=${s.t} of ${s.device} cannot be framed: ${err.message}`, { cause: err });
      errors++;
    }
    o.onProgress?.(i + 1, samples.length);
  }
  return { sent, errors };
}
