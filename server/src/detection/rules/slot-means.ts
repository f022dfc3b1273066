// A reading averaged over fixed slots of time, and the last few slot means kept in a ring: the SpO2
// rules read 5 s means (sensor noise moves a 5 s mean well under a point) rather than readings.
// Bounded memory (one array of `slots` + 2 numbers), O(1) a reading; what a gap means is the caller's
// to say (`span`, `clear`, `reset`).

export class SlotMeans {
  /**
   * The kept means (0 .. slots - 1), then the slot being filled's sum and its first reading's time: in
   * the one array, as a number field holding a fraction is a heap number of its own (a wearer's state
   * is two of these, counted in the detection report's bytes per wearer).
   */
  private readonly ring: Float64Array;
  /** readings in the slot being filled */
  private count = 0;
  /** where the next mean goes (the newest is at `at - 1`) */
  private at = 0;
  /** how many means are kept (at most `slots`) */
  n = 0;
  /** the slot the last `add` closed: how many slot lengths from its first reading to the reading that closed it (1: none missed) */
  span = 0;

  constructor(
    readonly slotMs: number,
    readonly slots: number,
  ) {
    this.ring = new Float64Array(slots + 2);
  }

  /**
   * Counts `value`, read at `t`. A reading `slotMs` or more after the slot's first one closes that slot
   * (and starts the next): its mean is returned, not yet kept (`push` it, as often as it should count);
   * otherwise null.
   */
  add(t: number, value: number): number | null {
    const r = this.ring;
    const sum = this.slots;
    const start = sum + 1;
    let closed: number | null = null;
    if (this.count === 0) r[start] = t;
    else if (t - r[start]! >= this.slotMs) {
      closed = r[sum]! / this.count;
      this.span = Math.floor((t - r[start]!) / this.slotMs);
      r[sum] = this.count = 0;
      r[start] = t;
    }
    r[sum]! += value;
    this.count++;
    return closed;
  }

  /** Keeps `mean` as the newest; a full ring lets the oldest go. */
  push(mean: number): void {
    this.ring[this.at] = mean;
    this.at = (this.at + 1) % this.slots;
    if (this.n < this.slots) this.n++;
  }

  get full(): boolean {
    return this.n === this.slots;
  }

  /** The `i`th kept mean, oldest first (0 <= i < n). */
  mean(i: number): number {
    // at - n + i lies in [-slots, slots): a wrap, not a division (the slow desaturation's line fit reads 60 a slot)
    const k = this.at - this.n + i;
    return this.ring[k < 0 ? k + this.slots : k]!;
  }

  /** The lowest kept mean (Infinity: none). */
  min(): number {
    let low = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.n; i++) low = Math.min(low, this.mean(i));
    return low;
  }

  /** Forgets the kept means; the slot being filled goes on. */
  clear(): void {
    this.n = this.at = 0;
  }

  /** Forgets the kept means and the slot being filled: the next reading starts a slot. */
  reset(): void {
    this.n = this.at = this.count = 0;
    this.ring[this.slots] = 0;
  }
}
