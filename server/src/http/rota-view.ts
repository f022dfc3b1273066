// What the console shows of a group's rota (issue 16.1): who is on shift over a range with its gaps, and the
// rota's people who could not be paged. Shared by the rota routes, the readiness checklist and the dashboard.
import type { OnCallView, RotaWarning, RotaWarningsView } from '@odart/protocol/api';
import { gapsOf, groupRotas, onCall, serviceTimeZone } from '../escalation/rota.js';
import type { GroupRow } from '../store/index.js';
import type { HttpDeps } from './app.js';

export type RotaViewDeps = Pick<HttpDeps, 'escalator' | 'live' | 'repos'>;

const iso = (t: number) => new Date(t).toISOString();

/**
 * A working notification method: a phone (SMS and voice reach it), a Web Push subscription, or the app
 * (signed in now). A disabled account or someone off duty is not paged at all.
 */
export async function unreachable(d: RotaViewDeps, userIds: readonly string[], now: number): Promise<RotaWarning[]> {
  const out: RotaWarning[] = [];
  if (userIds.length === 0) return out;
  const users = new Map((await d.repos.usersByIds([...userIds])).map((u) => [u.id, u]));
  const signedIn = await d.repos.users.withLiveSession([...userIds], now);
  // Some channel that reaches a person works for them: by its address kind (the registry's one answer).
  const worksFor = async (userId: string, phone: string | null): Promise<boolean> => {
    for (const c of d.escalator.channels.personal()) {
      const kind = d.escalator.channels.personAddress(c.id);
      if (kind === 'phone' && phone !== null) return true;
      if (kind === 'app' && (signedIn.has(userId) || d.live.isConnected(userId))) return true;
      if (kind === 'user' && (await d.repos.push.pushSubscriptionsOf(userId)).length > 0) return true;
    }
    return false;
  };
  for (const id of userIds) {
    const u = users.get(id);
    if (!u) {
      out.push({ userId: id, name: id, problem: 'no such person' });
      continue;
    }
    if (u.disabled_at !== null) out.push({ userId: id, name: u.display_name, problem: 'account disabled' });
    else if (u.on_duty !== 1) out.push({ userId: id, name: u.display_name, problem: 'off duty' });
    else if (!(await worksFor(u.id, u.phone)))
      out.push({ userId: id, name: u.display_name, problem: 'no phone, no push notifications and not signed in to the app' });
  }
  return out;
}

/** Who is on shift in the group through [from, to), the gaps, and the people named who cannot be paged. */
export async function onCallView(d: RotaViewDeps, g: GroupRow, from: number, to: number, now: number): Promise<OnCallView> {
  const tz = await serviceTimeZone(d.repos, g.service_id);
  const rota = (await groupRotas(d.repos, [g.id], from)).get(g.id)!;
  const hasRota = rota.shifts.length > 0 || rota.overrides.length > 0;
  const segments = onCall(rota.shifts, rota.overrides, tz, from, to);
  const people = [...new Set(segments.flatMap((s) => s.userIds))].sort();
  const names = Object.fromEntries((await d.repos.usersByIds(people)).map((u) => [u.id, u.display_name]));
  const nowSeg = segments.find((s) => s.start <= now && s.end > now);
  return {
    groupId: g.id,
    groupName: g.name,
    timeZone: tz,
    from: iso(from),
    to: iso(to),
    hasRota,
    now: nowSeg?.userIds ?? [],
    segments: segments.map((s) => ({ start: iso(s.start), end: iso(s.end), userIds: s.userIds })),
    gaps: hasRota ? gapsOf(segments).map((x) => ({ start: iso(x.start), end: iso(x.end) })) : [],
    unreachable: await unreachable(d, people, now),
    names,
  };
}

/** Every group with a rota whose next 7 days have a gap or someone who cannot be paged. */
export async function rotaWarnings(d: RotaViewDeps, serviceId: string, now: number): Promise<RotaWarningsView[]> {
  const out: RotaWarningsView[] = [];
  for (const g of await d.escalator.esc.groupsForService(serviceId)) {
    const v = await onCallView(d, g, now, now + 7 * 86_400_000, now);
    if (!v.hasRota || (v.gaps.length === 0 && v.unreachable.length === 0)) continue;
    out.push({ groupId: g.id, groupName: g.name, gaps: v.gaps, unreachable: v.unreachable });
  }
  return out;
}
