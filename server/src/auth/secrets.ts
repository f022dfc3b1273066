// Secret hashing (scrypt, salted, parameters stored with the hash) and constant-time verification.
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

function scrypt(secret: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(secret, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** Passwords are low-entropy: full cost. Device secrets are 128-bit random: a lighter cost is enough. */
export const PASSWORD_COST = { N: 16384, r: 8, p: 1 } as const;
export const DEVICE_SECRET_COST = { N: 1024, r: 8, p: 1 } as const;

export async function hashSecret(secret: string, cost: { N: number; r: number; p: number } = PASSWORD_COST): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(secret, salt, 32, { ...cost, maxmem: 64 * 1024 * 1024 });
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64')}$${key.toString('base64')}`;
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
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, saltB64, keyB64] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(keyB64, 'base64');
  try {
    const key = await scrypt(secret, Buffer.from(saltB64, 'base64'), expected.length, {
      N: Number(n), r: Number(r), p: Number(p), maxmem: 64 * 1024 * 1024,
    });
    return key.length === expected.length && timingSafeEqual(key, expected);
  } catch {
    return false;
  }
}

/** A random secret for a device or generated account: URL-safe, 128+ bits. */
export function generateSecret(bytes = 18): string {
  return randomBytes(bytes).toString('base64url');
}
