// Send rate per sending number: a token bucket on the injected clock, with reserves by priority. The
// first page of an alert needs one token, later pages two, routine texts three (a full bucket): so a
// new alert's first page never waits behind later steps or routine texts, only behind other first pages.

export const PRIORITY = {
  /** the first step of an alert: never waits behind anything but another alert's first step */
  first: 0,
  /** later steps, fallbacks, repeats */
  page: 1,
  /** told-others updates, surveys: only when the bucket is full */
  info: 2,
} as const;

/** One token per priority level: the largest burst from one number is 3 messages. */
export const BUCKET_CAPACITY = 3;

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

  /** Tokens a message of this priority needs available before it may go (it takes one). */
  need(priority: number): number {
    return Math.min(this.capacity, priority + 1);
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
