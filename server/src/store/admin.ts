// Queries behind the service console's admin API: wearers, devices and users of one service.
import { sql, type Transaction } from 'kysely';
import type { Db } from './db.js';
import type { DB } from './schema.js';

/**
 * Keeps the ids of the devices about to be deleted with their service (0009_device_registry):
 * the id is the device's MQTT identity, known to gateways and sessions, so no other service may take it.
 */
async function tombstone(trx: Transaction<DB>, where: { id: string } | { wearerId: string }, now: number): Promise<void> {
  const rows = trx.selectFrom('devices').select(['id', 'service_id', sql<number>`cast(${now} as bigint)`.as('deleted_at')]);
  await trx
    .insertInto('device_tombstones')
    .columns(['device_id', 'service_id', 'deleted_at'])
    .expression('id' in where ? rows.where('id', '=', where.id) : rows.where('wearer_id', '=', where.wearerId))
    .onConflict((oc) =>
      oc
        .column('device_id')
        .doUpdateSet((eb) => ({ service_id: eb.ref('excluded.service_id'), deleted_at: eb.ref('excluded.deleted_at') })),
    )
    .execute();
}

export function createAdminRepos(db: Db) {
  return {
    async wearers(serviceId: string) {
      return db.selectFrom('wearers').selectAll().where('service_id', '=', serviceId).orderBy('created_at').orderBy('id').execute();
    },
    async devices(serviceId: string) {
      return db.selectFrom('devices').selectAll().where('service_id', '=', serviceId).orderBy('created_at').orderBy('id').execute();
    },
    async users(serviceId: string) {
      return db.selectFrom('users').selectAll().where('service_id', '=', serviceId).orderBy('created_at').orderBy('id').execute();
    },
    async setResponders(wearerId: string, userIds: readonly string[]) {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('wearer_responders').where('wearer_id', '=', wearerId).execute();
        for (const u of new Set(userIds)) await trx.insertInto('wearer_responders').values({ wearer_id: wearerId, user_id: u }).execute();
      });
    },
    /** Deletes a wearer and everything recorded about them (erasure on request). Returns their device ids. */
    async deleteWearer(wearerId: string, now = Date.now()): Promise<string[]> {
      return db.transaction().execute(async (trx) => {
        const devices = await trx.selectFrom('devices').select('id').where('wearer_id', '=', wearerId).execute();
        const alertIds = (await trx.selectFrom('alerts').select('id').where('wearer_id', '=', wearerId).execute()).map((a) => a.id);
        if (alertIds.length > 0) {
          await trx.deleteFrom('alert_timeline').where('alert_id', 'in', alertIds).execute();
          await trx.deleteFrom('escalation_jobs').where('alert_id', 'in', alertIds).execute();
          const ntf = trx.selectFrom('notifications').select('id').where('alert_id', 'in', alertIds);
          await trx.deleteFrom('notification_attempts').where('notification_id', 'in', ntf).execute();
          await trx.deleteFrom('notifications').where('alert_id', 'in', alertIds).execute();
          await trx.deleteFrom('alert_declines').where('alert_id', 'in', alertIds).execute();
          await trx.deleteFrom('alerts').where('id', 'in', alertIds).execute();
        }
        await tombstone(trx, { wearerId }, now);
        // The fake provider's copies of their texts and calls (alert pages, consent links) go too.
        await trx.deleteFrom('fake_outbox').where('wearer_id', '=', wearerId).execute();
        await trx.deleteFrom('fake_calls').where('wearer_id', '=', wearerId).execute();
        await trx.deleteFrom('devices').where('wearer_id', '=', wearerId).execute();
        await trx.deleteFrom('wearer_responders').where('wearer_id', '=', wearerId).execute();
        // Their consent links and log, and the admin notices about them (raw vitals: VitalsStore.deleteWearer).
        await trx.deleteFrom('consent_tokens').where('wearer_id', '=', wearerId).execute();
        await trx.deleteFrom('consent_events').where('wearer_id', '=', wearerId).execute();
        await trx.deleteFrom('notices').where('wearer_id', '=', wearerId).execute();
        await trx.deleteFrom('detector_snapshots').where('wearer_id', '=', wearerId).execute();
        await trx.deleteFrom('wearers').where('id', '=', wearerId).execute();
        return devices.map((d) => d.id);
      });
    },
    async deleteDevice(deviceId: string, now = Date.now()) {
      await db.transaction().execute(async (trx) => {
        await tombstone(trx, { id: deviceId }, now);
        await trx.deleteFrom('devices').where('id', '=', deviceId).execute();
      });
    },
    /**
     * Which of these ids this service may not register: ids of live devices of any service, and ids
     * deleted from another service. (A service may re-register the ids it deleted itself.)
     */
    async unavailableDeviceIds(ids: readonly string[], serviceId: string): Promise<string[]> {
      if (ids.length === 0) return [];
      const live = await db.selectFrom('devices').select('id').where('id', 'in', ids).execute();
      const kept = await db
        .selectFrom('device_tombstones')
        .select('device_id as id')
        .where('device_id', 'in', ids)
        .where('service_id', '!=', serviceId)
        .execute();
      return [...new Set([...live, ...kept].map((r) => r.id))];
    },
  };
}

export type AdminRepos = ReturnType<typeof createAdminRepos>;
