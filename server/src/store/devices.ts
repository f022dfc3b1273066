// Devices (wearables, room sensors, buttons, gateways). Registration checks and deletion with a
// tombstone are admin.ts; gateway registrations are gateways.ts.
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db } from './db.js';
import type { DevicesTable } from './schema.js';

type DeviceRow = Selectable<DevicesTable>;

export function createDeviceRepo(db: Db) {
  return {
    async insertDevice(row: Insertable<DevicesTable>) {
      await db.insertInto('devices').values(row).execute();
    },
    async deviceById(id: string): Promise<DeviceRow | undefined> {
      return db.selectFrom('devices').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async allDevices(): Promise<DeviceRow[]> {
      return db.selectFrom('devices').selectAll().execute();
    },
    /**
     * The devices of wearers whose consent is active (the `monitoring` round, health/monitoring.ts), in id order:
     * ids only, by keyset pages of `page`, one page a loop turn (SQLite runs each on the loop; every full device row
     * of 10,000 in one read took 53-129 ms).
     */
    async watchedDeviceIds(page = 2000): Promise<string[]> {
      const out: string[] = [];
      for (let after: string | null = null; ;) {
        if (after !== null) await new Promise<void>((resolve) => setImmediate(resolve));
        let q = db
          .selectFrom('devices')
          .innerJoin('wearers', 'wearers.id', 'devices.wearer_id')
          .select('devices.id')
          .where('wearers.consent', '=', 'active');
        if (after !== null) q = q.where('devices.id', '>', after);
        const rows = await q.orderBy('devices.id').limit(page).execute();
        for (const r of rows) out.push(r.id);
        if (rows.length < page) return out;
        after = rows[rows.length - 1]!.id;
      }
    },
    async updateDevice(id: string, patch: Updateable<DevicesTable>) {
      await db.updateTable('devices').set(patch).where('id', '=', id).execute();
    },
    /** A wearer's devices in id order. */
    async devicesOfWearer(wearerId: string): Promise<DeviceRow[]> {
      return db.selectFrom('devices').selectAll().where('wearer_id', '=', wearerId).orderBy('id').execute();
    },
    /** The core told these devices they are monitored (a `monitoring` command round). */
    async markMonitored(deviceIds: readonly string[], at: number): Promise<void> {
      for (let i = 0; i < deviceIds.length; i += 500) {
        // one batch per event-loop turn: SQLite runs each on the loop (10,000 in one turn: stalls of ~70 ms, bench --only=monitoring)
        if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
        await db
          .updateTable('devices')
          .set({ monitored_at: at })
          .where('id', 'in', deviceIds.slice(i, i + 500))
          .execute();
      }
    },
    /** When any of the wearer's devices was last told it is monitored; null: never. */
    async wearerMonitoredAt(wearerId: string): Promise<number | null> {
      const r = await db
        .selectFrom('devices')
        .select((eb) => eb.fn.max('monitored_at').as('at'))
        .where('wearer_id', '=', wearerId)
        .executeTakeFirst();
      return r?.at === null || r?.at === undefined ? null : Number(r.at);
    },
  };
}

export type DeviceRepo = ReturnType<typeof createDeviceRepo>;
