// Rotas in the service's time zone across the two daylight-saving changes of Europe/London in 2026
// (clocks forward at 01:00 UTC on Sunday 29 March, back at 01:00 UTC on Sunday 25 October).
import { describe, expect, it } from 'vitest';
import { gapsOf, instantOf, onCall, onShiftAt, overrideInstant, overrideSchema, shiftIntervals, type Shift } from './rota.js';

const tz = 'Europe/London';
const at = (iso: string) => Date.parse(iso);
const H = 3_600_000;
// Saturday night into Sunday (ISO weekday 6 = Saturday).
const nights: Shift[] = [{ userId: 'alex', weekday: 6, startMin: 20 * 60, endMin: 8 * 60 }];

describe('rota times across daylight saving', () => {
  it('a 20:00-08:00 shift is 12 h on an ordinary night, 11 h when the clocks go forward and 13 h when they go back', () => {
    const len = (from: string) => {
      const [s] = shiftIntervals(nights, tz, at(from), at(from) + 20 * H);
      return (s!.end - s!.start) / H;
    };
    expect(len('2026-03-21T12:00:00Z')).toBe(12);
    expect(len('2026-03-28T12:00:00Z')).toBe(11);
    expect(len('2026-10-24T12:00:00Z')).toBe(13);
    const [spring] = shiftIntervals(nights, tz, at('2026-03-28T12:00:00Z'), at('2026-03-29T12:00:00Z'));
    expect(new Date(spring!.start).toISOString()).toBe('2026-03-28T20:00:00.000Z'); // 20:00 GMT
    expect(new Date(spring!.end).toISOString()).toBe('2026-03-29T07:00:00.000Z'); // 08:00 BST
    const [autumn] = shiftIntervals(nights, tz, at('2026-10-24T12:00:00Z'), at('2026-10-25T12:00:00Z'));
    expect(new Date(autumn!.start).toISOString()).toBe('2026-10-24T19:00:00.000Z'); // 20:00 BST
    expect(new Date(autumn!.end).toISOString()).toBe('2026-10-25T08:00:00.000Z'); // 08:00 GMT
  });

  it('a local time the clocks skip starts at the end of the gap; one that happens twice at its first occurrence', () => {
    expect(new Date(instantOf(Date.UTC(2026, 2, 29, 1, 30), tz)).toISOString()).toBe('2026-03-29T01:00:00.000Z'); // 02:00 BST
    expect(new Date(instantOf(Date.UTC(2026, 9, 25, 1, 30), tz)).toISOString()).toBe('2026-10-25T00:30:00.000Z'); // 01:30 BST
    const early: Shift[] = [{ userId: 'sam', weekday: 7, startMin: 90, endMin: 6 * 60 }];
    const [s] = shiftIntervals(early, tz, at('2026-03-28T12:00:00Z'), at('2026-03-29T12:00:00Z'));
    expect(new Date(s!.start).toISOString()).toBe('2026-03-29T01:00:00.000Z');
    expect((s!.end - s!.start) / H).toBe(4); // 02:00 BST to 06:00 BST
  });

  it("an override's local times (the console's datetime-local) are the service's wall clock, not the server's or the browser's", () => {
    const iso = (s: string, zone = tz) => new Date(overrideInstant(s, zone)).toISOString();
    expect(iso('2026-12-03T20:00')).toBe('2026-12-03T20:00:00.000Z'); // GMT
    expect(iso('2026-07-03T20:00')).toBe('2026-07-03T19:00:00.000Z'); // BST
    expect(iso('2026-07-03T20:00', 'America/New_York')).toBe('2026-07-04T00:00:00.000Z'); // EDT
    expect(iso('2026-03-29T01:30')).toBe('2026-03-29T01:00:00.000Z'); // skipped: the end of the gap
    expect(iso('2026-12-03T20:00:00+01:00')).toBe('2026-12-03T19:00:00.000Z'); // an instant says its own offset
    const o = overrideSchema('America/New_York').parse({ userId: 'sam', start: '2026-12-03T20:00', end: '2026-12-04T08:00' });
    expect([o.start, o.end].map((t) => new Date(t).toISOString())).toEqual(['2026-12-04T01:00:00.000Z', '2026-12-04T13:00:00.000Z']);
    expect(overrideSchema(tz).safeParse({ userId: 'sam', start: '3 Dec 20:00', end: '2026-12-04T08:00' }).success).toBe(false);
    expect(overrideSchema(tz).safeParse({ userId: 'sam', start: '2026-12-04T08:00', end: '2026-12-03T20:00' }).success).toBe(false);
  });

  it('who is on shift at given instants, with an override that replaces and one that adds', () => {
    const shifts: Shift[] = [...nights, { userId: 'sam', weekday: 7, startMin: 8 * 60, endMin: 20 * 60 }];
    const overrides = [
      { userId: 'sam', replacesUserId: 'alex', startAt: at('2026-03-29T00:00:00Z'), endAt: at('2026-03-29T03:00:00Z') },
      { userId: 'kim', replacesUserId: null, startAt: at('2026-03-29T10:00:00Z'), endAt: at('2026-03-29T11:00:00Z') },
    ];
    expect(onShiftAt(shifts, overrides, tz, at('2026-03-28T19:59:59Z'))).toEqual([]);
    expect(onShiftAt(shifts, overrides, tz, at('2026-03-28T20:00:00Z'))).toEqual(['alex']);
    expect(onShiftAt(shifts, overrides, tz, at('2026-03-29T01:30:00Z'))).toEqual(['sam']);
    expect(onShiftAt(shifts, overrides, tz, at('2026-03-29T06:59:00Z'))).toEqual(['alex']);
    expect(onShiftAt(shifts, overrides, tz, at('2026-03-29T07:00:00Z'))).toEqual(['sam']); // 08:00 BST
    expect(onShiftAt(shifts, overrides, tz, at('2026-03-29T10:30:00Z'))).toEqual(['kim', 'sam']);
    const segs = onCall(shifts, overrides, tz, at('2026-03-28T12:00:00Z'), at('2026-03-30T12:00:00Z'));
    expect(gapsOf(segs).map((g) => [new Date(g.start).toISOString(), new Date(g.end).toISOString()])).toEqual([
      ['2026-03-28T12:00:00.000Z', '2026-03-28T20:00:00.000Z'],
      ['2026-03-29T19:00:00.000Z', '2026-03-30T12:00:00.000Z'], // 20:00 BST on Sunday
    ]);
  });
});
