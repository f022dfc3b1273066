// Secret hashing: scrypt for passwords, salted SHA-256 for generated device secrets; both verify in constant time.
import { describe, expect, it } from 'vitest';
import {
  DEVICE_SECRET_COST,
  PASSWORD_COST,
  generateSecret,
  hashGeneratedSecret,
  hashSecret,
  needsRehash,
  verifySecret,
} from './secrets.js';

describe('secrets', () => {
  it('a generated device secret hashed with salted SHA-256 verifies, and nothing else does', async () => {
    const s = generateSecret();
    const h = hashGeneratedSecret(s);
    expect(h).toMatch(/^sha256\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(h).not.toContain(s);
    expect(hashGeneratedSecret(s)).not.toBe(h); // salted
    expect(await verifySecret(s, h)).toBe(true);
    expect(await verifySecret(s + 'x', h)).toBe(false);
    expect(await verifySecret(s, h + '$extra')).toBe(false);
    expect(await verifySecret(s, 'sha256$onlysalt')).toBe(false);
  });

  it('scrypt hashes still verify (both forms coexist in one devices table)', async () => {
    const h = await hashSecret('a-device-secret', DEVICE_SECRET_COST);
    expect(await verifySecret('a-device-secret', h)).toBe(true);
    expect(await verifySecret('another-secret', h)).toBe(false);
  });

  it("passwords use scrypt N=2^17, r=8, p=1 (OWASP 2023), above Node's default 32 MiB maxmem", async () => {
    expect(PASSWORD_COST).toEqual({ N: 2 ** 17, r: 8, p: 1 });
    const h = await hashSecret('correct horse battery', PASSWORD_COST);
    expect(h.startsWith('scrypt$131072$8$1$')).toBe(true);
    expect(await verifySecret('correct horse battery', h)).toBe(true);
    expect(await verifySecret('correct horse batterx', h)).toBe(false);
  });

  it('a hash below the wanted cost needs a rehash; one at or above it does not', async () => {
    const low = await hashSecret('pw', { N: 1024, r: 8, p: 1 });
    expect(needsRehash(low, { N: 2048, r: 8, p: 1 })).toBe(true);
    expect(needsRehash(low, { N: 1024, r: 8, p: 1 })).toBe(false);
    expect(needsRehash(low, { N: 512, r: 8, p: 1 })).toBe(false);
    expect(needsRehash(low, { N: 1024, r: 16, p: 1 })).toBe(true);
    expect(needsRehash(hashGeneratedSecret('pw'), PASSWORD_COST)).toBe(true);
    expect(needsRehash('garbage', PASSWORD_COST)).toBe(true);
  });
});
