// The core lease (issue 14, migration 0019): one row saying which node runs the core, with a fencing epoch and an
// expiry. Acquire and renew are one compare-and-set statement on the caller's clock (the injected clock: nodes
// keep their clocks in step with NTP, and the lease is seconds long). The epoch is bumped whenever the lease is
// taken by a node that did not hold it in this term, so a node that lost it can never write with it again:
// core writes pass a `Fence` and the store checks it against this row in the same transaction (`fenced`).
import { PostgresAdapter, type ExpressionBuilder, type Kysely } from 'kysely';
import type { DB } from './schema.js';

/** Who may write as the core: the node id and the epoch it acquired the lease with. */
export interface Fence {
  nodeId: string;
  epoch: number;
}

/** A write made by the core: its fence, and the time the lease must still be valid at (the caller's clock). */
export interface CoreWrite {
  fence: Fence;
  now: number;
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

/** What a refused core write is called in `odart_fenced_writes_total{op}` and the log. */
export type FencedOp =
  | 'alert_insert'
  | 'alert_transition'
  | 'alert_update'
  | 'timeline'
  | 'escalation_begin'
  | 'escalation_stop'
  | 'job_claim'
  | 'job_insert'
  | 'jobs_release'
  | 'notification_insert'
  | 'notification_claim'
  | 'snapshot_write';

/**
 * A core write refused by the store: the lease row no longer names this node with this epoch (or has run out).
 * Nothing of the write was stored (it ran in one transaction with the check). The caller counts it, logs it and
 * steps down (`FencedCore.refused`); it is never retried, the node that holds the lease now does the work.
 */
export class FencedWriteError extends Error {
  constructor(
    readonly op: FencedOp,
    readonly fence: Fence,
  ) {
    super(`core write ${op} refused: epoch ${fence.epoch} of ${fence.nodeId} no longer holds the core lease`);
    this.name = 'FencedWriteError';
  }
}

/** The core as the parts that write for it see it (cluster/core-lease.ts implements it). */
export interface FencedCore {
  /** this node may act as the core now */
  readonly active: boolean;
  /** the fence core writes carry; undefined on the embedded single node (it needs none) */
  fence(): Fence | undefined;
  /** a core write was refused (FencedWriteError): counted, logged, and the node steps down */
  refused(op: FencedOp): void;
}

/**
 * Checks the fence inside a transaction, before its writes: the lease row names this node with this epoch and
 * has not run out at `now`, else FencedWriteError (and the transaction rolls back). On PostgreSQL the row is
 * read `FOR SHARE`: core writes do not wait for each other, but a takeover (the lease UPDATE) waits until this
 * transaction ends, and a takeover in flight is waited for and its result read, so a write can never land after
 * its epoch was replaced. On SQLite a no-op UPDATE of the row takes the one write lock first.
 */
export async function assertFence(trx: Kysely<DB>, fence: Fence, now: number, op: FencedOp): Promise<void> {
  const postgres = trx.getExecutor().adapter instanceof PostgresAdapter;
  let held: boolean;
  if (postgres) {
    const row = await trx
      .selectFrom('core_lease')
      .select('id')
      .where('id', '=', LEASE_ID)
      .where('holder', '=', fence.nodeId)
      .where('epoch', '=', fence.epoch)
      .where('expires_at', '>', now)
      .forShare()
      .executeTakeFirst();
    held = row !== undefined;
  } else {
    const res = await trx
      .updateTable('core_lease')
      .set((eb) => ({ holder: eb.ref('holder') }))
      .where('id', '=', LEASE_ID)
      .where('holder', '=', fence.nodeId)
      .where('epoch', '=', fence.epoch)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    held = Number(res.numUpdatedRows) === 1;
  }
  if (!held) throw new FencedWriteError(op, fence);
}

/**
 * A core write: without `core` (the embedded single node, or a person's action) `write` runs on `db` as it is; with it, `write`
 * runs in one transaction after `assertFence`, so it is stored only while this node's epoch holds the lease.
 * `write` must not open a transaction of its own (it is handed one).
 */
export async function fenced<T>(
  db: Kysely<DB>,
  core: CoreWrite | undefined,
  op: FencedOp,
  write: (db: Kysely<DB>) => Promise<T>,
): Promise<T> {
  if (!core) return write(db);
  if (db.isTransaction) {
    await assertFence(db, core.fence, core.now, op);
    return write(db);
  }
  return db.transaction().execute(async (trx) => {
    await assertFence(trx, core.fence, core.now, op);
    return write(trx);
  });
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
