// The error catalogue and docs/api.md list the same codes with the same statuses.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERRORS } from './errors.js';

describe('error catalogue', () => {
  it('matches the table in docs/api.md', () => {
    const doc = readFileSync(path.resolve(import.meta.dirname, '../../docs/api.md'), 'utf8');
    const rows = [...doc.matchAll(/^\| `(ODART_ERR_[A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]);
    expect(Object.fromEntries(rows)).toEqual(Object.fromEntries(Object.entries(ERRORS).map(([k, v]) => [k, v.status])));
  });
});
