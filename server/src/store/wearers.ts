// Wearers (the people monitored) and who responds for them. Consent columns change only through
// consent.ts; deletion with everything recorded about the person is admin.ts `deleteWearer`.
import type { Insertable, Selectable } from 'kysely';
import type { Db } from './db.js';
import type { ConsentState, WearersTable } from './schema.js';

type WearerRow = Selectable<WearersTable>;
/** What the admin API may change on a wearer (consent only as the admin's direct setting). */
export type WearerPatch = Partial<
  Pick<
    WearersTable,
    | 'alias'
    | 'address'
    | 'access_notes'
    | 'phone'
    | 'emergency_contact_phone'
    | 'chain_id'
    | 'consent'
    | 'thresholds'
    | 'latitude'
    | 'longitude'
  >
>;

export function createWearerRepo(db: Db) {
  return {
    async insertWearer(row: Insertable<WearersTable>) {
      await db.insertInto('wearers').values(row).execute();
    },
    async wearerById(id: string): Promise<WearerRow | undefined> {
      return db.selectFrom('wearers').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async updateWearer(id: string, patch: WearerPatch): Promise<void> {
      if (Object.keys(patch).length === 0) return;
      await db.updateTable('wearers').set(patch).where('id', '=', id).execute();
    },
    /** The first-registered wearer with this phone (an SMS from it is theirs). */
    async wearerByPhone(phone: string): Promise<WearerRow | undefined> {
      return db.selectFrom('wearers').selectAll().where('phone', '=', phone).orderBy('created_at').executeTakeFirst();
    },
    /** A service's wearers by alias (the readiness board; at most `limit`). */
    async wearersByAlias(serviceId: string, limit = 1000): Promise<WearerRow[]> {
      return db.selectFrom('wearers').selectAll().where('service_id', '=', serviceId).orderBy('alias').limit(limit).execute();
    },
    /** Which of these ids are wearers of the service. */
    async idsInService(ids: readonly string[], serviceId: string): Promise<string[]> {
      if (ids.length === 0) return [];
      const rows = await db
        .selectFrom('wearers')
        .select('id')
        .where('id', 'in', [...ids])
        .where('service_id', '=', serviceId)
        .execute();
      return rows.map((r) => r.id);
    },
    /** Every wearer's consent state (the ingest directory's start-up load). */
    async consentStates(): Promise<{ id: string; consent: ConsentState }[]> {
      return db.selectFrom('wearers').select(['id', 'consent']).execute();
    },
    /** Every wearer's stored detection thresholds (the engine's start-up load). */
    async allThresholds(): Promise<{ id: string; thresholds: string | null }[]> {
      return db.selectFrom('wearers').select(['id', 'thresholds']).execute();
    },

    async assignResponder(wearerId: string, userId: string) {
      await db.insertInto('wearer_responders').values({ wearer_id: wearerId, user_id: userId }).execute();
    },
    async wearerIdsForResponder(userId: string): Promise<string[]> {
      const rows = await db.selectFrom('wearer_responders').select('wearer_id').where('user_id', '=', userId).execute();
      return rows.map((r) => r.wearer_id);
    },
    async responderIdsForWearer(wearerId: string): Promise<string[]> {
      const rows = await db.selectFrom('wearer_responders').select('user_id').where('wearer_id', '=', wearerId).execute();
      return rows.map((r) => r.user_id);
    },
  };
}

export type WearerRepo = ReturnType<typeof createWearerRepo>;
