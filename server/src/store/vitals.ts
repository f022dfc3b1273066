// Recent raw samples of consenting wearers: a write-behind buffer (one multi-row insert per event-loop
// turn, so the ingest hot path never waits on SQLite) and the reads behind the responder's vitals chart.
import type { Insertable } from 'kysely';
import type { DeviceMessage } from '../protocol/index.js';
import type { Db } from './db.js';
import type { VitalsTable } from './schema.js';

/** Rows per insert statement: SQLite allows 32766 bound variables, 12 columns per row. */
const CHUNK = 500;
/** Above this many buffered rows, samples are dropped (counted) instead of growing memory without bound. */
const MAX_BUFFER = 50_000;

export interface VitalsPoint {
  t: number;
  deviceId: string;
  stream: 'vitals' | 'presence';
  hr: number | null;
  spo2: number | null;
  rr: number | null;
  activity: number | null;
  onBody: boolean | null;
  occupied: boolean | null;
  motion: number | null;
}

const bool = (v: number | null) => (v === null ? null : v === 1);

export class VitalsStore {
  private buffer: Insertable<VitalsTable>[] = [];
  private flushing: Promise<void> | null = null;
  private scheduled = false;
  dropped = 0;

  constructor(
    private readonly db: Db,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Keeps a vitals or presence sample; other streams are not health data worth keeping. */
  record(wearerId: string, deviceId: string, msg: DeviceMessage, at: number): void {
    let row: Insertable<VitalsTable>;
    if (msg.stream === 'vitals') {
      const v = msg.data;
      row = {
        wearer_id: wearerId, device_id: deviceId, stream: 'vitals', t: at,
        hr: v.hr ?? null, spo2: v.spo2 ?? null, rr: v.rr ?? null, activity: v.activity ?? null,
        on_body: v.onBody === undefined ? null : v.onBody ? 1 : 0, occupied: null, motion: null,
      };
    } else if (msg.stream === 'presence') {
      row = {
        wearer_id: wearerId, device_id: deviceId, stream: 'presence', t: at,
        hr: null, spo2: null, rr: null, activity: null, on_body: null,
        occupied: msg.data.occupied ? 1 : 0, motion: msg.data.motion ?? null,
      };
    } else {
      return;
    }
    if (this.buffer.length >= MAX_BUFFER) {
      this.dropped++;
      return;
    }
    this.buffer.push(row);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.flush().catch(this.onError);
      });
    }
  }

  /** Writes everything buffered so far; reads call it first so they see every sample. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.buffer.length === 0) return;
    const rows = this.buffer;
    this.buffer = [];
    this.flushing = (async () => {
      try {
        await this.db.transaction().execute(async (trx) => {
          for (let i = 0; i < rows.length; i += CHUNK) await trx.insertInto('vitals').values(rows.slice(i, i + CHUNK)).execute();
        });
      } finally {
        this.flushing = null;
      }
    })();
    await this.flushing;
  }

  async window(wearerId: string, from: number, to: number): Promise<VitalsPoint[]> {
    await this.flush();
    const rows = await this.db
      .selectFrom('vitals')
      .selectAll()
      .where('wearer_id', '=', wearerId)
      .where('t', '>=', from)
      .where('t', '<=', to)
      .orderBy('t')
      .orderBy('id')
      .limit(20_000)
      .execute();
    return rows.map((r) => ({
      t: Number(r.t), deviceId: r.device_id, stream: r.stream, hr: r.hr, spo2: r.spo2, rr: r.rr, activity: r.activity,
      onBody: bool(r.on_body), occupied: bool(r.occupied), motion: r.motion,
    }));
  }

  /** The room device that last saw the wearer present, or null. */
  async lastOccupiedDevice(wearerId: string, before: number): Promise<string | null> {
    await this.flush();
    const row = await this.db
      .selectFrom('vitals')
      .select('device_id')
      .where('wearer_id', '=', wearerId)
      .where('stream', '=', 'presence')
      .where('occupied', '=', 1)
      .where('t', '<=', before)
      .orderBy('t', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.device_id ?? null;
  }

  /** Purges samples older than `before` (retention). Returns how many rows went. */
  async purgeBefore(before: number): Promise<number> {
    await this.flush();
    const res = await this.db.deleteFrom('vitals').where('t', '<', before).executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  /** Erasure on request: every sample of one wearer, buffered or stored. */
  async deleteWearer(wearerId: string): Promise<void> {
    this.buffer = this.buffer.filter((r) => r.wearer_id !== wearerId);
    await this.flush();
    await this.db.deleteFrom('vitals').where('wearer_id', '=', wearerId).execute();
  }
}
