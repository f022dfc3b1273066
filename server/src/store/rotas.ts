// Rotas of responder groups (0020_rotas): the weekly shifts (replaced as a whole) and the overrides.
import type { Insertable, Selectable } from 'kysely';
import type { Db } from './db.js';
import type { RotaOverridesTable, RotaShiftsTable } from './schema.js';

export type RotaShiftRow = Selectable<RotaShiftsTable>;
export type RotaOverrideRow = Selectable<RotaOverridesTable>;

const num = <T extends { start_at: number; end_at: number; created_at: number }>(r: T): T => ({
  ...r,
  start_at: Number(r.start_at),
  end_at: Number(r.end_at),
  created_at: Number(r.created_at),
});

export function createRotaRepo(db: Db) {
  return {
    async shiftsOf(groupIds: readonly string[]): Promise<RotaShiftRow[]> {
      if (groupIds.length === 0) return [];
      const rows = await db
        .selectFrom('rota_shifts')
        .selectAll()
        .where('group_id', 'in', [...groupIds])
        .orderBy('weekday')
        .orderBy('start_min')
        .orderBy('id')
        .execute();
      return rows.map((r) => ({
        ...r,
        weekday: Number(r.weekday),
        start_min: Number(r.start_min),
        end_min: Number(r.end_min),
        created_at: Number(r.created_at),
      }));
    },
    /** The group's weekly rota is replaced as a whole, in one transaction. */
    async replaceShifts(groupId: string, rows: readonly Insertable<RotaShiftsTable>[]): Promise<void> {
      await db.transaction().execute(async (tx) => {
        await tx.deleteFrom('rota_shifts').where('group_id', '=', groupId).execute();
        for (const r of rows) await tx.insertInto('rota_shifts').values(r).execute();
      });
    },
    /** Overrides of the groups that end after `after`, in the order they were made. */
    async overridesOf(groupIds: readonly string[], after: number): Promise<RotaOverrideRow[]> {
      if (groupIds.length === 0) return [];
      const rows = await db
        .selectFrom('rota_overrides')
        .selectAll()
        .where('group_id', 'in', [...groupIds])
        .where('end_at', '>', after)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(num);
    },
    async insertOverride(row: Insertable<RotaOverridesTable>): Promise<void> {
      await db.insertInto('rota_overrides').values(row).execute();
    },
    async overrideById(id: string): Promise<RotaOverrideRow | undefined> {
      const r = await db.selectFrom('rota_overrides').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? num(r) : undefined;
    },
    async deleteOverride(id: string): Promise<void> {
      await db.deleteFrom('rota_overrides').where('id', '=', id).execute();
    },
    /** A deleted group takes its rota with it. */
    async deleteRotaOf(groupId: string): Promise<void> {
      await db.deleteFrom('rota_shifts').where('group_id', '=', groupId).execute();
      await db.deleteFrom('rota_overrides').where('group_id', '=', groupId).execute();
    },
  };
}

export type RotaRepo = ReturnType<typeof createRotaRepo>;
