// Wearer SMS keywords (issue 6, consent): YES joins, STOP/LEAVE opts out at once, PAUSE nH pauses.
import { describe, expect, it } from 'vitest';
import { parseWearerKeyword } from './keywords.js';

describe('wearer SMS keywords', () => {
  it('YES, START and RESUME opt in or end a pause, whatever the case', () => {
    for (const w of ['YES', 'yes', ' Yes. ', 'y', 'start', 'Resume']) expect(parseWearerKeyword(w), w).toEqual({ kind: 'yes' });
  });
  it('STOP and LEAVE (and the carrier opt-out words) opt out', () => {
    for (const w of ['STOP', 'stop', 'LEAVE', 'leave!', 'unsubscribe', 'quit']) expect(parseWearerKeyword(w), w).toEqual({ kind: 'stop' });
  });
  it('PAUSE takes hours by default, or minutes', () => {
    expect(parseWearerKeyword('PAUSE 2H')).toEqual({ kind: 'pause', ms: 2 * 3600_000 });
    expect(parseWearerKeyword('pause 2h')).toEqual({ kind: 'pause', ms: 2 * 3600_000 });
    expect(parseWearerKeyword('PAUSE2H')).toEqual({ kind: 'pause', ms: 2 * 3600_000 });
    expect(parseWearerKeyword('Pause 3 hours')).toEqual({ kind: 'pause', ms: 3 * 3600_000 });
    expect(parseWearerKeyword('PAUSE 4')).toEqual({ kind: 'pause', ms: 4 * 3600_000 });
    expect(parseWearerKeyword('PAUSE 30M')).toEqual({ kind: 'pause', ms: 30 * 60_000 });
  });
  it('a pause outside 15 min .. 72 h, or without a number, is answered with help, not applied', () => {
    for (const w of ['PAUSE', 'PAUSE 5M', 'PAUSE 100H', 'PAUSE two hours', 'PAUSE 0H'])
      expect(parseWearerKeyword(w), w).toEqual({ kind: 'pause_invalid' });
  });
  it('anything else is not a wearer keyword (left to the responder dispatch)', () => {
    for (const w of ['1', 'ACK', 'hello', '', 'stopping by later']) expect(parseWearerKeyword(w), w).toBeNull();
  });
});
