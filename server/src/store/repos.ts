// Queries, grouped by table. Everything above the store talks to these, never to SQL directly.
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db } from './db.js';
import { createAggregates } from './aggregates.js';
import {
  OPEN_ALERT_STATES,
  type AlertState,
  type AlertsTable,
  type ChainsTable,
  type DevicesTable,
  type FakeOutboxTable,
  type NotificationsTable,
  type UsersTable,
  type WearersTable,
} from './schema.js';

export type UserRow = Selectable<UsersTable>;
export type DeviceRow = Selectable<DevicesTable>;
export type WearerRow = Selectable<WearersTable>;
export type AlertRow = Selectable<AlertsTable>;
export type ChainRow = Selectable<ChainsTable>;
export type NotificationRow = Selectable<NotificationsTable>;

export interface TimelineEntry {
  id: number;
  at: number;
  type: string;
  data: Record<string, unknown>;
}

export function createRepos(db: Db) {
  const aggregates = createAggregates(db);
  return {
    /** For store/ and tests only: lint refuses `.db` elsewhere (the wall, docs/architecture.md). */
    db,

    // The per-aggregate repositories (one file each), flat under their old method names and by aggregate.
    ...aggregates,
    ...aggregates.services,
    ...aggregates.users,
    ...aggregates.wearers,
    ...aggregates.devices,
    ...aggregates.chains,

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

    // Escalation jobs and the notification send queue: see escalation-repo.ts.
    async updateNotification(id: string, patch: Updateable<NotificationsTable>) {
      await db.updateTable('notifications').set(patch).where('id', '=', id).execute();
    },
    async notificationByProviderId(providerId: string) {
      return db.selectFrom('notifications').selectAll().where('provider_id', '=', providerId).executeTakeFirst();
    },

    /** Records a webhook delivery; false when the same one was already processed. */
    async firstDelivery(sid: string, kind: string, at: number): Promise<boolean> {
      const res = await db
        .insertInto('inbound_webhooks')
        .values({ sid, kind, at })
        .onConflict((oc) => oc.column('sid').doNothing())
        .executeTakeFirst();
      return Number(res.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    async userByPhone(phone: string) {
      // A disabled account answers nothing by SMS either.
      return db.selectFrom('users').selectAll().where('phone', '=', phone).where('disabled_at', 'is', null).executeTakeFirst();
    },

    async insertOutbox(row: Insertable<FakeOutboxTable>) {
      await db.insertInto('fake_outbox').values(row).execute();
    },
    /** The fake outbox of one service (rows from before 0008 carry no service and are shown to nobody). */
    async listOutbox(serviceId: string, limit = 500) {
      return db.selectFrom('fake_outbox').selectAll().where('service_id', '=', serviceId).orderBy('at', 'desc').orderBy('sid', 'desc').limit(limit).execute();
    },
  };
}

export type Repos = ReturnType<typeof createRepos>;
