// Frame protocol v1 for constrained device firmware (docs/firmware-protocol.md): a compact binary
// frame with versioned header, device id, sequence number, device time, fixed-point payload, CRC-16.
// The decoder is strict: any frame it accepts re-encodes to exactly the same bytes.
import { DEVICE_ID_PATTERN } from '@odart/protocol';

export const SYNC = 0xa7;
export const VERSION = 1;
/** Largest v1 frame: fits one LoRaWAN payload at the slowest EU868 data rate (51 bytes). */
export const MAX_FRAME = 51;
export const MAX_ID_LEN = 24;
export const MAX_FW_LEN = 16;
/** SYNC + VT + LEN + IDLEN + SEQ(4) + TS(6) + CRC(2), without the id and the payload */
export const OVERHEAD = 16;
/** smallest possible frame: one-byte id, one-byte payload */
export const MIN_FRAME = OVERHEAD + 2;

export const FRAME_TYPES = { vitals: 1, presence: 2, door: 3, button: 4, status: 5 } as const;
export type FrameType = keyof typeof FRAME_TYPES;
const TYPE_BY_CODE: readonly (FrameType | undefined)[] = [undefined, 'vitals', 'presence', 'door', 'button', 'status'];

/** Payload sizes by type; status carries 0..16 more bytes of firmware version. */
const PAYLOAD_LEN: Record<FrameType, number> = { vitals: 7, presence: 2, door: 1, button: 1, status: 2 };

export type FrameBody =
  | { type: 'vitals'; hr: number | null; spo2: number | null; rr: number | null; activity: number | null; onBody: boolean | null }
  | { type: 'presence'; occupied: boolean; motion: number | null }
  | { type: 'door'; open: boolean }
  | { type: 'button'; action: 'help' | 'ok' }
  | { type: 'status'; state: 'online' | 'offline'; battery: number | null; fw: string | null };

export interface Frame {
  deviceId: string;
  /** u32, increments by one per frame sent by the device */
  seq: number;
  /** device clock, ms since the Unix epoch (u48); 0 = the device has no clock */
  ts: number;
  body: FrameBody;
}

export type RejectReason = 'short' | 'sync' | 'version' | 'type' | 'length' | 'crc' | 'device_id' | 'range' | 'reserved';
export type DecodeFrameResult = { ok: true; frame: Frame; size: number } | { ok: false; reason: RejectReason };

// CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, not reflected, no final xor (check("123456789") = 0x29B1).
const CRC_TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let c = i << 8;
  for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
  CRC_TABLE[i] = c;
}

export function crc16(buf: Uint8Array, start = 0, end = buf.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ CRC_TABLE[((crc >> 8) ^ buf[i]!) & 0xff]!;
  return crc;
}

const NONE8 = 0xff;
const NONE16 = 0xffff;

function fixed(v: number | null, scale: number, max: number, none: number, field: string): number {
  if (v === null) return none;
  const raw = Math.round(v * scale);
  if (!Number.isFinite(raw) || raw < 0 || raw > max) throw new RangeError(`${field} out of range`);
  return raw;
}

function payloadBytes(b: FrameBody): number[] {
  switch (b.type) {
    case 'vitals': {
      const hr = fixed(b.hr, 10, 3000, NONE16, 'hr');
      const rr = fixed(b.rr, 10, 800, NONE16, 'rr');
      const flags = b.onBody === null ? 0 : b.onBody ? 3 : 1;
      return [
        hr >> 8,
        hr & 0xff,
        fixed(b.spo2, 2, 200, NONE8, 'spo2'),
        rr >> 8,
        rr & 0xff,
        fixed(b.activity, 1, 100, NONE8, 'activity'),
        flags,
      ];
    }
    case 'presence':
      return [b.occupied ? 1 : 0, fixed(b.motion, 1, 100, NONE8, 'motion')];
    case 'door':
      return [b.open ? 1 : 0];
    case 'button':
      return [b.action === 'help' ? 1 : 2];
    case 'status': {
      const fw = b.fw ?? '';
      if (fw.length > MAX_FW_LEN || !/^[\x20-\x7e]*$/.test(fw)) throw new RangeError('fw must be up to 16 printable ASCII characters');
      return [b.state === 'online' ? 1 : 0, fixed(b.battery, 1, 100, NONE8, 'battery'), ...Array.from(fw, (c) => c.charCodeAt(0))];
    }
    default:
      return b satisfies never;
  }
}

/** Encodes a frame. Throws RangeError on values the format cannot carry (a programming error). */
export function encodeFrame(f: Frame): Buffer {
  const id = f.deviceId;
  if (id.length < 1 || id.length > MAX_ID_LEN || !DEVICE_ID_PATTERN.test(id))
    throw new RangeError('deviceId must be 1-24 characters of [A-Za-z0-9_.-]');
  if (!Number.isInteger(f.seq) || f.seq < 0 || f.seq > 0xffffffff) throw new RangeError('seq must be a u32');
  if (!Number.isInteger(f.ts) || f.ts < 0 || f.ts > 0xffffffffffff) throw new RangeError('ts must be a u48 (ms since epoch)');
  const payload = payloadBytes(f.body);
  const size = OVERHEAD + id.length + payload.length;
  if (size > MAX_FRAME) throw new RangeError(`frame of ${size} bytes exceeds ${MAX_FRAME}`);
  const out = Buffer.allocUnsafe(size);
  out[0] = SYNC;
  out[1] = (VERSION << 4) | FRAME_TYPES[f.body.type];
  out[2] = size - 3;
  out[3] = id.length;
  out.write(id, 4, 'latin1');
  let o = 4 + id.length;
  out.writeUInt32BE(f.seq, o);
  out.writeUIntBE(f.ts, o + 4, 6);
  o += 10;
  for (const b of payload) out[o++] = b;
  out.writeUInt16BE(crc16(out, 0, o), o);
  return out;
}

/** How many bytes the frame starting at `off` claims to have (from its LEN byte), or null if not yet known/implausible. */
export function claimedSize(buf: Uint8Array, off: number): number | 'bad' | null {
  if (buf.length - off < 3) return null;
  if (buf[off] !== SYNC) return 'bad';
  const vt = buf[off + 1]!;
  if (vt >> 4 !== VERSION || TYPE_BY_CODE[vt & 0x0f] === undefined) return 'bad';
  const size = buf[off + 2]! + 3;
  return size < MIN_FRAME || size > MAX_FRAME ? 'bad' : size;
}

const ID_BYTE = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-') ID_BYTE[c.charCodeAt(0)] = 1;

/**
 * Decodes exactly one frame occupying buf[off .. off+size). Never throws. `exact` demands the
 * buffer hold nothing after the frame (a UDP datagram carries one frame).
 */
export function decodeFrame(buf: Uint8Array, off = 0, exact = true): DecodeFrameResult {
  const avail = buf.length - off;
  if (avail < 3) return { ok: false, reason: 'short' };
  if (buf[off] !== SYNC) return { ok: false, reason: 'sync' };
  const vt = buf[off + 1]!;
  if (vt >> 4 !== VERSION) return { ok: false, reason: 'version' };
  const type = TYPE_BY_CODE[vt & 0x0f];
  if (type === undefined) return { ok: false, reason: 'type' };
  const size = buf[off + 2]! + 3;
  if (size < MIN_FRAME || size > MAX_FRAME) return { ok: false, reason: 'length' };
  if (avail < size) return { ok: false, reason: 'short' };
  if (exact && avail !== size) return { ok: false, reason: 'length' };
  const end = off + size;
  if (crc16(buf, off, end - 2) !== ((buf[end - 2]! << 8) | buf[end - 1]!)) return { ok: false, reason: 'crc' };
  const idLen = buf[off + 3]!;
  const plen = size - OVERHEAD - idLen;
  const want = PAYLOAD_LEN[type];
  if (idLen < 1 || idLen > MAX_ID_LEN || plen < want || plen > (type === 'status' ? want + MAX_FW_LEN : want))
    return { ok: false, reason: 'length' };
  let id = '';
  for (let i = off + 4; i < off + 4 + idLen; i++) {
    const c = buf[i]!;
    if (ID_BYTE[c] !== 1) return { ok: false, reason: 'device_id' };
    id += String.fromCharCode(c);
  }
  if (!DEVICE_ID_PATTERN.test(id)) return { ok: false, reason: 'device_id' };
  let o = off + 4 + idLen;
  const seq = ((buf[o]! << 24) >>> 0) + (buf[o + 1]! << 16) + (buf[o + 2]! << 8) + buf[o + 3]!;
  const ts =
    buf[o + 4]! * 2 ** 40 + buf[o + 5]! * 2 ** 32 + (((buf[o + 6]! << 24) >>> 0) + (buf[o + 7]! << 16) + (buf[o + 8]! << 8) + buf[o + 9]!);
  o += 10;
  const body = decodeBody(type, buf, o, plen);
  if (typeof body === 'string') return { ok: false, reason: body };
  return { ok: true, frame: { deviceId: id, seq, ts, body }, size };
}

function decodeBody(type: FrameType, b: Uint8Array, o: number, plen: number): FrameBody | 'range' | 'reserved' {
  const u8 = (i: number) => b[o + i]!;
  const u16 = (i: number) => (b[o + i]! << 8) | b[o + i + 1]!;
  switch (type) {
    case 'vitals': {
      const hr = u16(0),
        spo2 = u8(2),
        rr = u16(3),
        act = u8(5),
        flags = u8(6);
      if ((hr !== NONE16 && hr > 3000) || (spo2 !== NONE8 && spo2 > 200) || (rr !== NONE16 && rr > 800) || (act !== NONE8 && act > 100))
        return 'range';
      if (flags & 0xfc || flags === 2) return 'reserved';
      return {
        type,
        hr: hr === NONE16 ? null : hr / 10,
        spo2: spo2 === NONE8 ? null : spo2 / 2,
        rr: rr === NONE16 ? null : rr / 10,
        activity: act === NONE8 ? null : act,
        onBody: flags === 0 ? null : flags === 3,
      };
    }
    case 'presence': {
      const flags = u8(0),
        motion = u8(1);
      if (flags & 0xfe) return 'reserved';
      if (motion !== NONE8 && motion > 100) return 'range';
      return { type, occupied: flags === 1, motion: motion === NONE8 ? null : motion };
    }
    case 'door': {
      const v = u8(0);
      return v > 1 ? 'range' : { type, open: v === 1 };
    }
    case 'button': {
      const v = u8(0);
      return v === 1 ? { type, action: 'help' } : v === 2 ? { type, action: 'ok' } : 'range';
    }
    case 'status': {
      const state = u8(0),
        battery = u8(1);
      if (state > 1 || (battery !== NONE8 && battery > 100)) return 'range';
      let fw = '';
      for (let i = 2; i < plen; i++) {
        const c = u8(i);
        if (c < 0x20 || c > 0x7e) return 'range';
        fw += String.fromCharCode(c);
      }
      return { type, state: state === 1 ? 'online' : 'offline', battery: battery === NONE8 ? null : battery, fw: plen > 2 ? fw : null };
    }
    default:
      return type satisfies never;
  }
}
