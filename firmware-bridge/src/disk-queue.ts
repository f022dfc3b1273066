// Durable store-and-forward queue on the gateway's disk (SQLite, WAL): messages keep a global order
// id, so whatever is spilled when - in-flight or waiting - drains back in the order it was received.
// Bounded: when full, every other vitals/presence message in the older half is thinned away;
// button, door and status messages are never thinned.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export interface QueuedMessage {
  /** global order: received earlier = smaller id */
  id: number;
  deviceId: string;
  topic: string;
  payload: string;
  critical: boolean;
}

interface Row {
  id: number;
  device: string;
  topic: string;
  payload: string;
  critical: number;
}

export class DiskQueue {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly selectAfter: Database.Statement<[number, number], Row>;
  private readonly del: Database.Statement<[number], { critical: number }>;
  private readonly insertMany: (rows: QueuedMessage[]) => void;
  private readonly deleteMany: (ids: number[]) => void;
  private rows: number;
  private criticalRows: number;

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS queue (
      id INTEGER PRIMARY KEY, device TEXT NOT NULL, topic TEXT NOT NULL, payload TEXT NOT NULL, critical INTEGER NOT NULL)`);
    this.insert = this.db.prepare('INSERT OR IGNORE INTO queue (id, device, topic, payload, critical) VALUES (?, ?, ?, ?, ?)');
    this.selectAfter = this.db.prepare<[number, number], Row>(
      'SELECT id, device, topic, payload, critical FROM queue WHERE id > ? ORDER BY id LIMIT ?',
    );
    this.del = this.db.prepare<[number], { critical: number }>('DELETE FROM queue WHERE id = ? RETURNING critical');
    this.insertMany = this.db.transaction((rows: QueuedMessage[]) => {
      for (const r of rows) {
        const res = this.insert.run(r.id, r.deviceId, r.topic, r.payload, r.critical ? 1 : 0);
        if (res.changes === 1) {
          this.rows++;
          if (r.critical) this.criticalRows++;
        }
      }
    });
    this.deleteMany = this.db.transaction((ids: number[]) => {
      for (const id of ids) {
        const gone = this.del.get(id);
        if (gone) {
          this.rows--;
          if (gone.critical === 1) this.criticalRows--;
        }
      }
    });
    this.rows = 0;
    this.criticalRows = 0;
    this.recount();
  }

  private recount(): void {
    const r = this.db.prepare('SELECT count(*) AS n, coalesce(sum(critical), 0) AS c FROM queue').get() as { n: number; c: number };
    this.rows = r.n;
    this.criticalRows = r.c;
  }

  get size(): number {
    return this.rows;
  }

  get criticalSize(): number {
    return this.criticalRows;
  }

  /** Highest order id on disk (to continue numbering after a restart), or 0. */
  maxId(): number {
    const r = this.db.prepare('SELECT coalesce(max(id), 0) AS m FROM queue').get() as { m: number };
    return r.m;
  }

  append(msgs: QueuedMessage[]): void {
    if (msgs.length > 0) this.insertMany(msgs);
  }

  /** Messages with id > afterId, oldest first. */
  after(afterId: number, limit: number): QueuedMessage[] {
    return this.selectAfter
      .all(afterId, limit)
      .map((r) => ({ id: r.id, deviceId: r.device, topic: r.topic, payload: r.payload, critical: r.critical === 1 }));
  }

  remove(ids: number[]): void {
    if (ids.length === 0) return;
    this.deleteMany(ids);
  }

  /**
   * Thins non-critical messages: deletes every second one among the older half of them, so old
   * vitals lose resolution while recent ones and every critical message stay. Returns rows removed.
   */
  thin(): number {
    const thinnable = this.rows - this.criticalRows;
    if (thinnable < 2) return 0;
    const res = this.db
      .prepare(
        `DELETE FROM queue WHERE id IN (
        SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM queue WHERE critical = 0 ORDER BY id LIMIT ?)
        WHERE rn % 2 = 0)`,
      )
      .run(Math.max(2, Math.floor(thinnable / 2)));
    this.rows -= res.changes;
    return res.changes;
  }

  close(): void {
    this.db.close();
  }
}
