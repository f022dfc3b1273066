// The alerts repository: alerts, their append-only timeline, and who sees them. Every state change is
// one statement (or one transaction) fenced on the state and, where it matters, the escalation token,
// so two writers (two acks, a timeout and an arrival) cannot both win, on one connection or several.
import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import { OPEN_ALERT_STATES, type AlertState, type AlertsTable, type DB } from './schema.js';

export type AlertRow = Selectable<AlertsTable>;

export interface TimelineEntry {
  id: number;
  at: number;
  type: string;
  data: Record<string, unknown>;
}

/** Accepts the database or a transaction (both are Kysely<DB>). */
export function createAlertStore(db: Kysely<DB>) {
  return {
    async insertAlert(row: Insertable<AlertsTable>) {
      await db.insertInto('alerts').values(row).execute();
    },
    async alertById(id: string) {
      return db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async openAlertForWearer(wearerId: string) {
      return db
        .selectFrom('alerts')
        .selectAll()
        .where('wearer_id', '=', wearerId)
        .where('state', 'in', [...OPEN_ALERT_STATES])
        .orderBy('created_at', 'desc')
        .executeTakeFirst();
    },
    async openAlerts() {
      return db.selectFrom('alerts').selectAll().where('state', 'in', [...OPEN_ALERT_STATES]).execute();
    },
    async alertsForWearers(wearerIds: readonly string[], limit = 200) {
      if (wearerIds.length === 0) return [];
      return db
        .selectFrom('alerts')
        .selectAll()
        .where('wearer_id', 'in', [...wearerIds])
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
    },
    async alertsForService(serviceId: string, limit = 200) {
      return db
        .selectFrom('alerts')
        .selectAll()
        .where('service_id', '=', serviceId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
    },
    /**
     * Compare-and-set update: applies only while the alert is in one of `from`.
     * Returns true when this caller won (so concurrent acks cannot both become attending).
     */
    async transitionAlert(id: string, from: readonly AlertState[], patch: Updateable<AlertsTable>): Promise<boolean> {
      const res = await db
        .updateTable('alerts')
        .set(patch)
        .where('id', '=', id)
        .where('state', 'in', [...from])
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },
    async updateAlert(id: string, patch: Updateable<AlertsTable>) {
      await db.updateTable('alerts').set(patch).where('id', '=', id).execute();
    },

    async appendTimeline(alertId: string, at: number, type: string, data: Record<string, unknown> = {}) {
      await db.insertInto('alert_timeline').values({ alert_id: alertId, at, type, data: JSON.stringify(data) }).execute();
    },
    async timeline(alertId: string): Promise<TimelineEntry[]> {
      const rows = await db.selectFrom('alert_timeline').selectAll().where('alert_id', '=', alertId).orderBy('id').execute();
      return rows.map((r) => ({ id: r.id, at: r.at, type: r.type, data: JSON.parse(r.data) as Record<string, unknown> }));
    },

    /** The service's admins: they see every alert of the service (and its technical notices). */
    async adminIdsOfService(serviceId: string): Promise<string[]> {
      const rows = await db.selectFrom('users').select('id').where('service_id', '=', serviceId).where('role', '=', 'admin').execute();
      return rows.map((r) => r.id);
    },
  };
}

export type AlertStore = ReturnType<typeof createAlertStore>;
