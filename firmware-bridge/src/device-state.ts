// Per-device state kept by the gateway: duplicate removal by sequence number, device clock
// correction, and when the device was last heard (for quiet-device detection).

/** How many recent sequence numbers are remembered per device. */
export const SEQ_WINDOW = 256;
/** Crystal drift the clock estimate may follow upwards, per ms elapsed (200 ppm). */
const DRIFT = 2e-4;

export type SeqVerdict = 'new' | 'duplicate' | 'restart';

/**
 * Sliding window over the last SEQ_WINDOW sequence numbers, remembering each frame's CRC.
 * - same seq + same CRC: the same frame again (link retransmission or replay): duplicate;
 * - a seq far behind the window, or the same seq with other content: either an old frame replayed
 *   or a device that restarted its counter. The device clock tells them apart: newer than anything
 *   accepted = restart (accepted, window starts over, so a reboot never silences a device);
 *   otherwise duplicate. A device without a clock (ts 0) can only be taken at its word: restart.
 */
export class SeqWindow {
  private hi = -1;
  private maxTs = 0;
  private readonly seqs = new Float64Array(SEQ_WINDOW).fill(-1);
  private readonly crcs = new Uint16Array(SEQ_WINDOW);

  check(seq: number, crc: number, ts: number): SeqVerdict {
    let verdict: SeqVerdict = 'new';
    if (this.hi >= 0 && seq <= this.hi) {
      const slot = seq % SEQ_WINDOW;
      const inWindow = seq > this.hi - SEQ_WINDOW;
      if (inWindow && this.seqs[slot] === seq && this.crcs[slot] === crc) return 'duplicate';
      if (!inWindow || this.seqs[slot] === seq) {
        if (ts !== 0 && ts <= this.maxTs) return 'duplicate';
        verdict = 'restart';
        this.seqs.fill(-1);
        this.hi = seq;
      }
    }
    if (seq > this.hi) this.hi = seq;
    if (ts > this.maxTs) this.maxTs = ts;
    const slot = seq % SEQ_WINDOW;
    this.seqs[slot] = seq;
    this.crcs[slot] = crc;
    return verdict;
  }
}

/**
 * Maps device time to gateway time. The offset is the smallest (arrival - device time) seen,
 * allowed to creep up only by crystal drift: live frames set it, frames the device buffered
 * itself (large arrival - device time) do not, so they keep their true, older time. A device
 * clock that is simply wrong (never set, skewed) is corrected, so skew alone never makes live
 * data look old. A clock that jumps backwards (reboot) restarts the estimate.
 */
export class ClockMap {
  private offset: number | null = null;
  private lastRx = 0;
  private lastDev = 0;

  /** Gateway-clock time (ms since epoch) of a reading taken at device time `dev`, received at `rx`. */
  map(dev: number, rx: number): number {
    if (dev === 0) return rx; // no device clock: the arrival time is the best we have
    const d = rx - dev;
    if (this.offset === null || dev < this.lastDev - 1000) this.offset = d;
    else this.offset = Math.min(d, this.offset + Math.max(0, rx - this.lastRx) * DRIFT);
    this.lastRx = rx;
    this.lastDev = dev;
    return Math.min(rx, Math.round(dev + this.offset));
  }

  reset(): void {
    this.offset = null;
  }
}

export class DeviceState {
  readonly seq = new SeqWindow();
  readonly clock = new ClockMap();
  lastHeard = 0;
  quiet = false;
  frames = 0;
  duplicates = 0;
  restarts = 0;

  constructor(readonly id: string) {}
}
