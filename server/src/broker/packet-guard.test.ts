// The packet guard on byte streams cut at every possible place: what aedes gets is exactly the
// packets under the limit, in order; oversized PUBLISHes vanish (a QoS 1 one is acknowledged) [MQTT-2.2.3].
import { PassThrough } from 'node:stream';
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { PacketGuard } from './packet-guard.js';

const publish = (id: number, bytes: number, qos: 0 | 1 = 1) =>
  mqttPacket.generate({
    cmd: 'publish',
    topic: 'odart/v1/devices/d1/vitals',
    payload: Buffer.alloc(bytes, 0x61),
    qos,
    messageId: id,
    retain: false,
    dup: false,
  });
const connect = mqttPacket.generate({
  cmd: 'connect',
  protocolId: 'MQTT',
  protocolVersion: 4,
  clientId: 'd1',
  clean: true,
  keepalive: 30,
  username: 'd1',
  password: Buffer.from('secret'),
});

function run(chunks: Buffer[], loginAfterFirst: boolean, limit = 1000) {
  const stream = new PassThrough();
  const written: Buffer[] = [];
  stream.write = ((b: Buffer) => written.push(b) > 0) as typeof stream.write;
  const counts = { refused: 0, oversized: 0 };
  const guard = new PacketGuard(stream, 200, { refused: () => counts.refused++, oversized: () => counts.oversized++ });
  const out: Buffer[] = [];
  chunks.forEach((c, i) => {
    const b = guard.filter(c);
    if (b) out.push(b);
    if (i === 0 && loginAfterFirst) guard.loggedInWith(limit);
  });
  return { out: Buffer.concat(out), written, counts, destroyed: stream.destroyed };
}

describe('PacketGuard', () => {
  it('passes packets under the limit unchanged, and the same buffer when nothing is cut', () => {
    const chunk = Buffer.concat([publish(1, 10), publish(2, 900)]);
    const stream = new PassThrough();
    const guard = new PacketGuard(stream, 200, { refused: () => undefined, oversized: () => undefined });
    guard.loggedInWith(1000);
    expect(guard.filter(chunk)).toBe(chunk);
  });

  it('cuts oversized PUBLISHes out wherever the stream is split, acknowledging QoS 1 ones once they have gone by', () => {
    const kept = [publish(1, 10), publish(3, 0, 0), publish(5, 900)];
    const stream = Buffer.concat([kept[0]!, publish(2, 5000), kept[1]!, publish(4, 70_000, 0), publish(6, 1500), kept[2]!]);
    for (const step of [1, 2, 3, 7, 64, 999, 4096]) {
      const chunks = [connect];
      for (let i = 0; i < stream.length; i += step) chunks.push(stream.subarray(i, i + step));
      const r = run(chunks, true);
      expect(r.out.equals(Buffer.concat([connect, ...kept])), `step ${step}`).toBe(true);
      expect(r.counts).toEqual({ refused: 0, oversized: 3 });
      expect(r.written.map((b) => [...b])).toEqual([
        [0x40, 2, 0, 2],
        [0x40, 2, 0, 6],
      ]);
    }
  });

  it('before login, a packet over the limit closes the stream after its header alone', () => {
    const header = Buffer.from([0x10, 0x80, 0x80, 0x80, 0x20]); // CONNECT announcing 64 MB
    const r = run([header.subarray(0, 2), header.subarray(2)], false);
    expect(r.counts.refused).toBe(1);
    expect(r.destroyed).toBe(true);
    expect(r.out.length).toBe(0);
  });

  it('after login, an oversized packet that is not a PUBLISH (or a QoS 2 one) closes the stream', () => {
    const sub = mqttPacket.generate({
      cmd: 'subscribe',
      messageId: 1,
      subscriptions: Array.from({ length: 100 }, (_, i) => ({ topic: `t/${i}/`.padEnd(40, 'x'), qos: 0 as const })),
    });
    expect(run([connect, sub], true).destroyed).toBe(true);
    const q2 = mqttPacket.generate({
      cmd: 'publish',
      topic: 't',
      payload: Buffer.alloc(5000),
      qos: 2,
      messageId: 1,
      retain: false,
      dup: false,
    });
    expect(run([connect, q2], true).destroyed).toBe(true);
  });

  it('a malformed remaining length is left to the MQTT parser (which closes the connection)', () => {
    const bad = Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]);
    const r = run([connect, bad], true);
    expect(r.out.equals(Buffer.concat([connect, bad]))).toBe(true);
    expect(r.destroyed).toBe(false);
  });
});
