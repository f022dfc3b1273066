// Secret hashing (scrypt, salted, parameters stored with the hash) and constant-time verification.
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

// scrypt needs 128 * N * r bytes; Node refuses above `maxmem` (32 MiB by default, too little for 2^17).
const memOf = (c: ScryptCost) => 128 * c.N * c.r * c.p;
// A password hash at full cost holds 128 MiB and a libuv thread for about half a second: two at a time
// bound memory (256 MiB) and keep threads free for everything else, however many sign-ins arrive.
const HEAVY_BYTES = 32 * 1024 * 1024;
const MAX_HEAVY = 2;
let heavyRunning = 0;
const heavyQueue: (() => void)[] = [];

async function scrypt(secret: string, salt: Buffer, keylen: number, cost: ScryptCost): Promise<Buffer> {
  const heavy = memOf(cost) >= HEAVY_BYTES;
  if (heavy) {
    // A freed slot is handed straight to the next waiter, so the bound holds.
    if (heavyRunning >= MAX_HEAVY) await new Promise<void>((r) => heavyQueue.push(r));
    else heavyRunning++;
  }
  try {
    return await new Promise((resolve, reject) => {
      scryptCb(secret, salt, keylen, { ...cost, maxmem: memOf(cost) + 8 * 1024 * 1024 } satisfies ScryptOptions, (err, key) =>
        err ? reject(err) : resolve(key),
      );
    });
  } finally {
    if (heavy) {
      const next = heavyQueue.shift();
      if (next) next();
      else heavyRunning--;
    }
  }
}

/**
 * Passwords are low-entropy, so they get OWASP's scrypt advice (N=2^17, r=8, p=1: about 0.4 s and
 * 128 MiB per hash). Device secrets are 128+ random bits: no guessing attack is feasible whatever the
 * cost, and a fleet reconnecting after an outage must not wait on seconds of hashing, so a light cost.
 */
export const PASSWORD_COST: ScryptCost = Object.freeze({ N: 2 ** 17, r: 8, p: 1 });
export const DEVICE_SECRET_COST: ScryptCost = Object.freeze({ N: 1024, r: 8, p: 1 });
/** Refuse stored parameters beyond this (a corrupt or hostile row must not allocate gigabytes). */
const MAX_N = 2 ** 20;

export async function hashSecret(secret: string, cost: ScryptCost = PASSWORD_COST): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(secret, salt, 32, cost);
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

function storedCost(stored: string): ScryptCost | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((x) => Number.isSafeInteger(x) && x > 0) || N > MAX_N || r > 32 || p > 16) return null;
  return { N, r, p };
}

/** True when a stored password hash is weaker than `cost` (rehash it after a successful sign-in). */
export function needsRehash(stored: string, cost: ScryptCost): boolean {
  const c = storedCost(stored);
  return c === null || c.N < cost.N || c.r < cost.r || c.p < cost.p;
}

/**
 * Salted SHA-256 for generated device secrets (144 random bits): a slow hash adds nothing against
 * guessing a value that cannot be guessed, and fleets of thousands of devices must enrol and
 * connect quickly. Never use this for passwords.
 */
export function hashGeneratedSecret(secret: string): string {
  const salt = randomBytes(16);
  const key = createHash('sha256').update(salt).update(secret, 'utf8').digest();
  return `sha256$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  if (stored.startsWith('sha256$')) {
    const [, saltB64, keyB64, extra] = stored.split('$');
    if (saltB64 === undefined || keyB64 === undefined || extra !== undefined) return false;
    const expected = Buffer.from(keyB64, 'base64');
    const key = createHash('sha256').update(Buffer.from(saltB64, 'base64')).update(secret, 'utf8').digest();
    return key.length === expected.length && timingSafeEqual(key, expected);
  }
  const cost = storedCost(stored);
  const parts = stored.split('$');
  if (cost === null || parts[4] === undefined || parts[5] === undefined) return false;
  const expected = Buffer.from(parts[5], 'base64');
  try {
    const key = await scrypt(secret, Buffer.from(parts[4], 'base64'), expected.length, cost);
    return key.length === expected.length && timingSafeEqual(key, expected);
  } catch {
    return false;
  }
}

/** A random secret for a device or generated account: URL-safe, 128+ bits. */
export function generateSecret(bytes = 18): string {
  return randomBytes(bytes).toString('base64url');
}
