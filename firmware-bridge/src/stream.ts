// Serial-style byte stream -> frames. Frames may arrive split or glued together, with line noise
// between them; the parser hunts for SYNC, checks the length and CRC, and on any failure slides
// one byte forward, so it resynchronises on the next real frame after garbage.
import { claimedSize, decodeFrame, MAX_FRAME, type Frame, type RejectReason } from './frame.js';

export interface StreamSink {
  frame(f: Frame, raw: Uint8Array): void;
  /** a candidate frame (SYNC + plausible header) that failed to decode */
  reject(reason: RejectReason): void;
  /** bytes skipped while hunting for the next frame */
  garbage(bytes: number): void;
}

export class FrameStreamParser {
  private buf: Buffer = Buffer.alloc(0);

  constructor(private readonly sink: StreamSink) {}

  push(chunk: Uint8Array): void {
    const buf = this.buf.length === 0 ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) : Buffer.concat([this.buf, chunk]);
    let off = 0;
    let skipped = 0;
    while (off < buf.length) {
      if (buf[off] !== 0xa7) {
        // Fast skip to the next possible SYNC byte.
        const next = buf.indexOf(0xa7, off + 1);
        const to = next === -1 ? buf.length : next;
        skipped += to - off;
        off = to;
        continue;
      }
      const size = claimedSize(buf, off);
      if (size === null) break; // header incomplete: wait for more bytes
      if (size === 'bad') {
        skipped++;
        off++;
        continue;
      }
      if (buf.length - off < size) break; // body incomplete
      const res = decodeFrame(buf.subarray(off, off + size), 0, true);
      if (res.ok) {
        if (skipped > 0) this.sink.garbage(skipped);
        skipped = 0;
        this.sink.frame(res.frame, buf.subarray(off, off + size));
        off += size;
      } else {
        // Not a real frame (or a corrupt one): count it, then look for a frame starting inside it.
        this.sink.reject(res.reason);
        skipped++;
        off++;
      }
    }
    if (skipped > 0) this.sink.garbage(skipped);
    // Keep the unfinished tail (never more than one frame's worth).
    const rest = buf.subarray(off);
    this.buf = rest.length > MAX_FRAME ? Buffer.from(rest.subarray(rest.length - MAX_FRAME)) : Buffer.from(rest);
  }

  /** bytes held waiting for the rest of a frame */
  get buffered(): number {
    return this.buf.length;
  }
}
