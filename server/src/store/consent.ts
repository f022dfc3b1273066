// Wearer consent in the store: the state on the wearer row, personal link tokens (hashes only), and the
// append-only consent log. A consent change is one conditional UPDATE (compare-and-set on the state it was
// decided from, RETURNING the new row), so two connections (two nodes) deciding at once cannot both win.
import type { Selectable } from 'kysely';
import type { Db } from './db.js';
import type { ConsentEventsTable, ConsentState, WearersTable } from './schema.js';

type WearerRow = Selectable<WearersTable>;
export type ConsentEventRow = Selectable<ConsentEventsTable>;

export interface ConsentChangeRow {
  consent: ConsentState;
  consent_changed_at: number;
  paused_until: number | null;
  /** set only on an opt-in */
  consent_version?: string;
}

export function createConsentRepo(db: Db) {
  return {
    /**
     * Moves the wearer's consent to `to`, only while it is still `from`. Returns the row as stored, or
     * undefined when another writer changed it first (the caller re-reads and decides again).
     */
    async transition(wearerId: string, from: ConsentState, to: ConsentChangeRow): Promise<WearerRow | undefined> {
      return db
        .updateTable('wearers')
        .set({ ...to, pause_reminded: 0 })
        .where('id', '=', wearerId)
        .where('consent', '=', from)
        .returningAll()
        .executeTakeFirst();
    },
    /**
     * Claims the pause reminder of a wearer still paused and not yet reminded; true for exactly one caller.
     * Returns the row as it was claimed, else undefined.
     */
    async claimPauseReminder(wearerId: string): Promise<WearerRow | undefined> {
      return db
        .updateTable('wearers')
        .set({ pause_reminded: 1 })
        .where('id', '=', wearerId)
        .where('consent', '=', 'paused')
        .where('pause_reminded', '=', 0)
        .returningAll()
        .executeTakeFirst();
    },
    /** Wearers on pause and when each pause ends (loaded at start so a restart keeps every pause). */
    async paused(): Promise<{ id: string; paused_until: number | null }[]> {
      const rows = await db.selectFrom('wearers').select(['id', 'paused_until']).where('consent', '=', 'paused').execute();
      return rows.map((r) => ({ id: r.id, paused_until: r.paused_until ?? null }));
    },

    /** Stores a new link token hash; earlier links of the wearer stop working. */
    async replaceLink(wearerId: string, tokenHash: string, now: number): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('consent_tokens').where('wearer_id', '=', wearerId).execute();
        await trx.insertInto('consent_tokens').values({ id: tokenHash, wearer_id: wearerId, created_at: now }).execute();
      });
    },
    async linkByHash(tokenHash: string): Promise<{ wearer_id: string; created_at: number } | undefined> {
      return db.selectFrom('consent_tokens').select(['wearer_id', 'created_at']).where('id', '=', tokenHash).executeTakeFirst();
    },
    /** When the wearer's live link was issued, or null. */
    async linkIssuedAt(wearerId: string): Promise<number | null> {
      const link = await db
        .selectFrom('consent_tokens')
        .select((eb) => eb.fn.max('created_at').as('at'))
        .where('wearer_id', '=', wearerId)
        .executeTakeFirst();
      return link?.at == null ? null : Number(link.at);
    },

    async appendEvent(row: Omit<ConsentEventRow, 'id'>): Promise<void> {
      await db.insertInto('consent_events').values(row).execute();
    },
    /** The consent log of one wearer, oldest first. */
    async events(wearerId: string): Promise<ConsentEventRow[]> {
      return db.selectFrom('consent_events').selectAll().where('wearer_id', '=', wearerId).orderBy('id').execute();
    },
    /** Links and consent log of a deleted wearer. */
    async forgetWearer(wearerId: string): Promise<void> {
      await db.deleteFrom('consent_tokens').where('wearer_id', '=', wearerId).execute();
      await db.deleteFrom('consent_events').where('wearer_id', '=', wearerId).execute();
    },
  };
}

export type ConsentRepo = ReturnType<typeof createConsentRepo>;
