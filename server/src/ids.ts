// Id generation as a port, so tests can make ids deterministic.
import { randomBytes, randomUUID } from 'node:crypto';

export interface Ids {
  /** short, URL-friendly, unguessable id with a readable prefix */
  next(prefix: string): string;
}

const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

export const randomIds: Ids = {
  next(prefix) {
    const bytes = randomBytes(12);
    let s = '';
    for (const b of bytes) s += ALPHABET[b % 32];
    return `${prefix}_${s}`;
  },
};

export function sequentialIds(): Ids {
  let n = 0;
  return { next: (prefix) => `${prefix}_${(++n).toString().padStart(6, '0')}` };
}

export { randomUUID };
