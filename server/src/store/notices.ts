// Queries of the admin notices (0012_console_notices): one open notice per dedup key and service; a
// repeat bumps it; dismissed ones stay as a record until the wearer is erased.
import type { Selectable } from 'kysely';
import type { Db } from './db.js';
import type { NoticesTable } from './schema.js';

export type NoticeRow = Selectable<NoticesTable>;

export function createNoticeRepo(db: Db) {
  return {
    /** Inserts the notice, or bumps the open one with the same key. Returns the row as stored. */
    async upsert(row: Omit<NoticeRow, 'count' | 'dismissed_at' | 'dismissed_by'>): Promise<NoticeRow> {
      return db.transaction().execute(async (trx) => {
        const open = await trx.selectFrom('notices').selectAll()
          .where('service_id', '=', row.service_id).where('dedup_key', '=', row.dedup_key).where('dismissed_at', 'is', null)
          .executeTakeFirst();
        if (open) {
          await trx.updateTable('notices').set((eb) => ({ at: row.at, data: row.data, count: eb('count', '+', 1) })).where('id', '=', open.id).execute();
          return { ...open, at: row.at, data: row.data, count: open.count + 1 };
        }
        await trx.insertInto('notices').values(row).execute();
        return { ...row, count: 1, dismissed_at: null, dismissed_by: null };
      });
    },
    async open(serviceId: string, limit = 200): Promise<NoticeRow[]> {
      return db.selectFrom('notices').selectAll().where('service_id', '=', serviceId).where('dismissed_at', 'is', null)
        .orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    },
    async byId(id: string): Promise<NoticeRow | undefined> {
      return db.selectFrom('notices').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async dismiss(id: string, by: string, at: number): Promise<void> {
      await db.updateTable('notices').set({ dismissed_at: at, dismissed_by: by }).where('id', '=', id).where('dismissed_at', 'is', null).execute();
    },
    async forgetWearer(wearerId: string): Promise<void> {
      await db.deleteFrom('notices').where('wearer_id', '=', wearerId).execute();
    },
  };
}

export type NoticeRepo = ReturnType<typeof createNoticeRepo>;
