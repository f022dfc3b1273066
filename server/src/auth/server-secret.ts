// The server's own signing secret (page links, reply codes): from the environment, or generated on
// first start and kept in DATA_DIR readable by this user only, so links survive a restart.
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const SECRET_FILE = 'server-secret.key';

export function loadServerSecret(dataDir: string, fromEnv: string | undefined): Buffer {
  if (fromEnv !== undefined) return Buffer.from(fromEnv, 'utf8');
  if (dataDir === ':memory:') return randomBytes(32);
  const file = path.join(dataDir, SECRET_FILE);
  try {
    const hex = readFileSync(file, 'utf8').trim();
    if (/^[0-9a-f]{64}$/.test(hex)) return Buffer.from(hex, 'hex');
    throw new Error(`${file} is not a 64-digit hex secret`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const secret = randomBytes(32);
  // 'wx': never overwrite a secret another start wrote meanwhile; mode 0600 (umask cannot widen it).
  writeFileSync(file, secret.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return secret;
}
