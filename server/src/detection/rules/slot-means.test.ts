// The slot means the SpO2 rules read (arousal's resaturation, the slow desaturation's fitted line):
// readings averaged over fixed slots of time, the last few kept oldest first in bounded memory, and
// gaps reported rather than hidden.
import { describe, expect, it } from 'vitest';
import { SlotMeans } from './slot-means.js';

const S = 1000;

/** Readings at 1 Hz from `from` (s): value(s) at each second. Returns the slot means `add` closed, in order. */
function feed(m: SlotMeans, from: number, seconds: number, value: (s: number) => number): number[] {
  const closed: number[] = [];
  for (let s = from; s < from + seconds; s++) {
    const mean = m.add(s * S, value(s));
    if (mean !== null) {
      closed.push(mean);
      m.push(mean);
    }
  }
  return closed;
}

const kept = (m: SlotMeans) => Array.from({ length: m.n }, (_, i) => m.mean(i));

describe('slots', () => {
  it('a slot closes on the first reading a slot length after its first one, not before', () => {
    const m = new SlotMeans(5 * S, 4);
    for (let s = 0; s < 5; s++) expect(m.add(s * S, 90)).toBeNull();
    expect(m.add(4999, 90)).toBeNull();
    expect(m.add(5 * S, 95)).toBe(90);
    expect(m.span).toBe(1);
    // the closing reading starts the next slot
    for (let s = 6; s < 10; s++) expect(m.add(s * S, 95)).toBeNull();
    expect(m.add(10 * S, 0)).toBe(95);
  });

  it('a closed mean is not kept until pushed', () => {
    const m = new SlotMeans(5 * S, 4);
    for (let s = 0; s <= 5; s++) m.add(s * S, 90);
    expect(m.n).toBe(0);
    m.push(90);
    m.push(90);
    expect(kept(m)).toEqual([90, 90]);
  });
});

describe('means', () => {
  it('is the mean of the slot readings, however many there were', () => {
    const m = new SlotMeans(5 * S, 4);
    // 94, 96, 95, 97, 93 over the first slot: mean 95
    const v = [94, 96, 95, 97, 93];
    expect(feed(m, 0, 6, (s) => v[s] ?? 80)).toEqual([95]);
    // a slot of one reading (the next came late) is that reading
    expect(m.add(20 * S, 70)).toBe(80);
    // irregular readings: 3 in a slot
    m.add(21 * S, 90);
    m.add(24 * S, 92);
    expect(m.add(25 * S, 0)).toBeCloseTo((70 + 90 + 92) / 3, 12);
  });
});

describe('ring', () => {
  it('keeps the last `slots` means, oldest first, through many wraps', () => {
    const m = new SlotMeans(5 * S, 12);
    // slot k (seconds 5k .. 5k+4) reads k
    feed(m, 0, 5 * 30 + 1, (s) => Math.floor(s / 5));
    expect(m.full).toBe(true);
    expect(kept(m)).toEqual([18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29]);
    expect(m.min()).toBe(18);
  });

  it('is not full until `slots` means are kept; min of none is Infinity', () => {
    const m = new SlotMeans(5 * S, 3);
    expect(m.min()).toBe(Number.POSITIVE_INFINITY);
    m.push(91);
    m.push(89);
    expect(m.full).toBe(false);
    expect(kept(m)).toEqual([91, 89]);
    expect(m.min()).toBe(89);
    m.push(93);
    expect(m.full).toBe(true);
    m.push(95); // 91 goes
    expect(kept(m)).toEqual([89, 93, 95]);
    m.push(96); // 89 goes: the lowest kept is of the last `slots` only
    expect(m.min()).toBe(93);
  });

  it('clear forgets the kept means and keeps filling the slot under way', () => {
    const m = new SlotMeans(5 * S, 3);
    feed(m, 0, 20, () => 90); // 3 means kept, the 4th slot under way (s 15..19)
    expect(m.full).toBe(true);
    m.clear();
    expect(m.n).toBe(0);
    expect(m.min()).toBe(Number.POSITIVE_INFINITY);
    expect(m.add(20 * S, 0)).toBe(90); // the slot from 15 s closes with its readings
    m.push(85);
    expect(kept(m)).toEqual([85]);
  });
});

describe('gaps', () => {
  it('a slot closed after missed readings says how many slot lengths it spanned', () => {
    const m = new SlotMeans(5 * S, 12);
    m.add(0, 90);
    m.add(1 * S, 92);
    // 14 s without a reading: the slot from 0 spans 15 s, three slot lengths
    expect(m.add(15 * S, 80)).toBe(91);
    expect(m.span).toBe(3);
    expect(m.add(20 * S, 80)).toBe(80);
    expect(m.span).toBe(1);
  });

  it('reset forgets the means and the slot under way: the next reading starts a slot', () => {
    const m = new SlotMeans(5 * S, 3);
    feed(m, 0, 13, () => 90); // 2 kept, the slot from 10 s holds 90s
    m.reset();
    expect(m.n).toBe(0);
    // the reading after the reset starts a slot at 100 s: nothing of before is in its mean
    expect(m.add(100 * S, 70)).toBeNull();
    expect(m.add(104 * S, 72)).toBeNull();
    expect(m.add(105 * S, 0)).toBe(71);
  });
});

describe('memory', () => {
  it('stays at `slots` means over a day of 1 Hz readings', () => {
    const m = new SlotMeans(5 * S, 12);
    feed(m, 0, 86_400, (s) => 90 + (s % 7));
    expect(m.n).toBe(12);
    expect(kept(m)).toHaveLength(12);
    // the last 12 slots of the day, each the mean of its 5 readings
    const last = Array.from({ length: 12 }, (_, k) => {
      const from = 86_400 - 5 * 13 + 5 * k;
      let sum = 0;
      for (let s = from; s < from + 5; s++) sum += 90 + (s % 7);
      return sum / 5;
    });
    expect(kept(m)).toEqual(last);
  });
});
