// Secret hashing: scrypt for passwords, salted SHA-256 for generated device secrets; both verify in constant time.
import { describe, expect, it } from 'vitest';
import { DEVICE_SECRET_COST, generateSecret, hashGeneratedSecret, hashSecret, verifySecret } from './secrets.js';

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
});
