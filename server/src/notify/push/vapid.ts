// The server's VAPID keys (RFC 8292): from the environment, or generated on first start and kept in
// DATA_DIR readable by this user only (like auth/server-secret.ts), so browsers' subscriptions, made
// for this public key, survive a restart. The private key is never logged or printed.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import webpush from 'web-push';
import type { VapidKeys } from './channel.js';

export const VAPID_FILE = 'vapid-keys.json';

const B64URL = /^[A-Za-z0-9_-]+$/;

/** The keys of the environment (both or neither, checked by config.ts), else those in DATA_DIR, else new ones. */
export function loadVapidKeys(
  dataDir: string,
  env: { publicKey?: string | undefined; privateKey?: string | undefined },
  subject: string,
): VapidKeys {
  if (env.publicKey !== undefined && env.privateKey !== undefined) return { publicKey: env.publicKey, privateKey: env.privateKey, subject };
  if (dataDir === ':memory:') return { ...webpush.generateVAPIDKeys(), subject };
  const file = path.join(dataDir, VAPID_FILE);
  try {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { publicKey?: unknown; privateKey?: unknown };
    if (
      typeof stored.publicKey === 'string' &&
      typeof stored.privateKey === 'string' &&
      B64URL.test(stored.publicKey) &&
      B64URL.test(stored.privateKey)
    ) {
      return { publicKey: stored.publicKey, privateKey: stored.privateKey, subject };
    }
    throw new Error(`${file} does not hold a VAPID key pair`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const keys = webpush.generateVAPIDKeys();
  // 'wx': never overwrite keys another start wrote meanwhile; mode 0600 (umask cannot widen it).
  writeFileSync(file, JSON.stringify(keys) + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return { ...keys, subject };
}
