// Frame protocol v1 (docs/firmware-protocol.md): test vectors both ways, CRC, strict decoding.
import { describe, expect, it } from 'vitest';
import { crc16, decodeFrame, encodeFrame, MAX_FRAME, type Frame } from './frame.js';
import { VECTORS } from './vectors.js';

describe('frame protocol v1 test vectors (docs/firmware-protocol.md)', () => {
  it('CRC-16/CCITT-FALSE matches the standard check value 0x29B1 for "123456789"', () => {
    expect(crc16(Buffer.from('123456789', 'ascii'))).toBe(0x29b1);
  });

  for (const v of VECTORS) {
    it(`encodes and decodes: ${v.name}`, () => {
      expect(encodeFrame(v.frame).toString('hex')).toBe(v.hex);
      const res = decodeFrame(Buffer.from(v.hex, 'hex'));
      expect(res).toEqual({ ok: true, frame: v.frame, size: v.hex.length / 2 });
    });
  }

  it('every vector fits one LoRaWAN payload at the slowest EU868 rate (51 bytes)', () => {
    for (const v of VECTORS) expect(v.hex.length / 2).toBeLessThanOrEqual(MAX_FRAME);
    const longest: Frame = {
      deviceId: 'x'.repeat(24),
      seq: 1,
      ts: 1,
      body: { type: 'vitals', hr: 1, spo2: 1, rr: 1, activity: 1, onBody: true },
    };
    expect(encodeFrame(longest).length).toBeLessThanOrEqual(MAX_FRAME);
  });
});

describe('strict decoding: a frame is accepted only if it re-encodes to the same bytes', () => {
  const good = Buffer.from(VECTORS[0]!.hex, 'hex');
  const resign = (b: Buffer) => {
    b.writeUInt16BE(crc16(b, 0, b.length - 2), b.length - 2);
    return b;
  };

  it('rejects a wrong sync byte, version, type, length and CRC with the reason', () => {
    const mut = (i: number, v: number) => {
      const b = Buffer.from(good);
      b[i] = v;
      return b;
    };
    expect(decodeFrame(mut(0, 0x00))).toEqual({ ok: false, reason: 'sync' });
    expect(decodeFrame(resign(mut(1, 0x21)))).toEqual({ ok: false, reason: 'version' });
    expect(decodeFrame(resign(mut(1, 0x19)))).toEqual({ ok: false, reason: 'type' });
    expect(decodeFrame(good.subarray(0, 20))).toEqual({ ok: false, reason: 'short' });
    expect(decodeFrame(Buffer.concat([good, Buffer.from([0])]))).toEqual({ ok: false, reason: 'length' });
    expect(decodeFrame(mut(20, good[20]! ^ 0x10))).toEqual({ ok: false, reason: 'crc' });
  });

  it('rejects out-of-range fixed-point values and reserved bits even with a valid CRC', () => {
    const payload = 4 + 10 + 10; // vitals payload offset in vector 0
    const hrTooHigh = Buffer.from(good);
    hrTooHigh.writeUInt16BE(3001, payload);
    expect(decodeFrame(resign(hrTooHigh))).toEqual({ ok: false, reason: 'range' });
    const reserved = Buffer.from(good);
    reserved[payload + 6] = 0x07;
    expect(decodeFrame(resign(reserved))).toEqual({ ok: false, reason: 'reserved' });
    const badId = Buffer.from(good);
    badId[4] = 0x2f; // '/' would split the MQTT topic
    expect(decodeFrame(resign(badId))).toEqual({ ok: false, reason: 'device_id' });
  });

  it('the encoder refuses values the format cannot carry', () => {
    const f = VECTORS[0]!.frame;
    expect(() => encodeFrame({ ...f, deviceId: 'a/b' })).toThrow(RangeError);
    expect(() => encodeFrame({ ...f, deviceId: 'x'.repeat(25) })).toThrow(RangeError);
    expect(() => encodeFrame({ ...f, seq: -1 })).toThrow(RangeError);
    expect(() => encodeFrame({ ...f, body: { type: 'vitals', hr: 301, spo2: null, rr: null, activity: null, onBody: null } })).toThrow(
      RangeError,
    );
    expect(() => encodeFrame({ ...f, body: { type: 'status', state: 'online', battery: null, fw: 'x'.repeat(17) } })).toThrow(RangeError);
  });
});
