// Console figures (issue 6): response times from the timeline, alerts per week, median time to
// acknowledge, false-alarm share, and a CSV export that spreadsheets cannot be tricked into running.
import { describe, expect, it } from 'vitest';
import { computeStats, csvCell, historyCsv, historyRow, median, weekStart, type HistoryInput } from './history.js';

const T = Date.UTC(2026, 0, 7, 12); // a Wednesday
const alert = (over: Partial<HistoryInput> & { id: string }): HistoryInput => ({
  wearerId: 'w',
  wearerAlias: 'Jo',
  state: 'resolved',
  outcome: 'wearer_ok',
  score: 80,
  news2: 5,
  reasons: ['no breathing for 20 s'],
  createdAt: T,
  closedAt: T + 600_000,
  attendingName: 'Alex',
  timeline: [],
  ...over,
});

describe('alert history', () => {
  it('times acknowledgement and arrival from the first call to responders, counting only the attending ack', () => {
    const r = historyRow(
      alert({
        id: 'a1',
        timeline: [
          { at: T, type: 'created', data: {} },
          { at: T + 15_000, type: 'escalating', data: {} },
          { at: T + 40_000, type: 'acknowledged', data: { attending: false } },
          { at: T + 45_000, type: 'acknowledged', data: { attending: true } },
          { at: T + 300_000, type: 'arrived', data: {} },
        ],
      }),
    );
    expect(r.secondsToAcknowledge).toBe(30);
    expect(r.secondsToArrive).toBe(285);
    expect(r.escalatedAt).toBe(new Date(T + 15_000).toISOString());
  });

  it('an alert cancelled during the wearer check-in has no response times', () => {
    const r = historyRow(alert({ id: 'a2', state: 'cancelled', outcome: null, timeline: [{ at: T, type: 'created', data: {} }] }));
    expect(r.escalatedAt).toBeNull();
    expect(r.secondsToAcknowledge).toBeNull();
  });

  it('median of odd and even counts', () => {
    expect(median([])).toBeNull();
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('weeks start on Monday (UTC)', () => {
    expect(new Date(weekStart(T)).toISOString()).toBe('2026-01-05T00:00:00.000Z');
  });

  it('dashboard: alerts per week, median time to acknowledge, false-alarm share over resolved alerts', () => {
    const esc = (at: number, ackS: number) => [
      { at, type: 'escalating', data: {} },
      { at: at + ackS * 1000, type: 'acknowledged', data: { attending: true } },
    ];
    const rows = [
      alert({ id: 'a', outcome: 'wearer_ok', timeline: esc(T, 20) }),
      alert({ id: 'b', outcome: 'overdose_naloxone_given', timeline: esc(T, 40) }),
      alert({ id: 'c', createdAt: T - 7 * 86400_000, outcome: 'false_alarm_sensor', timeline: esc(T - 7 * 86400_000, 90) }),
      alert({ id: 'd', state: 'cancelled', outcome: null, timeline: [] }),
      alert({ id: 'old', createdAt: T - 400 * 86400_000, timeline: esc(T - 400 * 86400_000, 1) }),
    ].map(historyRow);
    const s = computeStats(rows, T, 4);
    expect(s.weeks.map((w) => [w.weekStart, w.alerts, w.checkinsOnly])).toEqual([
      ['2025-12-15', 0, 0],
      ['2025-12-22', 0, 0],
      ['2025-12-29', 1, 0],
      ['2026-01-05', 2, 1],
    ]);
    expect(s.totalAlerts).toBe(3);
    expect(s.medianSecondsToAcknowledge).toBe(40);
    expect(s.resolved).toBe(3);
    expect(s.falseAlarms).toBe(2);
    expect(s.falseAlarmShare).toBeCloseTo(2 / 3);
    expect(s.outcomes).toEqual({ wearer_ok: 1, overdose_naloxone_given: 1, false_alarm_sensor: 1 });
  });

  it('CSV: quotes commas and quotes, defuses formulas (CSV injection)', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('-1+1')).toBe(`'-1+1`);
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell(null)).toBe('');
    const csv = historyCsv([historyRow(alert({ id: 'a1', wearerAlias: '@Jo, home' }))]);
    const [head, line] = csv.split('\r\n');
    expect(head).toMatch(/^id,wearerAlias,state,outcome,/);
    expect(line).toMatch(/^a1,"'@Jo, home",resolved,wearer_ok,80,5,/);
  });
});
