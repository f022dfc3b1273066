// Caps the size of MQTT packets on a connection before aedes (which has no such option) buffers
// them: it reads only the fixed header of each packet as the bytes go by [MQTT-2.2], so it costs a
// few integer operations per packet on the ingest path and never copies a byte in the common case.
import type { Duplex } from 'node:stream';

const PUBLISH = 3;

export interface GuardHooks {
  /** a packet over the limit that cannot be skipped (before login, or not a PUBLISH): the stream is destroyed */
  refused(): void;
  /** an oversized PUBLISH after login: counted when its header arrives; its bytes never reach aedes */
  oversized(): void;
}

/**
 * Frame-level size check, fed every chunk aedes reads. Before login any packet over `limit` (a
 * CONNECT needs little) closes the connection. After login an oversized PUBLISH is skipped: its
 * bytes are cut out of the stream, and a QoS 1 one is acknowledged here once it has gone by, so the
 * device does not send it again and the connection stays up (the same as a payload dropped at ingest).
 */
export class PacketGuard {
  private limit: number;
  private loggedIn = false;
  /** bytes of the current packet's body still to come */
  private remaining = 0;
  /** an incomplete fixed header held back from the last chunk (at most 4 bytes) */
  private held: Buffer | null = null;
  /** a malformed remaining length was seen: from here on aedes' parser decides (it closes) */
  private off = false;
  private skip: { qos: number; head: Buffer[]; headBytes: number } | null = null;

  constructor(
    private readonly stream: Duplex,
    preLoginLimit: number,
    private readonly hooks: GuardHooks,
  ) {
    this.limit = preLoginLimit;
  }

  /** After a successful CONNECT: the limit for everything that follows. */
  loggedInWith(limit: number): void {
    this.loggedIn = true;
    this.limit = limit;
  }

  /** The bytes aedes may parse out of `chunk` (null: none yet). */
  filter(chunk: Buffer): Buffer | null {
    if (this.off) return chunk;
    const data = this.held ? Buffer.concat([this.held, chunk]) : chunk;
    this.held = null;
    const n = data.length;
    // Pieces to pass on, only once something is cut out (a skip under way cuts from the first byte).
    let out: Buffer[] | null = this.skip ? [] : null;
    let start = 0; // start of the run of bytes passed through (meaningless while skipping)
    let i = 0;
    while (i < n) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, n - i);
        if (this.skip) this.collect(data, i, take);
        i += take;
        this.remaining -= take;
        if (this.remaining === 0 && this.skip) {
          this.skipped();
          start = i;
        }
        continue;
      }
      // A fixed header: one byte of type and flags, then 1-4 bytes of remaining length [MQTT-2.2.3].
      let len = 0;
      let mul = 1;
      let j = i + 1;
      let complete = false;
      while (j < n && j - i <= 4) {
        const b = data[j]!;
        len += (b & 0x7f) * mul;
        mul *= 128;
        j++;
        if ((b & 0x80) === 0) {
          complete = true;
          break;
        }
      }
      if (!complete) {
        if (j - i > 4) {
          this.off = true;
          break;
        }
        // the header continues in the next chunk
        (out ??= []).push(data.subarray(start, i));
        this.held = Buffer.from(data.subarray(i));
        return join(out);
      }
      if (len > this.limit) {
        const type = data[i]! >> 4;
        const qos = (data[i]! >> 1) & 3;
        if (!this.loggedIn || type !== PUBLISH || qos > 1) {
          this.hooks.refused();
          this.stream.destroy();
          return null;
        }
        this.hooks.oversized();
        (out ??= []).push(data.subarray(start, i));
        this.skip = { qos, head: [], headBytes: 0 };
      }
      i = j;
      this.remaining = len;
    }
    if (out === null) return data;
    if (!this.skip) out.push(data.subarray(start, n));
    return join(out);
  }

  /** Keeps the start of a skipped PUBLISH's variable header: topic length, topic, packet id. */
  private collect(data: Buffer, at: number, take: number): void {
    const s = this.skip!;
    if (s.qos === 0 || s.headBytes >= 2 + 0xffff + 2) return;
    const part = data.subarray(at, at + Math.min(take, 2 + 0xffff + 2 - s.headBytes));
    s.head.push(Buffer.from(part));
    s.headBytes += part.length;
  }

  private skipped(): void {
    const s = this.skip!;
    this.skip = null;
    if (s.qos !== 1) return;
    const head = Buffer.concat(s.head);
    if (head.length < 2) return;
    const at = 2 + head.readUInt16BE(0);
    if (head.length < at + 2) return;
    // [MQTT-3.3.4-1] PUBACK with the packet's id: the device treats it as delivered and moves on.
    if (!this.stream.destroyed) this.stream.write(Buffer.from([0x40, 0x02, head[at]!, head[at + 1]!]));
  }
}

function join(parts: Buffer[]): Buffer | null {
  const nonEmpty = parts.filter((p) => p.length > 0);
  if (nonEmpty.length === 0) return null;
  return nonEmpty.length === 1 ? nonEmpty[0]! : Buffer.concat(nonEmpty);
}

/** Puts the guard between the stream and its reader (aedes reads with stream.read(null) on 'readable'). */
export function guardStream(stream: Duplex, guard: PacketGuard): void {
  const read = stream.read.bind(stream);
  stream.read = (size?: number): unknown => {
    const chunk: unknown = read(size);
    return Buffer.isBuffer(chunk) ? guard.filter(chunk) : chunk;
  };
}
