// Fuzzing the gateway intake (issue 7): >= 100,000 random, truncated, bit-flipped and replayed frames.
// Every one is either rejected (and counted by reason) or decoded exactly (it re-encodes to the
// same bytes); nothing throws; replays are removed as duplicates; a byte stream resynchronises.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../simulator/src/rng.js';
import { Bridge } from './bridge.js';
import { decodeFrame, encodeFrame, SYNC, type Frame, type FrameBody } from './frame.js';
import { FrameStreamParser } from './stream.js';

const silent = pino({ level: 'silent' });

function randomFrame(r: Rng, seq: number): Frame {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r.next() * xs.length)]!;
  const maybe = <T>(v: T) => (r.next() < 0.15 ? null : v);
  const bodies: (() => FrameBody)[] = [
    () => ({
      type: 'vitals',
      hr: maybe(Math.round(r.range(0, 300) * 10) / 10),
      spo2: maybe(Math.round(r.range(0, 100) * 2) / 2),
      rr: maybe(Math.round(r.range(0, 80) * 10) / 10),
      activity: maybe(Math.round(r.range(0, 100))),
      onBody: r.next() < 0.2 ? null : r.next() < 0.5,
    }),
    () => ({ type: 'presence', occupied: r.next() < 0.5, motion: maybe(Math.round(r.range(0, 100))) }),
    () => ({ type: 'door', open: r.next() < 0.5 }),
    () => ({ type: 'button', action: r.next() < 0.5 ? 'help' : 'ok' }),
    () => ({
      type: 'status',
      state: r.next() < 0.5 ? 'online' : 'offline',
      battery: maybe(Math.round(r.range(0, 100))),
      fw: r.next() < 0.5 ? null : 'v' + Math.floor(r.range(0, 1e6)),
    }),
  ];
  // 'w1' has no clock (ts 0); the others stamp readings with their clock, one per second.
  const deviceId = pick(['demo-wrist', 'demo-room', 'w1', 'dev_7.a']);
  return { deviceId, seq, ts: deviceId === 'w1' ? 0 : 1_767_225_600_000 + seq * 1000, body: pick(bodies)() };
}

/** The strict-decoder property: whatever is accepted is exactly what the bytes say. */
function decodedExactly(bytes: Buffer): boolean | 'rejected' {
  const res = decodeFrame(bytes);
  if (!res.ok) return 'rejected';
  return encodeFrame(res.frame).equals(bytes);
}

describe('fuzzing the frame decoder and the gateway intake (>= 100,000 frames)', () => {
  it('random, truncated, bit-flipped and replayed frames are all rejected and counted, or decoded exactly', async () => {
    const r = new Rng(20260101);
    const bridge = new Bridge({
      gatewayId: 'gw',
      secret: 'unused-secret',
      mqttUrl: 'mqtt://127.0.0.1:1',
      queueFile: ':memory:',
      maxQueued: 20_000,
      quietMs: 60_000,
      heartbeatMs: 30_000,
      log: silent,
    });
    const counts = { valid: 0, random: 0, truncated: 0, flipped: 0, replayed: 0, acceptedOdd: 0, rejected: 0 };
    let seq = 0;
    const sent: Buffer[] = [];
    const N = 25_000;
    for (let i = 0; i < N; i++) {
      // a valid frame: must round-trip exactly and be accepted by the gateway
      const f = randomFrame(r, seq++);
      const bytes = encodeFrame(f);
      expect(decodeFrame(bytes)).toEqual({ ok: true, frame: f, size: bytes.length });
      bridge.handleDatagram(bytes);
      sent.push(bytes);
      counts.valid++;

      // random bytes (half of them behind a plausible header, to get past the cheap checks)
      const junk = Buffer.alloc(Math.floor(r.range(0, 60)));
      for (let k = 0; k < junk.length; k++) junk[k] = Math.floor(r.next() * 256);
      if (junk.length > 3 && r.next() < 0.5) {
        junk[0] = SYNC;
        junk[1] = 0x10 | (1 + Math.floor(r.next() * 5));
        junk[2] = junk.length - 3;
      }
      const j = decodedExactly(junk);
      if (j === 'rejected') counts.rejected++;
      else {
        expect(j).toBe(true);
        counts.acceptedOdd++;
      }
      bridge.handleDatagram(junk);
      counts.random++;

      // truncated: never accepted
      const cut = bytes.subarray(0, Math.floor(r.range(0, bytes.length)));
      expect(decodedExactly(cut)).toBe('rejected');
      bridge.handleDatagram(cut);
      counts.truncated++;

      // 1-3 flipped bits: CRC-16/CCITT has Hamming distance 4 at these lengths, so never accepted
      const flipped = Buffer.from(bytes);
      const nFlips = 1 + Math.floor(r.next() * 3);
      const at = new Set<number>();
      while (at.size < nFlips) at.add(Math.floor(r.next() * flipped.length * 8));
      for (const bit of at) flipped[bit >> 3]! ^= 1 << (bit & 7);
      expect(decodedExactly(flipped)).toBe('rejected');
      bridge.handleDatagram(flipped);
      counts.flipped++;
    }
    // replayed: every 5th valid frame of a device with a clock again, which the gateway must drop
    // as a duplicate (a clockless device's far-behind frame is indistinguishable from a reboot)
    for (let i = 0; i < sent.length; i += 5) {
      if (decodeFrame(sent[i]!).ok && sent[i]![3] === 2) continue; // 'w1'
      bridge.handleDatagram(sent[i]!);
      counts.replayed++;
    }
    const total = counts.valid + counts.random + counts.truncated + counts.flipped + counts.replayed;
    expect(total).toBeGreaterThanOrEqual(100_000);

    const s = bridge.stats();
    expect(s.datagrams).toBe(total);
    const rejected = Object.values(s.rejected).reduce((a, b) => a + (b ?? 0), 0);
    // Every datagram is accounted for: accepted, duplicate, or rejected with a reason.
    expect(s.accepted + s.duplicates + rejected).toBe(total);
    expect(s.accepted).toBe(counts.valid + counts.acceptedOdd);
    expect(s.duplicates).toBe(counts.replayed);
    expect(s.rejected.crc ?? 0).toBeGreaterThan(counts.flipped / 2);
    expect(s.rejected.invalid ?? 0).toBe(0); // nothing threw inside the intake
    await bridge.close();
  });

  it('a byte stream with garbage, partial frames and random chunking resynchronises on every frame', () => {
    const r = new Rng(7);
    const frames: Frame[] = [];
    const parts: Buffer[] = [];
    for (let i = 0; i < 5000; i++) {
      const f = randomFrame(r, i);
      const bytes = encodeFrame(f);
      frames.push(f);
      // noise between frames: random bytes, stray SYNC bytes, and the head of a frame cut short
      const noise: number[] = [];
      const n = Math.floor(r.range(0, 12));
      for (let k = 0; k < n; k++) noise.push(r.next() < 0.2 ? SYNC : Math.floor(r.next() * 256));
      if (r.next() < 0.3) noise.push(...encodeFrame(randomFrame(r, 1e6 + i)).subarray(0, Math.floor(r.range(1, 17))));
      parts.push(Buffer.from(noise), bytes);
    }
    const stream = Buffer.concat(parts);
    const got: Frame[] = [];
    let rejects = 0;
    let garbage = 0;
    const bridgeLike = { frame: (f: Frame) => got.push(f), reject: () => rejects++, garbage: (n: number) => (garbage += n) };
    const parser = new FrameStreamParser(bridgeLike);
    for (let off = 0; off < stream.length;) {
      const len = 1 + Math.floor(r.next() * 64);
      parser.push(stream.subarray(off, off + len));
      off += len;
    }
    expect(got).toEqual(frames);
    expect(garbage).toBeGreaterThan(0);
    expect(rejects).toBeGreaterThan(0);
  });
});
