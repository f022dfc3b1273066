// Sample age from the device `ts` (docs/firmware-protocol.md, "Old data"): plausible stamps give an
// age; a device whose freshest reading in a whole minute still looks old has a wrong clock and is
// believed live instead, so clock skew can never silence detection.
import { describe, expect, it } from 'vitest';
import { SampleAges, SKEW_WINDOW_MS } from './age.js';

const T = Date.UTC(2026, 0, 1);

describe('sample age from the device ts', () => {
  it('gives now - ts for plausible stamps, none for missing, unset (before 2020) or far-future stamps', () => {
    const a = new SampleAges();
    expect(a.ageOf('d', T - 120_000, T)).toBe(120_000);
    expect(a.ageOf('d', T + 2_000, T)).toBe(0);
    expect(a.ageOf('d', undefined, T)).toBeUndefined();
    expect(a.ageOf('d', 5_000, T)).toBeUndefined();
    expect(a.ageOf('d', T + 3_600_000, T)).toBeUndefined();
  });

  it('a backlog drained in a burst keeps its ages (it is not mistaken for clock skew)', () => {
    const a = new SampleAges();
    a.ageOf('gw-dev', T - 1000, T);
    for (let k = 0; k < 300; k++) expect(a.ageOf('gw-dev', T + 60_000 - 300_000 + k * 1000, T + 60_500)).toBe(300_000 - k * 1000 + 500);
    expect(a.ageOf('gw-dev', T + 61_000, T + 61_000)).toBe(0);
  });

  it('a device clock 30 s behind for a whole minute is not believed: its readings count as live', () => {
    const flips: boolean[] = [];
    const a = new SampleAges((_id, distrusted) => flips.push(distrusted));
    let now = T;
    for (; now <= T + SKEW_WINDOW_MS; now += 1000) a.ageOf('skewed', now - 30_000, now);
    expect(a.ageOf('skewed', now - 30_000, now)).toBeUndefined();
    expect(flips).toEqual([true]);
    // once fixed (NTP), its stamps are believed again after a window
    for (let k = 0; k <= SKEW_WINDOW_MS / 1000 + 1; k++, now += 1000) a.ageOf('skewed', now, now);
    expect(a.ageOf('skewed', now - 2000, now)).toBe(2000);
    expect(flips).toEqual([true, false]);
  });
});
