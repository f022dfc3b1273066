// Which of the given alerts have paged a user in the app (escalation timeline "notified" entries), so a
// reconnecting app can sound the alarm for pages it missed while offline; not those the user said they
// cannot go to (a decliner is not paged again for that alert).
import type { HttpDeps } from './app.js';

export async function pagedAlertIds(d: Pick<HttpDeps, 'repos'>, userId: string, alertIds: string[]): Promise<string[]> {
  if (alertIds.length === 0) return [];
  const rows = await d.repos.readModels.pageEntries(alertIds);
  const target = `responder:${userId}`;
  const out = new Set<string>();
  const declined = new Set<string>();
  for (const r of rows) {
    const data = r.data as { channel?: unknown; target?: unknown; by?: unknown };
    if (data.channel === 'app' && data.target === target) out.add(r.alert_id);
    if (data.by === target) declined.add(r.alert_id);
  }
  return [...out].filter((id) => !declined.has(id));
}
