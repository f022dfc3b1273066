// Naloxone kits of a service (migration 0023_naloxone_kits): boxes, pharmacies and kits responders carry.
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db } from './db.js';
import type { NaloxoneKitsTable } from './schema.js';

export type KitRow = Selectable<NaloxoneKitsTable>;
export type KitPatch = Omit<Updateable<NaloxoneKitsTable>, 'id' | 'service_id' | 'created_at'>;

export function createKitRepo(db: Db) {
  return {
    async insert(row: Insertable<NaloxoneKitsTable>): Promise<void> {
      await db.insertInto('naloxone_kits').values(row).execute();
    },
    /** A service's kits, soonest expiry first. */
    async forService(serviceId: string): Promise<KitRow[]> {
      return db.selectFrom('naloxone_kits').selectAll().where('service_id', '=', serviceId).orderBy('expires_on').orderBy('id').execute();
    },
    /** The kit, only if it belongs to the service (else undefined: another service's id leaks nothing). */
    async byId(serviceId: string, id: string): Promise<KitRow | undefined> {
      return db.selectFrom('naloxone_kits').selectAll().where('id', '=', id).where('service_id', '=', serviceId).executeTakeFirst();
    },
    async update(serviceId: string, id: string, patch: KitPatch): Promise<boolean> {
      if (Object.keys(patch).length === 0) return (await this.byId(serviceId, id)) !== undefined;
      const r = await db
        .updateTable('naloxone_kits')
        .set(patch)
        .where('id', '=', id)
        .where('service_id', '=', serviceId)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async remove(serviceId: string, id: string): Promise<boolean> {
      const r = await db.deleteFrom('naloxone_kits').where('id', '=', id).where('service_id', '=', serviceId).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  };
}

export type KitRepo = ReturnType<typeof createKitRepo>;
