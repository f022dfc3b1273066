// The alerts repository: alerts, their append-only timeline, and who sees them. Every state change is
// one statement (or one transaction) fenced on the state and, where it matters, the escalation token,
// so two writers (two acks, a timeout and an arrival) cannot both win, on one connection or several. What the
// core decides (raise, check-in, escalate, cancel, its timers) passes a `CoreWrite`: the lease fence is checked
// in the same transaction (lease.ts `fenced`), so a node whose epoch is stale stores nothing (FencedWriteError).
import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import { createEscalationRepo, type JobRow, type NewJob } from './escalation-repo.js';
import { assertFence, fenced, type CoreWrite } from './lease.js';
import { OPEN_ALERT_STATES, type AlertState, type AlertsTable, type DB } from './schema.js';

export type AlertRow = Selectable<AlertsTable>;

export interface TimelineEntry {
  id: number;
  at: number;
  type: string;
  data: Record<string, unknown>;
}

export interface BeginEscalation {
  /** the alert must be in one of these (it ends in `escalating`) */
  from: readonly AlertState[];
  /** and, when given, still hold this token (an arrival or resolve since the caller looked wins) */
  expectToken?: number;
  /** clear the attending responder or contact and the acknowledgement time */
  clearAttending?: boolean;
  now: number;
  /** the job of chain position 0 under the new token */
  job: (token: number) => JobRow;
  /** a core write (detection, the core's timers): refused unless this node's epoch holds the core lease */
  core?: CoreWrite;
}

/** Moves an alert's escalation token on (fencing every step and page of the old one); the new token, or null without the alert. */
async function nextToken(trx: Kysely<DB>, alertId: string): Promise<number | null> {
  const row = await trx
    .updateTable('alerts')
    .set((eb) => ({ escalation_token: eb('escalation_token', '+', 1) }))
    .where('id', '=', alertId)
    .returning('escalation_token')
    .executeTakeFirst();
  return row ? row.escalation_token : null;
}

/** The database (fenced operations open their own transaction). */
export function createAlertStore(db: Kysely<DB>) {
  return {
    async insertAlert(row: Insertable<AlertsTable>) {
      await db.insertInto('alerts').values(row).execute();
    },
    /**
     * A new open alert, unless the wearer has one already: the partial unique index "one open alert
     * per wearer" (0013) refuses the second, on any connection. False when refused (nothing stored).
     */
    async insertOpenAlert(row: Insertable<AlertsTable>, core?: CoreWrite): Promise<boolean> {
      return fenced(db, core, 'alert_insert', async (db) => {
        const res = await db
          .insertInto('alerts')
          .values(row)
          .onConflict((oc) => oc.doNothing())
          .executeTakeFirst();
        return Number(res.numInsertedOrUpdatedRows ?? 0) === 1;
      });
    },
    async alertById(id: string) {
      return db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async openAlertForWearer(wearerId: string) {
      return db
        .selectFrom('alerts')
        .selectAll()
        .where('wearer_id', '=', wearerId)
        .where('state', 'in', [...OPEN_ALERT_STATES])
        .orderBy('created_at', 'desc')
        .executeTakeFirst();
    },
    async openAlerts() {
      return db
        .selectFrom('alerts')
        .selectAll()
        .where('state', 'in', [...OPEN_ALERT_STATES])
        .execute();
    },
    async alertsForWearers(wearerIds: readonly string[], limit = 200) {
      if (wearerIds.length === 0) return [];
      return db
        .selectFrom('alerts')
        .selectAll()
        .where('wearer_id', 'in', [...wearerIds])
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
    },
    async alertsForService(serviceId: string, limit = 200) {
      return db
        .selectFrom('alerts')
        .selectAll()
        .where('service_id', '=', serviceId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
    },
    /**
     * Compare-and-set update: applies only while the alert is in one of `from`.
     * Returns true when this caller won (so concurrent acks cannot both become attending). With `core` (a
     * transition the core decides: raise, check-in, escalate, cancel) FencedWriteError when its epoch is stale.
     */
    async transitionAlert(id: string, from: readonly AlertState[], patch: Updateable<AlertsTable>, core?: CoreWrite): Promise<boolean> {
      return fenced(db, core, 'alert_transition', async (db) => {
        const res = await db
          .updateTable('alerts')
          .set(patch)
          .where('id', '=', id)
          .where('state', 'in', [...from])
          .executeTakeFirst();
        return Number(res.numUpdatedRows) === 1;
      });
    },
    async updateAlert(id: string, patch: Updateable<AlertsTable>, core?: CoreWrite) {
      await fenced(db, core, 'alert_update', (db) => db.updateTable('alerts').set(patch).where('id', '=', id).execute());
    },

    async appendTimeline(alertId: string, at: number, type: string, data: Record<string, unknown> = {}, core?: CoreWrite) {
      await fenced(db, core, 'timeline', (db) =>
        db
          .insertInto('alert_timeline')
          .values({ alert_id: alertId, at, type, data: JSON.stringify(data) })
          .execute(),
      );
    },
    async timeline(alertId: string): Promise<TimelineEntry[]> {
      const rows = await db.selectFrom('alert_timeline').selectAll().where('alert_id', '=', alertId).orderBy('id').execute();
      return rows.map((r) => ({ id: r.id, at: r.at, type: r.type, data: JSON.parse(r.data) as Record<string, unknown> }));
    },

    // ---- fenced transitions: one statement or one transaction each, the expected state and token in the WHERE

    /**
     * Begin (or begin again) the chain, atomically: the alert moves from `from` to escalating with the
     * next token (state and token checked in the UPDATE itself, RETURNING the new token), every pending
     * job and unsent page is cancelled, and the job of position 0 is stored. Null when the alert was not
     * in `from` or no longer held `expectToken`; `inserted` is false when that job existed already.
     */
    async beginEscalation(alertId: string, o: BeginEscalation): Promise<{ token: number; job: JobRow; inserted: boolean } | null> {
      return db.transaction().execute(async (trx) => {
        if (o.core) await assertFence(trx, o.core.fence, o.core.now, 'escalation_begin');
        let q = trx
          .updateTable('alerts')
          .set((eb) => ({
            escalation_token: eb('escalation_token', '+', 1),
            state: 'escalating' as const,
            updated_at: o.now,
            ...(o.clearAttending ? { attending_responder_id: null, attending_contact: null, acknowledged_at: null } : {}),
          }))
          .where('id', '=', alertId)
          .where('state', 'in', [...o.from]);
        if (o.expectToken !== undefined) q = q.where('escalation_token', '=', o.expectToken);
        const row = await q.returning('escalation_token').executeTakeFirst();
        if (!row) return null;
        const e = createEscalationRepo(trx);
        await e.cancelJobs(alertId);
        await e.cancelQueuedPages(alertId, o.now);
        const job = o.job(row.escalation_token);
        const res = await trx
          .insertInto('escalation_jobs')
          .values(job)
          .onConflict((oc) => oc.column('id').doNothing())
          .executeTakeFirst();
        return { token: row.escalation_token, job, inserted: Number(res.numInsertedOrUpdatedRows ?? 0) === 1 };
      });
    },
    /** Resolved or cancelled: the token moves on, so every pending step and unsent page is fenced (and cancelled). */
    async stopEscalation(alertId: string, now: number, core?: CoreWrite): Promise<void> {
      await db.transaction().execute(async (trx) => {
        if (core) await assertFence(trx, core.fence, core.now, 'escalation_stop');
        await nextToken(trx, alertId);
        const e = createEscalationRepo(trx);
        await e.cancelJobs(alertId);
        await e.cancelQueuedPages(alertId, now);
      });
    },
    /**
     * Acknowledged: the chain is fenced (next token, pending jobs and unsent pages cancelled) and the
     * arrival timer stored under the new token, in one transaction. The new token, or null without the alert.
     */
    async awaitArrival(alertId: string, now: number, timer: (token: number) => NewJob): Promise<number | null> {
      return db.transaction().execute(async (trx) => {
        const token = await nextToken(trx, alertId);
        if (token === null) return null;
        const e = createEscalationRepo(trx);
        await e.cancelJobs(alertId);
        await e.cancelQueuedPages(alertId, now);
        await e.insertJob(timer(token));
        return token;
      });
    },
    /** Someone is with the wearer: the arrival timer is fenced and cancelled. */
    async stopArrivalTimer(alertId: string): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await nextToken(trx, alertId);
        await createEscalationRepo(trx).cancelJobs(alertId, ['ack_timeout']);
      });
    },
    /** The first arrival of an acknowledged alert: true for exactly one caller. */
    async markArrived(alertId: string, now: number): Promise<boolean> {
      const res = await db
        .updateTable('alerts')
        .set({ arrived_at: now, updated_at: now })
        .where('id', '=', alertId)
        .where('state', '=', 'acknowledged')
        .where('arrived_at', 'is', null)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },
    /** The outcome of an alert resolved without one: set once. */
    async setOutcomeOnce(alertId: string, outcome: string, now: number): Promise<boolean> {
      const res = await db
        .updateTable('alerts')
        .set({ outcome, updated_at: now })
        .where('id', '=', alertId)
        .where('state', '=', 'resolved')
        .where('outcome', 'is', null)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },
  };
}

export type AlertStore = ReturnType<typeof createAlertStore>;
