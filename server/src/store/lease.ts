// The core lease (issue 14, migration 0019): one row saying which node runs the core, with a fencing epoch and an
// expiry. Acquire and renew are one compare-and-set statement on the caller's clock (the injected clock: nodes
// keep their clocks in step with NTP, and the lease is seconds long). The epoch is bumped whenever the lease is
// taken by a node that did not hold it in this term, so a node that lost it can never write with it again:
// core writes pass a `Fence` and the statement checks it against this row (`fenceHolds`).
import type { ExpressionBuilder, Kysely } from 'kysely';
import type { DB } from './schema.js';

/** Who may write as the core: the node id and the epoch it acquired the lease with. */
export interface Fence {
  nodeId: string;
  epoch: number;
}

export interface LeaseRow {
  holder: string | null;
  epoch: number;
  acquiredAt: number;
  renewedAt: number;
  expiresAt: number;
}

export interface LeaseResult extends LeaseRow {
  /** this node holds the lease now (renewed, or acquired with a new epoch) */
  held: boolean;
}

const LEASE_ID = 1;

/**
 * A condition for a core write: the lease row names this node with this epoch and has not run out at `now`.
 * Used inside the store's fenced statements (escalation job claims), so a stale node's write matches no row.
 */
export function fenceHolds(eb: ExpressionBuilder<DB, 'escalation_jobs'>, fence: Fence, now: number) {
  return eb.exists(
    eb
      .selectFrom('core_lease')
      .select('core_lease.id')
      .where('core_lease.id', '=', LEASE_ID)
      .where('core_lease.holder', '=', fence.nodeId)
      .where('core_lease.epoch', '=', fence.epoch)
      .where('core_lease.expires_at', '>', now),
  );
}

function toRow(r: { holder: string | null; epoch: number; acquired_at: number; renewed_at: number; expires_at: number }): LeaseRow {
  return {
    holder: r.holder,
    epoch: Number(r.epoch),
    acquiredAt: Number(r.acquired_at),
    renewedAt: Number(r.renewed_at),
    expiresAt: Number(r.expires_at),
  };
}

export function createLeaseRepo(db: Kysely<DB>) {
  return {
    async read(): Promise<LeaseRow> {
      const r = await db.selectFrom('core_lease').selectAll().where('id', '=', LEASE_ID).executeTakeFirstOrThrow();
      return toRow(r);
    },

    /**
     * One compare-and-set: renews the lease if `nodeId` holds it with `epoch` and it has not run out, else takes
     * it with epoch + 1 if it has run out (or was never held). Otherwise changes nothing and reports the holder.
     */
    async acquire(nodeId: string, epoch: number | null, now: number, leaseMs: number): Promise<LeaseResult> {
      const mine = (eb: ExpressionBuilder<DB, 'core_lease'>) =>
        eb.and([eb('holder', '=', nodeId), eb('epoch', '=', epoch ?? -1), eb('expires_at', '>', now)]);
      const row = await db
        .updateTable('core_lease')
        .set((eb) => ({
          holder: nodeId,
          epoch: eb
            .case()
            .when(mine(eb))
            .then(eb.ref('epoch'))
            .else(eb(eb.ref('epoch'), '+', 1))
            .end(),
          acquired_at: eb.case().when(mine(eb)).then(eb.ref('acquired_at')).else(now).end(),
          renewed_at: now,
          expires_at: now + leaseMs,
        }))
        .where('id', '=', LEASE_ID)
        .where((eb) => eb.or([mine(eb), eb('expires_at', '<=', now)]))
        .returningAll()
        .executeTakeFirst();
      if (row) return { held: true, ...toRow(row) };
      return { held: false, ...(await this.read()) };
    },

    /**
     * Graceful stop: the holder ends its lease (expiry 0: whatever the next node's clock says, it has run out), so
     * a standby takes over at its next attempt, with a new epoch.
     */
    async release(fence: Fence, now: number): Promise<boolean> {
      const res = await db
        .updateTable('core_lease')
        .set({ expires_at: 0 })
        .where('id', '=', LEASE_ID)
        .where('holder', '=', fence.nodeId)
        .where('epoch', '=', fence.epoch)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },
  };
}

export type LeaseRepo = ReturnType<typeof createLeaseRepo>;
