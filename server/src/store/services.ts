// Services (the tenants): one row each, its settings, and whether the database holds any yet.
import type { Insertable, Selectable } from 'kysely';
import type { Db } from './db.js';
import type { ServicesTable } from './schema.js';

export type ServiceRow = Selectable<ServicesTable>;
export type ServicePatch = Partial<Pick<ServicesTable, 'emergency_number' | 'phone' | 'default_country' | 'time_zone'>>;

export function createServiceRepo(db: Db) {
  return {
    async isEmpty(): Promise<boolean> {
      const row = await db
        .selectFrom('services')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n) === 0;
    },
    async insertService(row: Insertable<ServicesTable>) {
      await db.insertInto('services').values(row).execute();
    },
    async serviceById(id: string): Promise<ServiceRow | undefined> {
      return db.selectFrom('services').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async updateService(id: string, patch: ServicePatch): Promise<void> {
      if (Object.keys(patch).length === 0) return;
      await db.updateTable('services').set(patch).where('id', '=', id).execute();
    },
  };
}

export type ServiceRepo = ReturnType<typeof createServiceRepo>;
