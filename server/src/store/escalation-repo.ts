// Escalation queries: leased jobs, the durable notification (send) queue with its attempts, and
// responder groups. Every state change is a compare-and-set, so a stale runner changes nothing; the core's
// claims and inserts carry the lease fence (lease.ts `fenced`), so a stale core changes nothing either.
import { PostgresAdapter, type ExpressionBuilder, type Insertable, type Kysely, type Selectable, type Updateable } from 'kysely';
import { assertFence, fenced, type CoreWrite, type Fence } from './lease.js';
import type {
  DB,
  EscalationJobsTable,
  FakeCallsTable,
  JobKind,
  NotificationAttemptsTable,
  NotificationState,
  NotificationsTable,
  ResponderGroupsTable,
} from './schema.js';

export type JobRow = Selectable<EscalationJobsTable>;
export type NotificationRow = Selectable<NotificationsTable>;
export type GroupRow = Selectable<ResponderGroupsTable>;

export interface NewJob {
  id: string;
  alert_id: string;
  kind: JobKind;
  step_index: number;
  due_at: number;
  token: number;
  created_at: number;
}

export type NewNotification = Omit<Insertable<NotificationsTable>, 'state' | 'attempts' | 'lease_until'> & {
  state: 'queued' | 'sent' | 'failed';
};

/** Accepts the database or a transaction (both are Kysely<DB>). */
export function createEscalationRepo(db: Kysely<DB>) {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  return {
    db,

    // ---- jobs ---------------------------------------------------------------------------

    /** Inserts a job; ids are deterministic per (alert, token, kind, position), so a re-run adds nothing. */
    async insertJob(job: NewJob, core?: CoreWrite): Promise<boolean> {
      return fenced(db, core, 'job_insert', async (db) => {
        const res = await db
          .insertInto('escalation_jobs')
          .values({ ...job, state: 'pending' })
          .onConflict((oc) => oc.column('id').doNothing())
          .executeTakeFirst();
        return Number(res.numInsertedOrUpdatedRows ?? 0) === 1;
      });
    },
    async jobById(id: string) {
      return db.selectFrom('escalation_jobs').selectAll().where('id', '=', id).executeTakeFirst();
    },
    /** Pending jobs that are due, and running jobs whose lease ran out (their runner died or hung). */
    async dueJobs(now: number, limit = 200): Promise<JobRow[]> {
      return db
        .selectFrom('escalation_jobs')
        .selectAll()
        .where((eb) =>
          eb.or([
            eb.and([eb('state', '=', 'pending'), eb('due_at', '<=', now)]),
            eb.and([eb('state', '=', 'running'), eb('lease_until', '<=', now)]),
          ]),
        )
        .orderBy('due_at')
        .orderBy('id')
        .limit(limit)
        .execute();
    },
    async nextJobDue(): Promise<number | null> {
      const row = await db
        .selectFrom('escalation_jobs')
        .select((eb) => eb.fn.min('due_at').as('due'))
        .where('state', '=', 'pending')
        .executeTakeFirst();
      return row?.due == null ? null : Number(row.due);
    },
    /**
     * Claims a job for one run: pending -> running with a lease, or takes over a running job whose
     * lease expired. The job stays 'running' until finishJob, so a crash mid-run loses nothing. With a fence
     * (issue 14) a node whose lease epoch is stale claims nothing: FencedWriteError.
     */
    async claimJob(job: JobRow, now: number, leaseMs: number, fence?: Fence): Promise<JobRow | undefined> {
      return fenced(db, fence && { fence, now }, 'job_claim', async (db) => {
        const res = await db
          .updateTable('escalation_jobs')
          .set({ state: 'running', claimed_at: now, lease_until: now + leaseMs, attempts: job.attempts + 1 })
          .where('id', '=', job.id)
          .where('attempts', '=', job.attempts)
          .where((eb) => eb.or([eb('state', '=', 'pending'), eb.and([eb('state', '=', 'running'), eb('lease_until', '<=', now)])]))
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) return undefined;
        return { ...job, state: 'running' as const, claimed_at: now, lease_until: now + leaseMs, attempts: job.attempts + 1 };
      });
    },
    /**
     * Claims up to `limit` due jobs (as dueJobs selects them) in one statement, earliest first. On PostgreSQL the
     * rows are picked `FOR UPDATE SKIP LOCKED`, so concurrent claimers never take the same job and never wait for
     * each other; on SQLite (one writer) plainly. With a fence, a node whose lease epoch is stale claims nothing
     * (FencedWriteError).
     */
    async claimDueJobs(now: number, leaseMs: number, limit: number, fence?: Fence): Promise<JobRow[]> {
      const due = (eb: ExpressionBuilder<DB, 'escalation_jobs'>) =>
        eb.or([
          eb.and([eb('state', '=', 'pending'), eb('due_at', '<=', now)]),
          eb.and([eb('state', '=', 'running'), eb('lease_until', '<=', now)]),
        ]);
      // The pick is a CTE: PostgreSQL runs a locking CTE once (an IN subquery may be re-run per row, past its LIMIT).
      const rows = await fenced(db, fence && { fence, now }, 'job_claim', (db) =>
        db
          .with('picked', (qb) => {
            const pick = qb.selectFrom('escalation_jobs').select('id').where(due).orderBy('due_at').orderBy('id').limit(limit);
            return postgres ? pick.forUpdate().skipLocked() : pick;
          })
          .updateTable('escalation_jobs')
          .set((eb) => ({ state: 'running', claimed_at: now, lease_until: now + leaseMs, attempts: eb(eb.ref('attempts'), '+', 1) }))
          .where('id', 'in', (eb) => eb.selectFrom('picked').select('picked.id'))
          .where(due)
          .returningAll()
          .execute(),
      );
      return rows.sort((a, b) => a.due_at - b.due_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    },
    /** Ends a run; only the claim that is still current may (a taken-over run's finish is a no-op). */
    async finishJob(job: JobRow, now: number, state: 'done' | 'cancelled'): Promise<boolean> {
      const res = await db
        .updateTable('escalation_jobs')
        .set({ state, finished_at: now, lease_until: null })
        .where('id', '=', job.id)
        .where('state', '=', 'running')
        .where('attempts', '=', job.attempts)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },
    async cancelJobs(alertId: string, kinds?: readonly JobKind[]) {
      let q = db.updateTable('escalation_jobs').set({ state: 'cancelled' }).where('alert_id', '=', alertId).where('state', '=', 'pending');
      if (kinds) q = q.where('kind', 'in', [...kinds]);
      await q.execute();
    },
    /** A failed step moves the next one to now (never later than it was). */
    async pullJobForward(id: string, now: number): Promise<boolean> {
      const res = await db
        .updateTable('escalation_jobs')
        .set({ due_at: now })
        .where('id', '=', id)
        .where('state', '=', 'pending')
        .where('due_at', '>', now)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },
    async liveJobs(alertIds: readonly string[]): Promise<JobRow[]> {
      if (alertIds.length === 0) return [];
      return db
        .selectFrom('escalation_jobs')
        .selectAll()
        .where('alert_id', 'in', [...alertIds])
        .where('state', 'in', ['pending', 'running'])
        .execute();
    },
    async jobsForAlert(alertId: string): Promise<JobRow[]> {
      return db.selectFrom('escalation_jobs').selectAll().where('alert_id', '=', alertId).orderBy('created_at').orderBy('id').execute();
    },
    /** Every job of these alerts, any state and token (the escalation clock on alerts reads them). */
    async jobsForAlerts(alertIds: readonly string[]): Promise<JobRow[]> {
      if (alertIds.length === 0) return [];
      return db
        .selectFrom('escalation_jobs')
        .selectAll()
        .where('alert_id', 'in', [...alertIds])
        .orderBy('created_at')
        .orderBy('id')
        .execute();
    },
    /**
     * Start-up, or becoming the core: every 'running' job belonged to a process that died or to the core before
     * this one (whose epoch can no longer write).
     */
    async releaseRunningJobs(core?: CoreWrite): Promise<number> {
      return fenced(db, core, 'jobs_release', async (db) => {
        const res = await db
          .updateTable('escalation_jobs')
          .set({ state: 'pending', lease_until: null })
          .where('state', '=', 'running')
          .executeTakeFirst();
        return Number(res.numUpdatedRows);
      });
    },

    // ---- notifications: the durable send queue -------------------------------------------

    /** Stores the idempotency key (and the message) before any provider call; false if it exists. */
    async insertNotification(row: NewNotification, core?: CoreWrite): Promise<boolean> {
      return fenced(db, core, 'notification_insert', async (db) => {
        const res = await db
          .insertInto('notifications')
          .values({ ...row, attempts: 0 })
          .onConflict((oc) => oc.column('idempotency_key').doNothing())
          .executeTakeFirst();
        return Number(res.numInsertedOrUpdatedRows ?? 0) === 1;
      });
    },
    /** A step's pages, all or none (a crash mid-step re-runs it and the keys deduplicate); with `core`, fenced. */
    async insertNotifications(rows: readonly NewNotification[], core?: CoreWrite): Promise<void> {
      if (rows.length === 0) return;
      await db.transaction().execute(async (trx) => {
        if (core) await assertFence(trx, core.fence, core.now, 'notification_insert');
        for (const r of rows)
          await trx
            .insertInto('notifications')
            .values({ ...r, attempts: 0 })
            .onConflict((oc) => oc.column('idempotency_key').doNothing())
            .execute();
      });
    },
    /** The user's app saw the alert's pages under `token`: marked seen once; the steps newly seen. */
    async markAppPagesSeen(alertId: string, userId: string, token: number, now: number): Promise<number[]> {
      const rows = await db
        .updateTable('notifications')
        .set({ status: 'seen', updated_at: now })
        .where('alert_id', '=', alertId)
        .where('user_id', '=', userId)
        .where('channel', '=', 'app')
        .where('kind', '=', 'page')
        .where('token', '=', token)
        .where('status', '!=', 'seen')
        .returning('step_index')
        .execute();
      return rows.map((r) => r.step_index);
    },
    async notificationById(id: string) {
      return db.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async notificationByKey(key: string) {
      return db.selectFrom('notifications').selectAll().where('idempotency_key', '=', key).executeTakeFirst();
    },
    /** Ready to send now: queued, or waiting for a retry that is due. Highest priority first. */
    async readyNotifications(now: number, limit: number, channel?: string): Promise<NotificationRow[]> {
      let q = db.selectFrom('notifications').selectAll();
      if (channel !== undefined) q = q.where('channel', '=', channel);
      return q
        .where((eb) => eb.or([eb('state', '=', 'queued'), eb.and([eb('state', '=', 'retry'), eb('next_attempt_at', '<=', now)])]))
        .orderBy('priority')
        .orderBy('created_at')
        .orderBy('id')
        .limit(limit)
        .execute();
    },
    async nextRetryDue(): Promise<number | null> {
      const row = await db
        .selectFrom('notifications')
        .select((eb) => eb.fn.min('next_attempt_at').as('due'))
        .where('state', '=', 'retry')
        .executeTakeFirst();
      return row?.due == null ? null : Number(row.due);
    },
    /**
     * queued/retry -> sending, with a lease; false when another sender took it first. With a fence (the core's
     * dispatcher, issue 14) FencedWriteError when this node's epoch no longer holds the core lease.
     */
    async claimNotification(n: NotificationRow, now: number, leaseUntil: number, fence?: Fence): Promise<boolean> {
      return fenced(db, fence && { fence, now }, 'notification_claim', async (db) => {
        const res = await db
          .updateTable('notifications')
          .set({ state: 'sending', attempts: n.attempts + 1, lease_until: leaseUntil, updated_at: now })
          .where('id', '=', n.id)
          .where('attempts', '=', n.attempts)
          .where('state', 'in', ['queued', 'retry'])
          .executeTakeFirst();
        return Number(res.numUpdatedRows) === 1;
      });
    },
    /** Records the outcome of attempt `attempt`, only if it is still the current one. */
    async finishNotification(
      id: string,
      attempt: number,
      from: NotificationState,
      patch: Updateable<NotificationsTable>,
    ): Promise<boolean> {
      const res = await db
        .updateTable('notifications')
        .set(patch)
        .where('id', '=', id)
        .where('attempts', '=', attempt)
        .where('state', '=', from)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },
    async notificationsForStep(alertId: string, token: number, stepIndex: number): Promise<NotificationRow[]> {
      return db
        .selectFrom('notifications')
        .selectAll()
        .where('alert_id', '=', alertId)
        .where('token', '=', token)
        .where('step_index', '=', stepIndex)
        .where('kind', '=', 'page')
        .execute();
    },
    async notificationsForAlert(alertId: string): Promise<NotificationRow[]> {
      return db.selectFrom('notifications').selectAll().where('alert_id', '=', alertId).orderBy('created_at').orderBy('id').execute();
    },
    /** Pages not yet sent are dropped when the alert is acknowledged, resolved or re-started. */
    async cancelQueuedPages(alertId: string, now: number): Promise<number> {
      const res = await db
        .updateTable('notifications')
        .set({ state: 'cancelled', updated_at: now })
        .where('alert_id', '=', alertId)
        .where('kind', '=', 'page')
        .where('state', 'in', ['queued', 'retry'])
        .executeTakeFirst();
      return Number(res.numUpdatedRows);
    },
    /** Sends whose process died or hung mid-call (lease expired; at start-up: all of them). */
    async stuckSending(now: number | null): Promise<NotificationRow[]> {
      let q = db.selectFrom('notifications').selectAll().where('state', '=', 'sending');
      if (now !== null) q = q.where('lease_until', '<=', now);
      return q.execute();
    },
    async insertAttempt(row: Insertable<NotificationAttemptsTable>) {
      await db.insertInto('notification_attempts').values(row).execute();
    },
    async attemptByProviderId(providerId: string) {
      return db
        .selectFrom('notification_attempts')
        .selectAll()
        .where('provider_id', '=', providerId)
        .orderBy('id', 'desc')
        .executeTakeFirst();
    },
    async attemptsFor(notificationId: string) {
      return db.selectFrom('notification_attempts').selectAll().where('notification_id', '=', notificationId).orderBy('id').execute();
    },
    /** Alerts this phone number was paged for, newest first (SMS replies find their alert by it). */
    async alertIdsPagedToAddress(addr: string): Promise<string[]> {
      const rows = await db
        .selectFrom('notifications')
        .select(['alert_id'])
        .where('to_addr', '=', addr)
        .where('kind', '=', 'page')
        .groupBy('alert_id')
        .orderBy((eb) => eb.fn.max('created_at'), 'desc')
        .execute();
      return rows.map((r) => r.alert_id);
    },
    async alertIdsPagedToUser(userId: string): Promise<string[]> {
      const rows = await db
        .selectFrom('notifications')
        .select('alert_id')
        .distinct()
        .where('user_id', '=', userId)
        .where('kind', '=', 'page')
        .execute();
      return rows.map((r) => r.alert_id);
    },
    async wasPaged(alertId: string, userId: string): Promise<boolean> {
      const row = await db
        .selectFrom('notifications')
        .select('id')
        .where('alert_id', '=', alertId)
        .where('user_id', '=', userId)
        .where('kind', '=', 'page')
        .executeTakeFirst();
      return row !== undefined;
    },

    /** Who this number was paged for, per alert (a number may belong to several users), newest first. */
    async pageRecipientsForAddress(addr: string): Promise<{ alert_id: string; user_id: string | null; target: string; last: number }[]> {
      const rows = await db
        .selectFrom('notifications')
        .select((eb) => ['alert_id', 'user_id', 'target', eb.fn.max('created_at').as('last')])
        .where('to_addr', '=', addr)
        .where('kind', '=', 'page')
        .groupBy(['alert_id', 'user_id', 'target'])
        .orderBy((eb) => eb.fn.max('created_at'), 'desc')
        .execute();
      return rows.map((r) => ({ alert_id: r.alert_id, user_id: r.user_id, target: r.target, last: Number(r.last) }));
    },

    // ---- "I can't go" -------------------------------------------------------------------

    /** Records that a target cannot go; false when it had said so already. */
    async insertDecline(row: { alert_id: string; target: string; user_id: string | null; at: number }): Promise<boolean> {
      const res = await db
        .insertInto('alert_declines')
        .values(row)
        .onConflict((oc) => oc.columns(['alert_id', 'target']).doNothing())
        .executeTakeFirst();
      return Number(res.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    async declinedTargets(alertId: string): Promise<Set<string>> {
      const rows = await db.selectFrom('alert_declines').select('target').where('alert_id', '=', alertId).execute();
      return new Set(rows.map((r) => r.target));
    },

    // ---- confirmation of external chain numbers ---------------------------------------------

    /** Asks a number to confirm for a service; false when it was asked (or confirmed) before. */
    async requestVerification(row: {
      service_id: string;
      phone: string;
      label: string;
      code: string;
      requested_at: number;
    }): Promise<boolean> {
      const res = await db
        .insertInto('phone_verifications')
        .values({ ...row, state: 'pending', verified_at: null })
        .onConflict((oc) => oc.columns(['service_id', 'phone']).doNothing())
        .executeTakeFirst();
      return Number(res.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    async verifiedPhones(serviceId: string, phones: readonly string[]): Promise<Set<string>> {
      if (phones.length === 0) return new Set();
      const rows = await db
        .selectFrom('phone_verifications')
        .select('phone')
        .where('service_id', '=', serviceId)
        .where('phone', 'in', [...phones])
        .where('state', '=', 'verified')
        .execute();
      return new Set(rows.map((r) => r.phone));
    },
    async pendingVerifications(phone: string) {
      return db.selectFrom('phone_verifications').selectAll().where('phone', '=', phone).where('state', '=', 'pending').execute();
    },
    async markVerified(serviceId: string, phone: string, now: number): Promise<boolean> {
      const res = await db
        .updateTable('phone_verifications')
        .set({ state: 'verified', verified_at: now })
        .where('service_id', '=', serviceId)
        .where('phone', '=', phone)
        .where('state', '=', 'pending')
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },

    // ---- numbered choices asked by SMS ----------------------------------------------------

    async setChoice(addr: string, action: string, options: unknown[], expiresAt: number) {
      await db
        .insertInto('sms_choices')
        .values({ addr, action, options: JSON.stringify(options), expires_at: expiresAt })
        .onConflict((oc) => oc.column('addr').doUpdateSet({ action, options: JSON.stringify(options), expires_at: expiresAt }))
        .execute();
    },
    /** The open question to this number, if any (it is answered once: taking it deletes it). */
    async takeChoice(addr: string, now: number): Promise<{ action: string; options: unknown[] } | null> {
      const row = await db.selectFrom('sms_choices').selectAll().where('addr', '=', addr).executeTakeFirst();
      if (!row) return null;
      await db.deleteFrom('sms_choices').where('addr', '=', addr).execute();
      if (row.expires_at <= now) return null;
      return { action: row.action, options: JSON.parse(row.options) as unknown[] };
    },
    async hasChoice(addr: string, now: number): Promise<boolean> {
      const row = await db.selectFrom('sms_choices').select('expires_at').where('addr', '=', addr).executeTakeFirst();
      return row !== undefined && row.expires_at > now;
    },

    // ---- responder groups ---------------------------------------------------------------

    async insertGroup(row: Insertable<ResponderGroupsTable>, memberIds: readonly string[]) {
      await db.insertInto('responder_groups').values(row).execute();
      await this.setGroupMembers(row.id, memberIds);
    },
    async setGroupMembers(groupId: string, memberIds: readonly string[]) {
      await db.deleteFrom('responder_group_members').where('group_id', '=', groupId).execute();
      for (const userId of new Set(memberIds))
        await db.insertInto('responder_group_members').values({ group_id: groupId, user_id: userId }).execute();
    },
    async updateGroup(id: string, patch: Updateable<ResponderGroupsTable>) {
      await db.updateTable('responder_groups').set(patch).where('id', '=', id).execute();
    },
    async deleteGroup(id: string) {
      // its rota (0020_rotas) goes with it
      await db.deleteFrom('rota_shifts').where('group_id', '=', id).execute();
      await db.deleteFrom('rota_overrides').where('group_id', '=', id).execute();
      await db.deleteFrom('responder_group_members').where('group_id', '=', id).execute();
      await db.deleteFrom('responder_groups').where('id', '=', id).execute();
    },
    async groupById(id: string) {
      return db.selectFrom('responder_groups').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async groupsForService(serviceId: string) {
      return db.selectFrom('responder_groups').selectAll().where('service_id', '=', serviceId).orderBy('name').orderBy('id').execute();
    },
    async groupMembers(groupIds: readonly string[]): Promise<Map<string, string[]>> {
      const out = new Map<string, string[]>(groupIds.map((g) => [g, []]));
      if (groupIds.length === 0) return out;
      const rows = await db
        .selectFrom('responder_group_members')
        .selectAll()
        .where('group_id', 'in', [...groupIds])
        .orderBy('user_id')
        .execute();
      for (const r of rows) out.get(r.group_id)?.push(r.user_id);
      return out;
    },

    // ---- chains -------------------------------------------------------------------------

    async chainsForService(serviceId: string) {
      return db.selectFrom('chains').selectAll().where('service_id', '=', serviceId).orderBy('name').orderBy('id').execute();
    },
    async updateChain(id: string, patch: { name?: string; definition?: string; updated_at: number }) {
      await db.updateTable('chains').set(patch).where('id', '=', id).execute();
    },
    async deleteChain(id: string) {
      await db.deleteFrom('chains').where('id', '=', id).execute();
    },
    async wearersUsingChain(chainId: string): Promise<string[]> {
      const rows = await db.selectFrom('wearers').select('id').where('chain_id', '=', chainId).execute();
      return rows.map((r) => r.id);
    },
    async setWearerChain(wearerId: string, chainId: string | null) {
      await db.updateTable('wearers').set({ chain_id: chainId }).where('id', '=', wearerId).execute();
    },

    // ---- fake voice outbox --------------------------------------------------------------

    async insertFakeCall(row: Insertable<FakeCallsTable>) {
      await db.insertInto('fake_calls').values(row).execute();
    },
    async listFakeCalls() {
      return db.selectFrom('fake_calls').selectAll().orderBy('at').orderBy('sid').execute();
    },
  };
}

export type EscalationRepo = ReturnType<typeof createEscalationRepo>;
