// Send rate per sending number: a token bucket on the injected clock. Alert pages need one token;
// routine messages need the bucket full, so one token is always left for the next alert's first page.

export const PRIORITY = {
  /** the first step of an alert: never waits behind anything but another alert's first step */
  first: 0,
  /** later steps, fallbacks, repeats */
  page: 1,
  /** told-others updates, surveys: only when the bucket is full */
  info: 2,
} as const;

export class TokenBucket {
  private tokens: number;
  private last: number;

  /** ratePerS <= 0 means no limit. */
  constructor(
    private readonly ratePerS: number,
    readonly capacity: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.last = now;
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) * this.ratePerS) / 1000);
      this.last = now;
    }
  }

  /** Tokens a message of this priority needs available before it may go. */
  need(priority: number): number {
    return priority >= PRIORITY.info ? this.capacity : 1;
  }

  available(now: number, need: number): boolean {
    if (this.ratePerS <= 0) return true;
    this.refill(now);
    return this.tokens >= need - 1e-9;
  }

  take(now: number): void {
    if (this.ratePerS <= 0) return;
    this.refill(now);
    this.tokens -= 1;
  }

  /** ms until `need` tokens are there (0 when they are). */
  waitMs(now: number, need: number): number {
    if (this.ratePerS <= 0) return 0;
    this.refill(now);
    const missing = need - this.tokens;
    return missing <= 0 ? 0 : Math.ceil((missing * 1000) / this.ratePerS);
  }
}
