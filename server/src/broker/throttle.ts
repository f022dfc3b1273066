// Failed MQTT logins, throttled per address and per device id (token buckets on the injected clock),
// so secrets cannot be tried at line rate; a device that logged in from an address before keeps in.
import type { Clock } from '../clock.js';

interface Bucket {
  tokens: number;
  at: number;
}

/** burst of failures allowed, and one more allowed every refillMs */
const LIMITS = {
  address: { burst: 20, refillMs: 3000 },
  device: { burst: 10, refillMs: 6000 },
} as const;
/** above this many buckets or known pairs, the oldest are forgotten (memory stays bounded under a flood of ids) */
const MAX_ENTRIES = 50_000;

export class LoginThrottle {
  private readonly buckets = new Map<string, Bucket>();
  /** "address|deviceId" pairs that logged in successfully since start */
  private readonly known = new Map<string, true>();

  constructor(private readonly clock: Clock) {}

  /**
   * May this attempt be checked at all? A throttled attempt is refused without looking at the secret.
   * A pair that logged in before is always checked: a device behind the same NAT as a misbehaving one,
   * or under attack from elsewhere, must not lose its monitoring to someone else's failures.
   */
  allowed(address: string, deviceId: string): boolean {
    if (this.known.has(`${address}|${deviceId}`)) return true;
    return this.tokens('a:' + address, LIMITS.address) >= 1 && this.tokens('d:' + deviceId, LIMITS.device) >= 1;
  }

  failed(address: string, deviceId: string): void {
    this.take('a:' + address, LIMITS.address);
    this.take('d:' + deviceId, LIMITS.device);
  }

  succeeded(address: string, deviceId: string): void {
    const key = `${address}|${deviceId}`;
    this.known.delete(key);
    this.known.set(key, true);
    trim(this.known);
  }

  private tokens(key: string, l: { burst: number; refillMs: number }): number {
    const b = this.buckets.get(key);
    if (!b) return l.burst;
    const now = this.clock.now();
    b.tokens = Math.min(l.burst, b.tokens + (now - b.at) / l.refillMs);
    b.at = now;
    return b.tokens;
  }

  private take(key: string, l: { burst: number; refillMs: number }): void {
    const tokens = this.tokens(key, l);
    this.buckets.delete(key); // re-inserted last: the Map's order is then least recently failed first
    this.buckets.set(key, { tokens: Math.max(0, tokens - 1), at: this.clock.now() });
    trim(this.buckets);
  }
}

function trim(m: Map<string, unknown>): void {
  if (m.size <= MAX_ENTRIES) return;
  for (const k of m.keys()) {
    m.delete(k);
    if (m.size <= MAX_ENTRIES * 0.9) return;
  }
}
