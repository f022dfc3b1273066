// Queries, grouped by table. Everything above the store talks to these, never to SQL directly.
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db } from './db.js';
import { createAggregates } from './aggregates.js';
import { createAlertStore } from './alerts.js';
import { createEscalationRepo } from './escalation-repo.js';
import { createLeaseRepo } from './lease.js';
import { createSnapshotRepo } from './snapshots.js';
import type { ChainsTable, DevicesTable, FakeOutboxTable, NotificationsTable, UsersTable, WearersTable } from './schema.js';

export type { AlertRow, TimelineEntry } from './alerts.js';

export type UserRow = Selectable<UsersTable>;
export type DeviceRow = Selectable<DevicesTable>;
export type WearerRow = Selectable<WearersTable>;
export type ChainRow = Selectable<ChainsTable>;
export type NotificationRow = Selectable<NotificationsTable>;

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

    // Alerts and their timeline: see alerts.ts.
    ...createAlertStore(db),
    /** Escalation jobs, the notification send queue, groups: see escalation-repo.ts. */
    esc: createEscalationRepo(db),
    /** The core lease and its fencing epoch (issue 14): see lease.ts. */
    lease: createLeaseRepo(db),
    /** The detector snapshots the core writes and the next core restores (issue 14): see snapshots.ts. */
    snapshots: createSnapshotRepo(db),

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
      return db
        .selectFrom('fake_outbox')
        .selectAll()
        .where('service_id', '=', serviceId)
        .orderBy('at', 'desc')
        .orderBy('sid', 'desc')
        .limit(limit)
        .execute();
    },
  };
}

export type Repos = ReturnType<typeof createRepos>;
