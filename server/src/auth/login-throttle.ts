// Failed sign-in backoff, kept separately per account and per client address, in memory on the
// injected clock. A browser that signed in as an account before is judged on its own record only, so
// an attacker hammering a name (or sharing a proxy address) cannot lock the real responder out.
import { isIPv6 } from 'node:net';

export interface BackoffPolicy {
  /** failures allowed before any wait */
  free: number;
  /** wait after the first failure beyond `free`; doubles per further failure */
  baseMs: number;
  maxMs: number;
  /** a record with no failure for this long is forgotten */
  forgetMs: number;
}

/**
 * Per account: 5 free tries, then 1 s doubling to at most 5 minutes. Capped, so a targeted attack
 * delays a responder on a new device by minutes at worst, never locks them out for good; their own
 * phone (a trusted device) is not delayed at all, and pages can be acknowledged by SMS or call anyway.
 */
export const ACCOUNT_BACKOFF: BackoffPolicy = { free: 5, baseMs: 1000, maxMs: 5 * 60_000, forgetMs: 15 * 60_000 };
/** Per address: generous (a team behind one proxy), and only failures count, never sign-ins. */
export const ADDRESS_BACKOFF: BackoffPolicy = { free: 50, baseMs: 1000, maxMs: 5 * 60_000, forgetMs: 15 * 60_000 };
/** Per trusted device: a stolen device cookie buys no more guesses than a stranger gets. */
export const DEVICE_BACKOFF: BackoffPolicy = { free: 10, baseMs: 1000, maxMs: 5 * 60_000, forgetMs: 15 * 60_000 };

/** Records kept per kind; the oldest go first (bounded memory under a spray of made-up names). */
const MAX_KEYS = 100_000;

class Backoff {
  private readonly records = new Map<string, { failures: number; last: number }>();
  constructor(private readonly p: BackoffPolicy) {}

  waitMs(key: string, now: number): number {
    const r = this.records.get(key);
    if (!r) return 0;
    if (now - r.last >= this.p.forgetMs) {
      this.records.delete(key);
      return 0;
    }
    if (r.failures < this.p.free) return 0;
    const delay = Math.min(this.p.maxMs, this.p.baseMs * 2 ** Math.min(30, r.failures - this.p.free));
    return Math.max(0, r.last + delay - now);
  }

  fail(key: string, now: number): void {
    const r = this.records.get(key);
    const failures = r && now - r.last < this.p.forgetMs ? r.failures + 1 : 1;
    this.records.delete(key);
    this.records.set(key, { failures, last: now });
    if (this.records.size > MAX_KEYS) this.records.delete(this.records.keys().next().value!);
  }

  clear(key: string): void {
    this.records.delete(key);
  }
}

export interface LoginAttempt {
  /** the username as typed, normalised; counted whether or not it exists, so answers reveal nothing */
  account: string;
  address: string;
  /** digest of a trusted-device token valid for this account, if the browser sent one */
  device?: string | undefined;
}

export class LoginThrottle {
  private readonly accounts = new Backoff(ACCOUNT_BACKOFF);
  private readonly addresses = new Backoff(ADDRESS_BACKOFF);
  private readonly devices = new Backoff(DEVICE_BACKOFF);

  constructor(private readonly now: () => number) {}

  /** Milliseconds before this attempt may be tried; 0 = go ahead. */
  waitMs(a: LoginAttempt): number {
    const now = this.now();
    if (a.device !== undefined) return this.devices.waitMs(a.device, now);
    return Math.max(this.accounts.waitMs(a.account, now), this.addresses.waitMs(addressKey(a.address), now));
  }

  failed(a: LoginAttempt): void {
    const now = this.now();
    if (a.device !== undefined) return this.devices.fail(a.device, now);
    this.accounts.fail(a.account, now);
    this.addresses.fail(addressKey(a.address), now);
  }

  succeeded(a: LoginAttempt): void {
    this.accounts.clear(a.account);
    if (a.device !== undefined) this.devices.clear(a.device);
  }

  /** After a password reset: the account starts afresh. */
  forgetAccount(account: string): void {
    this.accounts.clear(account);
  }
}

/** IPv6 by /64: one host usually holds a whole /64, so per-/128 buckets would cost an attacker nothing. */
export function addressKey(ip: string): string {
  if (!isIPv6(ip) || ip.startsWith('::ffff:')) return ip;
  const [head = '', tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  return `${groups
    .slice(0, 4)
    .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
