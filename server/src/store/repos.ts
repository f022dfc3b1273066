// Queries, grouped by table. Everything above the store talks to these, never to SQL directly.
import type { Insertable, Selectable, Updateable } from 'kysely';
import { createAlertStore } from './alerts.js';
import { createEscalationRepo } from './escalation-repo.js';
import type { Db } from './db.js';
import type {
  ChainsTable,
  DevicesTable,
  FakeOutboxTable,
  NotificationsTable,
  ServicesTable,
  UsersTable,
  WearersTable,
} from './schema.js';

export type { AlertRow, TimelineEntry } from './alerts.js';

export type UserRow = Selectable<UsersTable>;
export type DeviceRow = Selectable<DevicesTable>;
export type WearerRow = Selectable<WearersTable>;
export type ChainRow = Selectable<ChainsTable>;
export type NotificationRow = Selectable<NotificationsTable>;

export function createRepos(db: Db) {
  return {
    db,

    async isEmpty(): Promise<boolean> {
      const row = await db.selectFrom('services').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      return Number(row.n) === 0;
    },

    async insertService(row: Insertable<ServicesTable>) {
      await db.insertInto('services').values(row).execute();
    },
    async serviceById(id: string) {
      return db.selectFrom('services').selectAll().where('id', '=', id).executeTakeFirst();
    },

    async insertUser(row: Insertable<UsersTable>) {
      await db.insertInto('users').values(row).execute();
    },
    async userByUsername(username: string) {
      return db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
    },
    async userById(id: string) {
      return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async usersByIds(ids: readonly string[]) {
      if (ids.length === 0) return [];
      return db.selectFrom('users').selectAll().where('id', 'in', [...ids]).execute();
    },

    async insertSession(row: { id: string; user_id: string; created_at: number; expires_at: number }) {
      await db.insertInto('sessions').values(row).execute();
    },
    async sessionUser(id: string, now: number) {
      return db
        .selectFrom('sessions')
        .innerJoin('users', 'users.id', 'sessions.user_id')
        .selectAll('users')
        .where('sessions.id', '=', id)
        .where('sessions.expires_at', '>', now)
        .where('users.disabled_at', 'is', null)
        .executeTakeFirst();
    },
    async deleteSession(id: string) {
      await db.deleteFrom('sessions').where('id', '=', id).execute();
    },

    async insertWearer(row: Insertable<WearersTable>) {
      await db.insertInto('wearers').values(row).execute();
    },
    async wearerById(id: string) {
      return db.selectFrom('wearers').selectAll().where('id', '=', id).executeTakeFirst();
    },
    /** Every wearer's stored detection thresholds (JSON text, null for the defaults): the start-up cache. */
    async wearerThresholds() {
      return db.selectFrom('wearers').select(['id', 'thresholds']).execute();
    },
    async assignResponder(wearerId: string, userId: string) {
      await db.insertInto('wearer_responders').values({ wearer_id: wearerId, user_id: userId }).execute();
    },
    async wearerIdsForResponder(userId: string) {
      const rows = await db.selectFrom('wearer_responders').select('wearer_id').where('user_id', '=', userId).execute();
      return rows.map((r) => r.wearer_id);
    },
    async responderIdsForWearer(wearerId: string) {
      const rows = await db.selectFrom('wearer_responders').select('user_id').where('wearer_id', '=', wearerId).execute();
      return rows.map((r) => r.user_id);
    },

    async insertDevice(row: Insertable<DevicesTable>) {
      await db.insertInto('devices').values(row).execute();
    },
    async deviceById(id: string) {
      return db.selectFrom('devices').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async allDevices() {
      return db.selectFrom('devices').selectAll().execute();
    },
    async updateDevice(id: string, patch: Updateable<DevicesTable>) {
      await db.updateTable('devices').set(patch).where('id', '=', id).execute();
    },

    async insertChain(row: Insertable<ChainsTable>) {
      await db.insertInto('chains').values(row).execute();
    },
    async chainById(id: string) {
      return db.selectFrom('chains').selectAll().where('id', '=', id).executeTakeFirst();
    },

    // Alerts and their timeline: see alerts.ts.
    ...createAlertStore(db),
    /** Escalation jobs, the notification send queue, groups: see escalation-repo.ts. */
    esc: createEscalationRepo(db),

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
