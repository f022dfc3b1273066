// Alert history for the service console: per-alert milestones (called, acknowledged, arrived, closed)
// from the append-only timeline, response times, the dashboard figures and the CSV export. Pure functions.
import type { HistoryRow, Stats } from '@odart/protocol/api';

/** Fields an alert's history row carries as they are. */
type AlertFacts = Pick<HistoryRow, 'id' | 'wearerId' | 'wearerAlias' | 'state' | 'outcome' | 'score' | 'news2' | 'reasons'>;

export interface HistoryInput extends AlertFacts {
  createdAt: number;
  closedAt: number | null;
  attendingName: string | null;
  timeline: { at: number; type: string; data: Record<string, unknown> }[];
}

/** A history row as the console reads it (@odart/protocol/api). */
export type { HistoryRow };

/** Outcomes that mean nobody needed help: they make up the false-alarm share. */
export const FALSE_ALARM_OUTCOMES: readonly string[] = ['false_alarm_sensor', 'wearer_ok'];

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
const secs = (a: number | null, b: number | null) => (a === null || b === null ? null : Math.max(0, Math.round((b - a) / 1000)));

export function historyRow(a: HistoryInput): HistoryRow {
  const first = (pred: (e: HistoryInput['timeline'][number]) => boolean) => a.timeline.find(pred)?.at ?? null;
  const escalated = first((e) => e.type === 'escalating');
  const acked = first((e) => e.type === 'acknowledged' && e.data.attending === true);
  const arrived = first((e) => e.type === 'arrived');
  // Response is timed from the first call to responders; an alert that never escalated has none.
  return {
    id: a.id,
    wearerId: a.wearerId,
    wearerAlias: a.wearerAlias,
    state: a.state,
    outcome: a.outcome,
    score: a.score,
    news2: a.news2,
    reasons: a.reasons,
    createdAt: new Date(a.createdAt).toISOString(),
    escalatedAt: iso(escalated),
    acknowledgedAt: iso(acked),
    arrivedAt: iso(arrived),
    closedAt: iso(a.closedAt),
    attending: a.attendingName,
    secondsToAcknowledge: secs(escalated, acked),
    secondsToArrive: secs(escalated, arrived),
  };
}

export function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((x, y) => x - y);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Monday 00:00 UTC of the week containing t. */
export function weekStart(t: number): number {
  const d = new Date(t);
  const day = (d.getUTCDay() + 6) % 7;
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day);
}

/** The dashboard figures as the console reads them (@odart/protocol/api). */
export type { Stats };

/**
 * Dashboard figures over `weeks` weeks ending with the week of `now`. An "alert" is one that reached
 * responders; an episode the wearer cancelled during the check-in counts as `checkinsOnly`.
 */
export function computeStats(rows: HistoryRow[], now: number, weeks = 12): Stats {
  const first = weekStart(now) - (weeks - 1) * 7 * 86400_000;
  const buckets = new Map<number, { alerts: number; checkinsOnly: number }>();
  for (let i = 0; i < weeks; i++) buckets.set(first + i * 7 * 86400_000, { alerts: 0, checkinsOnly: 0 });
  const inRange = rows.filter((r) => Date.parse(r.createdAt) >= first);
  for (const r of inRange) {
    const b = buckets.get(weekStart(Date.parse(r.createdAt)));
    if (!b) continue;
    if (r.escalatedAt) b.alerts++;
    else if (r.state === 'cancelled') b.checkinsOnly++;
  }
  const responderAlerts = inRange.filter((r) => r.escalatedAt);
  const resolved = inRange.filter((r) => r.state === 'resolved');
  const falseAlarms = resolved.filter((r) => r.outcome !== null && FALSE_ALARM_OUTCOMES.includes(r.outcome)).length;
  const outcomes: Record<string, number> = {};
  for (const r of resolved) outcomes[r.outcome ?? 'unknown'] = (outcomes[r.outcome ?? 'unknown'] ?? 0) + 1;
  return {
    weeks: [...buckets].map(([t, b]) => ({ weekStart: new Date(t).toISOString().slice(0, 10), ...b })),
    totalAlerts: responderAlerts.length,
    medianSecondsToAcknowledge: median(responderAlerts.flatMap((r) => (r.secondsToAcknowledge === null ? [] : [r.secondsToAcknowledge]))),
    medianSecondsToArrive: median(responderAlerts.flatMap((r) => (r.secondsToArrive === null ? [] : [r.secondsToArrive]))),
    resolved: resolved.length,
    falseAlarms,
    falseAlarmShare: resolved.length === 0 ? null : falseAlarms / resolved.length,
    outcomes,
  };
}

const CSV_COLUMNS: (keyof HistoryRow)[] = [
  'id',
  'wearerAlias',
  'state',
  'outcome',
  'score',
  'news2',
  'createdAt',
  'escalatedAt',
  'acknowledgedAt',
  'arrivedAt',
  'closedAt',
  'secondsToAcknowledge',
  'secondsToArrive',
  'attending',
  'reasons',
];

/** One CSV cell: quoted when needed; a leading = + - @ is defused so spreadsheets never run it as a formula. */
export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s = Array.isArray(v) ? v.join('; ') : String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function historyCsv(rows: HistoryRow[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of rows) lines.push(CSV_COLUMNS.map((c) => csvCell(r[c])).join(','));
  return lines.join('\r\n') + '\r\n';
}
