// Decoded frame -> canonical MQTT topic and JSON payload (server/src/protocol), validated with the
// same zod schemas the server uses, so the gateway never relays what the server would drop.
import { deviceTopic, streamSchemas, type DeviceStream } from '@odart/protocol';
import type { Frame, FrameBody } from './frame.js';

export interface Outgoing {
  deviceId: string;
  stream: DeviceStream;
  topic: string;
  payload: string;
  /** button, door and status are never thinned or dropped by store-and-forward */
  critical: boolean;
}

export function isCritical(stream: DeviceStream): boolean {
  return stream === 'button' || stream === 'door' || stream === 'status';
}

function data(b: FrameBody): Record<string, unknown> {
  switch (b.type) {
    case 'vitals': {
      const d: Record<string, unknown> = { hr: b.hr, spo2: b.spo2, rr: b.rr, activity: b.activity };
      if (b.onBody !== null) d.onBody = b.onBody;
      return d;
    }
    case 'presence':
      return b.motion === null ? { occupied: b.occupied } : { occupied: b.occupied, motion: b.motion };
    case 'door':
      return { open: b.open };
    case 'button':
      return { action: b.action };
    case 'status': {
      const d: Record<string, unknown> = { state: b.state };
      if (b.battery !== null) d.battery = b.battery;
      if (b.fw !== null) d.fw = b.fw;
      return d;
    }
    default:
      return b satisfies never;
  }
}

/** `ts` is the reading time on the gateway clock (ms since epoch), after device clock correction. */
export function translate(f: Frame, ts: number): Outgoing | null {
  const stream = f.body.type;
  const payload = { ts, seq: f.seq, ...data(f.body) };
  if (!streamSchemas[stream].safeParse(payload).success) return null;
  return {
    deviceId: f.deviceId,
    stream,
    topic: deviceTopic(f.deviceId, stream),
    payload: JSON.stringify(payload),
    critical: isCritical(stream),
  };
}

/** A status message the gateway writes on a device's behalf (it went quiet, or was heard again). */
export function statusFor(deviceId: string, state: 'online' | 'offline', ts: number): Outgoing {
  return { deviceId, stream: 'status', topic: deviceTopic(deviceId, 'status'), payload: JSON.stringify({ ts, state }), critical: true };
}

/** A message the gateway built from an off-the-shelf sensor's reading (native.ts), already validated. */
export function outgoing(deviceId: string, stream: DeviceStream, payload: Record<string, unknown>): Outgoing {
  return { deviceId, stream, topic: deviceTopic(deviceId, stream), payload: JSON.stringify(payload), critical: isCritical(stream) };
}
