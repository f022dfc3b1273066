// Queries behind the service console's admin API: wearers, devices and users of one service.
import type { Db } from './db.js';

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
    async deleteWearer(wearerId: string): Promise<string[]> {
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
        // The fake provider's copies of their texts and calls (alert pages, consent links) go too.
        await trx.deleteFrom('fake_outbox').where('wearer_id', '=', wearerId).execute();
        await trx.deleteFrom('fake_calls').where('wearer_id', '=', wearerId).execute();
        await trx.deleteFrom('devices').where('wearer_id', '=', wearerId).execute();
        await trx.deleteFrom('wearer_responders').where('wearer_id', '=', wearerId).execute();
        await trx.deleteFrom('wearers').where('id', '=', wearerId).execute();
        return devices.map((d) => d.id);
      });
    },
    async deleteDevice(deviceId: string) {
      await db.deleteFrom('devices').where('id', '=', deviceId).execute();
    },
  };
}

export type AdminRepos = ReturnType<typeof createAdminRepos>;
