// Rotas (issue 16.1): a group's weekly shifts in the service's time zone, and overrides for an absolute
// interval, turned into who is on shift at an instant and over a range. Pure: time comes in as epoch ms.
//
// Local times and daylight saving. A shift is "weekday, local start, local end" (end <= start crosses
// midnight into the next day). Each end of a shift is the instant the wall clock of the time zone shows
// that local time on that date:
// - a local time the clocks skip (spring forward, e.g. 01:30 in Europe/London on the last Sunday of March)
//   is the next valid time, the end of the gap (02:00 BST);
// - a local time that happens twice (fall back, 01:30 on the last Sunday of October) is its first occurrence.
// So a 20:00-08:00 shift on the night the clocks go forward lasts 11 hours, on the night they go back 13.
import { z } from 'zod';
import type { Repos } from '../store/index.js';

/** An IANA time zone name Intl knows ("Europe/London"). */
export const timeZoneSchema = z
  .string()
  .min(1)
  .max(64)
  .refine((tz) => isTimeZone(tz), 'an IANA time zone, e.g. Europe/London');

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const hhmm = z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, 'a local time HH:MM');

/** One weekly shift: ISO weekday (1 = Monday ... 7 = Sunday) and local start and end ("20:00"-"08:00" crosses midnight). */
export const shiftSchema = z
  .object({
    userId: z.string().min(1).max(64),
    weekday: z.number().int().min(1).max(7),
    start: hhmm,
    end: hhmm,
  })
  .strict();

/** A local date and time as a `datetime-local` input gives it ("2026-12-03T20:00"), read in the service's time zone. */
const LOCAL_DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;
const overrideTime = z.union([
  z.string().datetime({ offset: true }),
  z.string().regex(LOCAL_DATETIME, 'an ISO instant or YYYY-MM-DDTHH:MM'),
]);

/**
 * An override's end as an instant: an ISO instant with its offset as it says, or a local date and time
 * (no offset) as the wall clock of `tz` shows it, through daylight saving as a shift's ends are (instantOf).
 */
export function overrideInstant(s: string, tz: string): number {
  const m = LOCAL_DATETIME.exec(s);
  if (!m) return Date.parse(s);
  const [, y, mo, d, h, mi, sec] = m.map(Number) as number[];
  return instantOf(Date.UTC(y!, mo! - 1, d!, h!, mi!, Number.isNaN(sec) ? 0 : sec!), tz);
}

/**
 * "Sam covers Alex on 3 Dec 20:00-08:00": `userId` is on shift in [start, end); with `replacesUserId` that
 * person is not. `start` and `end` are instants once read in the service's time zone `tz` (overrideInstant).
 */
export const overrideSchema = (tz: string) =>
  z
    .object({
      userId: z.string().min(1).max(64),
      replacesUserId: z.string().min(1).max(64).nullable().default(null),
      start: overrideTime.transform((v) => overrideInstant(v, tz)),
      end: overrideTime.transform((v) => overrideInstant(v, tz)),
      note: z.string().max(200).nullable().default(null),
    })
    .strict()
    .refine((o) => o.end > o.start, { message: 'end must be after start', path: ['end'] })
    .refine((o) => o.end - o.start <= 31 * 86_400_000, { message: 'at most 31 days', path: ['end'] })
    .refine((o) => o.replacesUserId !== o.userId, { message: 'a person cannot replace themselves', path: ['replacesUserId'] });

export interface Shift {
  userId: string;
  weekday: number;
  /** minutes after local midnight */
  startMin: number;
  endMin: number;
}

export interface Override {
  userId: string;
  replacesUserId: string | null;
  startAt: number;
  endAt: number;
}

export interface Interval {
  start: number;
  end: number;
}

export interface OnCallSegment extends Interval {
  userIds: string[];
}

export const minutesOf = (s: string): number => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));
export const hhmmOf = (m: number): string => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

const fmts = new Map<string, Intl.DateTimeFormat>();
function fmt(tz: string): Intl.DateTimeFormat {
  let f = fmts.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    fmts.set(tz, f);
  }
  return f;
}

/** The wall clock of `tz` at instant `t`, as if it were UTC (ms). */
export function wallClock(t: number, tz: string): number {
  const p: Record<string, number> = {};
  for (const x of fmt(tz).formatToParts(new Date(t))) if (x.type !== 'literal') p[x.type] = Number(x.value);
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
}

const offsetAt = (t: number, tz: string): number => wallClock(t, tz) - Math.floor(t / 1000) * 1000;

/**
 * The instant the wall clock of `tz` shows `wall` (ms as if UTC): its first occurrence when it happens
 * twice, the end of the gap when the clocks skip it.
 */
export function instantOf(wall: number, tz: string): number {
  const before = offsetAt(wall - 86_400_000, tz);
  const after = offsetAt(wall + 86_400_000, tz);
  const candidates = [...new Set([wall - before, wall - after])].filter((c) => wallClock(c, tz) === wall).sort((a, b) => a - b);
  if (candidates.length > 0) return candidates[0]!;
  // In a gap: the transition is between the two readings; find the first instant on the new offset.
  let lo = Math.min(wall - before, wall - after);
  let hi = Math.max(wall - before, wall - after);
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (offsetAt(mid, tz) === after) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The weekly shifts as intervals that overlap [from, to), before overrides, per person. */
export function shiftIntervals(
  shifts: readonly Shift[],
  tz: string,
  from: number,
  to: number,
): { userId: string; start: number; end: number }[] {
  const out: { userId: string; start: number; end: number }[] = [];
  const first = wallClock(from, tz);
  const day0 = Date.UTC(new Date(first).getUTCFullYear(), new Date(first).getUTCMonth(), new Date(first).getUTCDate()) - 86_400_000;
  const days = Math.ceil((to - from) / 86_400_000) + 3;
  for (let i = 0; i < days; i++) {
    const midnight = day0 + i * 86_400_000;
    const weekday = ((new Date(midnight).getUTCDay() + 6) % 7) + 1;
    for (const s of shifts) {
      if (s.weekday !== weekday) continue;
      const start = instantOf(midnight + s.startMin * 60_000, tz);
      const end = instantOf(midnight + (s.endMin <= s.startMin ? 86_400_000 : 0) + s.endMin * 60_000, tz);
      if (end > from && start < to && end > start) out.push({ userId: s.userId, start, end });
    }
  }
  return out;
}

/** Who is on shift through [from, to): consecutive segments (each with the people on), empty ones are gaps. */
export function onCall(shifts: readonly Shift[], overrides: readonly Override[], tz: string, from: number, to: number): OnCallSegment[] {
  const base = shiftIntervals(shifts, tz, from, to);
  const cuts = new Set<number>([from, to]);
  for (const x of [...base, ...overrides.map((o) => ({ start: o.startAt, end: o.endAt }))]) {
    if (x.start > from && x.start < to) cuts.add(x.start);
    if (x.end > from && x.end < to) cuts.add(x.end);
  }
  const points = [...cuts].sort((a, b) => a - b);
  const segments: OnCallSegment[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const start = points[i]!;
    const end = points[i + 1]!;
    const on = new Set(base.filter((b) => b.start <= start && b.end > start).map((b) => b.userId));
    // Overrides in the order they were made: a replacement takes the replaced person off, and puts the cover on.
    for (const o of overrides) {
      if (!(o.startAt <= start && o.endAt > start)) continue;
      if (o.replacesUserId !== null) on.delete(o.replacesUserId);
      on.add(o.userId);
    }
    const userIds = [...on].sort();
    const last = segments[segments.length - 1];
    if (last && last.end === start && last.userIds.join('\n') === userIds.join('\n')) last.end = end;
    else segments.push({ start, end, userIds });
  }
  return segments;
}

/** Who is on shift at instant `t`. */
export function onShiftAt(shifts: readonly Shift[], overrides: readonly Override[], tz: string, t: number): string[] {
  return onCall(shifts, overrides, tz, t, t + 1)[0]?.userIds ?? [];
}

/** The intervals with nobody on shift. */
export function gapsOf(segments: readonly OnCallSegment[]): Interval[] {
  return segments.filter((s) => s.userIds.length === 0).map(({ start, end }) => ({ start, end }));
}

// ---- read from the store -----------------------------------------------------------------

/** The time zone of a service whose setting is not made (the default country is GB). */
export const DEFAULT_TIME_ZONE = 'Europe/London';

export interface GroupRota {
  shifts: Shift[];
  overrides: (Override & { id: string; note: string | null })[];
}

type RotaRepos = Pick<Repos, 'rotas' | 'serviceById'>;

export async function serviceTimeZone(repos: RotaRepos, serviceId: string): Promise<string> {
  const tz = (await repos.serviceById(serviceId))?.time_zone;
  return tz && isTimeZone(tz) ? tz : DEFAULT_TIME_ZONE;
}

/** The groups' rotas with the overrides that end after `after`. */
export async function groupRotas(repos: RotaRepos, groupIds: readonly string[], after: number): Promise<Map<string, GroupRota>> {
  const out = new Map<string, GroupRota>(groupIds.map((g) => [g, { shifts: [], overrides: [] }]));
  for (const s of await repos.rotas.shiftsOf(groupIds))
    out.get(s.group_id)?.shifts.push({ userId: s.user_id, weekday: s.weekday, startMin: s.start_min, endMin: s.end_min });
  for (const o of await repos.rotas.overridesOf(groupIds, after))
    out.get(o.group_id)?.overrides.push({
      id: o.id,
      userId: o.user_id,
      replacesUserId: o.replaces_user_id,
      startAt: o.start_at,
      endAt: o.end_at,
      note: o.note,
    });
  return out;
}

/** Who is on shift now in each group (the service's time zone). */
export async function onShiftNow(
  repos: RotaRepos,
  serviceId: string,
  groupIds: readonly string[],
  now: number,
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (groupIds.length === 0) return out;
  const tz = await serviceTimeZone(repos, serviceId);
  for (const [g, r] of await groupRotas(repos, groupIds, now)) out.set(g, onShiftAt(r.shifts, r.overrides, tz, now));
  return out;
}
