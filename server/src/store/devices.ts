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
    async updateDevice(id: string, patch: Updateable<DevicesTable>) {
      await db.updateTable('devices').set(patch).where('id', '=', id).execute();
    },
    /** A wearer's devices in id order. */
    async devicesOfWearer(wearerId: string): Promise<DeviceRow[]> {
      return db.selectFrom('devices').selectAll().where('wearer_id', '=', wearerId).orderBy('id').execute();
    },
  };
}

export type DeviceRepo = ReturnType<typeof createDeviceRepo>;
