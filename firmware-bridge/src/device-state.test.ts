// Gateway per-device state: duplicate removal by sequence number (docs/firmware-protocol.md, "Duplicates")
// and device clock correction ("Time").
import { describe, expect, it } from 'vitest';
import { ClockMap, SEQ_WINDOW, SeqWindow } from './device-state.js';

const T = 1_767_225_600_000;

describe('duplicates are removed by device sequence number', () => {
  it('the same frame twice is a duplicate; late but unseen frames in the window are accepted', () => {
    const w = new SeqWindow();
    expect(w.check(10, 0xaaaa, T + 10_000)).toBe('new');
    expect(w.check(12, 0xbbbb, T + 12_000)).toBe('new');
    expect(w.check(10, 0xaaaa, T + 10_000)).toBe('duplicate');
    expect(w.check(11, 0xcccc, T + 11_000)).toBe('new'); // reordered on the link, not seen before
    expect(w.check(11, 0xcccc, T + 11_000)).toBe('duplicate');
  });

  it('an old frame replayed from far behind the window is a duplicate when the device has a clock', () => {
    const w = new SeqWindow();
    for (let s = 0; s < SEQ_WINDOW * 3; s++) w.check(s, s & 0xffff, T + s * 1000);
    expect(w.check(5, 5, T + 5000)).toBe('duplicate');
  });

  it('a reboot (counter back to 0, clock moved on) is accepted and the window starts over, so the device is never silenced', () => {
    const w = new SeqWindow();
    for (let s = 0; s < 50; s++) w.check(s, s, T + s * 1000);
    expect(w.check(0, 0x1234, T + 60_000)).toBe('restart');
    expect(w.check(1, 0x1235, T + 61_000)).toBe('new');
    expect(w.check(1, 0x1235, T + 61_000)).toBe('duplicate');
  });

  it('a device without a clock (ts 0) that restarts its counter is taken at its word', () => {
    const w = new SeqWindow();
    for (let s = 0; s < 50; s++) w.check(s, s, 0);
    expect(w.check(3, 0x9999, 0)).toBe('restart');
    expect(w.check(3, 0x9999, 0)).toBe('duplicate');
  });
});

describe('device time is mapped to gateway time', () => {
  it('a correct device clock is kept (to within link latency); frames the device buffered itself keep their older time', () => {
    const c = new ClockMap();
    expect(c.map(T, T + 20)).toBe(T + 20);
    expect(c.map(T + 1000, T + 1015)).toBe(T + 1015);
    // the device was out of range for 5 minutes and now sends what it buffered: still 5 minutes old
    // (give or take the 200 ppm drift allowance, 60 ms here)
    const mapped = c.map(T + 2000, T + 302_000);
    expect(Math.abs(mapped - (T + 2000))).toBeLessThan(100);
  });

  it('a device clock 40 s behind is corrected, so skew alone never makes live data look old', () => {
    const c = new ClockMap();
    expect(c.map(T - 40_000, T)).toBe(T);
    expect(c.map(T - 39_000, T + 1000)).toBe(T + 1000);
  });

  it('a clock that jumps backwards (device rebooted to an unset clock) restarts the estimate; no clock = arrival time', () => {
    const c = new ClockMap();
    c.map(T, T);
    expect(c.map(5000, T + 1000)).toBe(T + 1000);
    expect(c.map(0, T + 2000)).toBe(T + 2000);
  });

  it('the mapped time is never in the future of the gateway clock', () => {
    const c = new ClockMap();
    expect(c.map(T + 3_600_000, T)).toBe(T);
  });
});
