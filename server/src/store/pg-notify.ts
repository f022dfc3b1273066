// The PostgreSQL transport of the cross-node bus (events/cluster-bus.ts, issue 14): messages go out with
// `pg_notify` on the store's pool and come in on one dedicated `pg` client (not the pool) that LISTENs on the
// channel. A message larger than a NOTIFY payload may be (8000 bytes) goes by reference: it is stored in
// `event_outbox` (0023) and the notification carries `@<id>`; the receiver reads the row. When the listening
// connection ends (server restart, pg_terminate_backend, network) it reconnects with backoff on the injected
// clock (first at once, then 0.5 s doubling to 30 s), LISTENs again and tells `onResync`: whatever was sent
// in between was missed, so the node reloads what it caches.
import { sql } from 'kysely';
import pg from 'pg';
import type { Db } from './db.js';

/** The largest payload sent inline; PostgreSQL's limit is 8000 bytes (NAMEDATALEN aside). */
export const NOTIFY_INLINE_LIMIT = 7900;
/** Outbox rows are kept this long (a node that reconnects later has resynced anyway). */
const OUTBOX_KEEP_MS = 3600_000;

interface Timers {
  setTimeout(fn: () => void, ms: number): { cancel(): void };
  now(): number;
}

interface Log {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface PgNotifyOptions {
  url: string;
  db: Db;
  /** the LISTEN channel (one per database is enough) */
  channel?: string;
  clock: Timers;
  log?: Log;
}

export interface PgNotifyHandlers {
  onMessage: (message: string) => void | Promise<void>;
  onResync: () => void;
  onReconnect?: () => void;
}

export class PgNotifyTransport {
  private client: pg.Client | null = null;
  private handlers: PgNotifyHandlers | null = null;
  private closed = false;
  private attempt = 0;
  private retry: { cancel(): void } | null = null;
  /** incoming messages are handled one at a time, in arrival order (a by-reference read must not be overtaken) */
  private inbox: Promise<void> = Promise.resolve();
  readonly channel: string;
  /** the listening connection's backend pid (tests terminate it) */
  backendPid: number | null = null;

  constructor(private readonly o: PgNotifyOptions) {
    this.channel = o.channel ?? 'odart_events';
    if (!/^[a-z_][a-z0-9_]*$/.test(this.channel)) throw new Error(`bad LISTEN channel name: ${this.channel}`);
  }

  async start(handlers: PgNotifyHandlers): Promise<void> {
    this.handlers = handlers;
    await this.connect();
  }

  async send(message: string): Promise<void> {
    let payload = message;
    if (Buffer.byteLength(message, 'utf8') > NOTIFY_INLINE_LIMIT) {
      const now = this.o.clock.now();
      const row = await sql<{
        id: number;
      }>`insert into event_outbox (payload, created_at) values (${message}, ${now}) returning id`.execute(this.o.db);
      payload = `@${row.rows[0]!.id}`;
      await sql`delete from event_outbox where created_at < ${now - OUTBOX_KEEP_MS}`.execute(this.o.db);
    }
    await sql`select pg_notify(${this.channel}, ${payload})`.execute(this.o.db);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.retry?.cancel();
    this.retry = null;
    const c = this.client;
    this.client = null;
    await this.inbox;
    if (c) await c.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const c = new pg.Client({ connectionString: this.o.url });
    // errors end the connection: 'end' below decides what follows
    c.on('error', (err) => this.o.log?.warn({ err: err.message }, 'cross-node LISTEN connection error'));
    try {
      await c.connect();
    } catch (err) {
      await c.end().catch(() => undefined);
      throw err;
    }
    c.on('notification', (n) => {
      if (n.channel !== this.channel || n.payload === undefined) return;
      const payload = n.payload;
      this.inbox = this.inbox
        .then(() => this.handle(payload))
        .catch((err: unknown) => this.o.log?.warn({ err: err instanceof Error ? err.message : String(err) }, 'cross-node message lost'));
    });
    try {
      await c.query(`LISTEN ${this.channel}`);
      const pid = await c.query<{ pid: number }>('select pg_backend_pid() as pid');
      this.backendPid = pid.rows[0]!.pid;
    } catch (err) {
      await c.end().catch(() => undefined);
      throw err;
    }
    c.on('end', () => this.lost(c));
    if (this.closed) {
      await c.end().catch(() => undefined);
      return;
    }
    this.client = c;
  }

  private async handle(payload: string): Promise<void> {
    let message = payload;
    if (payload.startsWith('@')) {
      const id = Number(payload.slice(1));
      const row = await sql<{ payload: string }>`select payload from event_outbox where id = ${id}`.execute(this.o.db);
      if (!row.rows[0]) return; // kept an hour; a row gone is a message missed (a resync follows a long gap)
      message = row.rows[0].payload;
    }
    await this.handlers?.onMessage(message);
  }

  private lost(c: pg.Client): void {
    if (this.closed || this.client !== c) return;
    this.client = null;
    this.backendPid = null;
    this.o.log?.warn({}, 'cross-node LISTEN connection lost: reconnecting');
    this.schedule();
  }

  private schedule(): void {
    const delay = this.attempt === 0 ? 0 : Math.min(30_000, 500 * 2 ** (this.attempt - 1));
    this.attempt++;
    const run = () => {
      this.retry = null;
      if (this.closed) return;
      this.connect().then(
        () => {
          if (this.closed) return;
          this.attempt = 0;
          this.o.log?.info({}, 'cross-node LISTEN connection back: resyncing');
          this.handlers?.onReconnect?.();
          this.handlers?.onResync();
        },
        (err: unknown) => {
          this.o.log?.warn({ err: err instanceof Error ? err.message : String(err) }, 'cross-node LISTEN reconnect failed');
          this.schedule();
        },
      );
    };
    if (delay === 0) queueMicrotask(run);
    else this.retry = this.o.clock.setTimeout(run, delay);
  }
}
