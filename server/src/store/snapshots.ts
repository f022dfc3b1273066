// Detector snapshots (issue 14, migration 0030): one row per wearer with what their detector learnt over hours, in
// the versioned format of detection/snapshot.ts (the store keeps it as text and never reads inside it). The active
// core replaces rows a batch at a time under its fence, like every core write: a node whose epoch no longer holds
// the lease stores nothing (FencedWriteError). The next core reads them back on takeover.
import type { Db } from './db.js';
import { fenced, type CoreWrite } from './lease.js';

export interface SnapshotRow {
  wearerId: string;
  version: number;
  at: number;
  data: string;
}

/** Rows per statement: 5 columns each, well inside SQLite's limit of bound variables. */
const BATCH = 100;

export function createSnapshotRepo(db: Db) {
  return {
    /** Replaces the snapshots of these wearers in one transaction (fenced with `core`). */
    async write(rows: readonly SnapshotRow[], core?: CoreWrite): Promise<void> {
      if (rows.length === 0) return;
      const epoch = core?.fence.epoch ?? 0;
      const write = (db: Db) =>
        (async () => {
          for (let i = 0; i < rows.length; i += BATCH)
            await db
              .insertInto('detector_snapshots')
              .values(rows.slice(i, i + BATCH).map((r) => ({ wearer_id: r.wearerId, version: r.version, at: r.at, data: r.data, epoch })))
              .onConflict((oc) =>
                oc.column('wearer_id').doUpdateSet((eb) => ({
                  version: eb.ref('excluded.version'),
                  at: eb.ref('excluded.at'),
                  data: eb.ref('excluded.data'),
                  epoch: eb.ref('excluded.epoch'),
                })),
              )
              .execute();
        })();
      // fenced: one transaction with the lease check; unfenced (the single node): one transaction of its own
      if (core) await fenced(db, core, 'snapshot_write', write);
      else await db.transaction().execute(write);
    },

    /** The snapshots of these wearers (those that have one). */
    async read(wearerIds: readonly string[]): Promise<Map<string, SnapshotRow>> {
      const out = new Map<string, SnapshotRow>();
      for (let i = 0; i < wearerIds.length; i += 1000) {
        const rows = await db
          .selectFrom('detector_snapshots')
          .select(['wearer_id', 'version', 'at', 'data'])
          .where('wearer_id', 'in', wearerIds.slice(i, i + 1000))
          .execute();
        for (const r of rows) out.set(r.wearer_id, { wearerId: r.wearer_id, version: Number(r.version), at: Number(r.at), data: r.data });
      }
      return out;
    },

    /** Drops snapshots not renewed since `before` (retention, with the raw vitals). */
    async purgeBefore(before: number): Promise<void> {
      await db.deleteFrom('detector_snapshots').where('at', '<', before).execute();
    },

    /** Drops a wearer's snapshot (erasure goes through admin.deleteWearer). */
    async remove(wearerId: string): Promise<void> {
      await db.deleteFrom('detector_snapshots').where('wearer_id', '=', wearerId).execute();
    },
  };
}

export type SnapshotRepo = ReturnType<typeof createSnapshotRepo>;
