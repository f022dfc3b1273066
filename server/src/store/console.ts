// Read models of the service console and the app: alert history with the timeline entries response
// times are measured from, a wearer's data export, and which alerts paged a user. Reads only; the alert
// lifecycle writes live in repos.ts / escalation-repo.ts.
import type { Selectable } from 'kysely';
import type { Db } from './db.js';
import type { AlertsTable, DevicesTable } from './schema.js';

type AlertRow = Selectable<AlertsTable>;

/** Timeline entries the history and its response times are built from. */
const HISTORY_TYPES = ['escalating', 'acknowledged', 'arrived', 'resolved', 'cancelled'];

export interface HistorySource {
  alerts: AlertRow[];
  aliases: Map<string, string>;
  names: Map<string, string>;
  timeline: Map<string, { at: number; type: string; data: Record<string, unknown> }[]>;
}

export function createConsoleReads(db: Db) {
  return {
    /** A service's (or one wearer's) alerts newest first, with wearer aliases, user names and their history entries. */
    async history(serviceId: string, limit: number, wearerId?: string): Promise<HistorySource> {
      let q = db.selectFrom('alerts').selectAll().where('service_id', '=', serviceId);
      if (wearerId) q = q.where('wearer_id', '=', wearerId);
      const alerts = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
      const timeline: HistorySource['timeline'] = new Map();
      if (alerts.length === 0) return { alerts, aliases: new Map(), names: new Map(), timeline };
      const aliases = new Map(
        (await db.selectFrom('wearers').select(['id', 'alias']).where('service_id', '=', serviceId).execute()).map((w) => [w.id, w.alias]),
      );
      const names = new Map(
        (await db.selectFrom('users').select(['id', 'display_name']).where('service_id', '=', serviceId).execute()).map((u) => [
          u.id,
          u.display_name,
        ]),
      );
      const ids = alerts.map((a) => a.id);
      for (let i = 0; i < ids.length; i += 500) {
        const rows = await db
          .selectFrom('alert_timeline')
          .select(['alert_id', 'at', 'type', 'data'])
          .where('alert_id', 'in', ids.slice(i, i + 500))
          .where('type', 'in', HISTORY_TYPES)
          .orderBy('id')
          .execute();
        for (const r of rows) {
          const list = timeline.get(r.alert_id) ?? [];
          list.push({ at: Number(r.at), type: r.type, data: JSON.parse(r.data) as Record<string, unknown> });
          timeline.set(r.alert_id, list);
        }
      }
      return { alerts, aliases, names, timeline };
    },

    /** What a wearer's export holds of their devices and alerts (the timelines come from `Repos.timeline`). */
    async exportOf(
      wearerId: string,
    ): Promise<{ devices: Pick<Selectable<DevicesTable>, 'id' | 'kind' | 'room' | 'created_at' | 'last_seen_at'>[]; alerts: AlertRow[] }> {
      const devices = await db
        .selectFrom('devices')
        .select(['id', 'kind', 'room', 'created_at', 'last_seen_at'])
        .where('wearer_id', '=', wearerId)
        .execute();
      const alerts = await db.selectFrom('alerts').selectAll().where('wearer_id', '=', wearerId).orderBy('created_at').execute();
      return { devices, alerts };
    },

    /** "notified" and "declined" timeline entries of these alerts (at most 500), for pages missed offline. */
    async pageEntries(alertIds: readonly string[]): Promise<{ alert_id: string; data: Record<string, unknown> }[]> {
      if (alertIds.length === 0) return [];
      const rows = await db
        .selectFrom('alert_timeline')
        .select(['alert_id', 'data'])
        .where('alert_id', 'in', alertIds.slice(0, 500))
        .where('type', 'in', ['notified', 'declined'])
        .execute();
      return rows.map((r) => ({ alert_id: r.alert_id, data: JSON.parse(r.data) as Record<string, unknown> }));
    },
  };
}

export type ConsoleReads = ReturnType<typeof createConsoleReads>;
