// Which events cross nodes is a property of the catalogue (EVENT_SCOPE), decided once and written down in
// docs/architecture.md's Events table (last column): this holds the two to each other and to the rule.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EVENT_SCOPE, crossesNodes } from './events.js';

const doc = readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/architecture.md'), 'utf8');

function docTable(): Record<string, string> {
  const section = doc.slice(doc.indexOf('## Events'), doc.indexOf('## How a vitals sample flows'));
  const rows: Record<string, string> = {};
  for (const line of section.split('\n')) {
    const m = /^\| `([a-zA-Z.]+)` \|.*\| (cluster|node) \|$/.exec(line);
    if (m) rows[m[1]!] = m[2]!;
  }
  return rows;
}

describe('events across nodes (EVENT_SCOPE)', () => {
  it('crosses the live fan-out, cache invalidations, closed episodes and device commands; keeps the hot path local', () => {
    const cluster = Object.keys(EVENT_SCOPE).filter(crossesNodes).sort();
    expect(cluster).toEqual([
      'alert.episodeClosed',
      'consent.applied',
      'device.changed',
      'device.command',
      'live.closed',
      'live.presence',
      'live.sent',
      'wearer.changed',
    ]);
    for (const hot of ['vitals.sample', 'detection.decisions', 'device.status']) expect(crossesNodes(hot)).toBe(false);
    // events whose subscribers send live messages stay: their messages cross as live.sent, once
    for (const toLive of ['consent.changed', 'escalation.othersToldTaken', 'escalation.numberNotConfirmed', 'escalation.chainExhausted'])
      expect(crossesNodes(toLive)).toBe(false);
    expect(crossesNodes('no.such.event')).toBe(false);
  });

  it('is the last column of the Events table in docs/architecture.md, one row per event', () => {
    expect(docTable()).toEqual({ ...EVENT_SCOPE });
  });
});
