// Queries of the admin notices (0012_console_notices): one open notice per dedup key and service (0014_store_wall); a
// repeat bumps it; dismissed ones stay as a record until the wearer is erased.
import type { Selectable } from 'kysely';
import type { Db } from './db.js';
import type { NoticesTable } from './schema.js';

export type NoticeRow = Selectable<NoticesTable>;

export function createNoticeRepo(db: Db) {
  return {
    /**
     * Inserts the notice, or bumps the open one with the same key, in one statement (the partial unique index
     * of 0014_store_wall is its arbiter, so two connections at once cannot make two). Returns the row as stored.
     */
    async upsert(row: Omit<NoticeRow, 'count' | 'dismissed_at' | 'dismissed_by'>): Promise<NoticeRow> {
      return db
        .insertInto('notices')
        .values(row)
        .onConflict((oc) =>
          oc
            .columns(['service_id', 'dedup_key'])
            .where('dismissed_at', 'is', null)
            .doUpdateSet((eb) => ({ at: eb.ref('excluded.at'), data: eb.ref('excluded.data'), count: eb('notices.count', '+', 1) })),
        )
        .returningAll()
        .executeTakeFirstOrThrow();
    },
    async open(serviceId: string, limit = 200): Promise<NoticeRow[]> {
      return db
        .selectFrom('notices')
        .selectAll()
        .where('service_id', '=', serviceId)
        .where('dismissed_at', 'is', null)
        .orderBy('at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
    },
    async byId(id: string): Promise<NoticeRow | undefined> {
      return db.selectFrom('notices').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async dismiss(id: string, by: string, at: number): Promise<void> {
      await db
        .updateTable('notices')
        .set({ dismissed_at: at, dismissed_by: by })
        .where('id', '=', id)
        .where('dismissed_at', 'is', null)
        .execute();
    },
    async forgetWearer(wearerId: string): Promise<void> {
      await db.deleteFrom('notices').where('wearer_id', '=', wearerId).execute();
    },
  };
}

export type NoticeRepo = ReturnType<typeof createNoticeRepo>;
