// The cross-node adapter of the bus port (issue 14): every node's subscribers run as with the in-process
// adapter, and the events the catalogue marks `cluster` (events.ts, EVENT_SCOPE) also go to the other nodes
// through a transport (PostgreSQL LISTEN/NOTIFY: store/pg-notify.ts). A local publish reaches local
// subscribers once, directly; a message from another node is delivered to this node's subscribers with
// `from.remote` and is never sent on (each message carries its origin node id, and a node drops its own).
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { InProcessBus, type EventBus, type Handler, type InProcessBusOptions } from './bus.js';

/** What the adapter needs of a cross-node channel; it delivers every message to every node, sender included. */
export interface BusTransport {
  /** Sends one message to every listening node; rejects when it could not be sent. */
  send(message: string): Promise<void>;
  /**
   * Listens from now on: `onMessage` for each message in the order sent per node, `onResync` after the
   * listening connection was lost and is back (messages sent in between are not delivered).
   */
  start(handlers: { onMessage: (message: string) => void | Promise<void>; onResync: () => void; onReconnect?: () => void }): Promise<void>;
  close(): Promise<void>;
}

interface Envelope {
  /** origin node */
  n: string;
  /** event name */
  e: string;
  /** payload */
  p: unknown;
  /** wall-clock ms when sent (latency metric only) */
  t: number;
}

export interface ClusterBusOptions extends InProcessBusOptions {
  nodeId: string;
  transport: BusTransport;
  /** whether an event goes to other nodes (the catalogue's EVENT_SCOPE through `crossesNodes`) */
  crosses: (name: string) => boolean;
  metrics?: Pick<Metrics, 'busSent' | 'busReceived' | 'busDropped' | 'busReconnects' | 'busLatency'>;
  log?: Logger;
  /** called after a reconnect: what was sent while this node was not listening was missed (reload caches) */
  onResync?: () => void | Promise<void>;
  /** wall clock for the latency metric (Date.now by default); behaviour never depends on it */
  wallNow?: () => number;
}

export class ClusterBus<E extends object> implements EventBus<E> {
  private readonly local: InProcessBus<E>;
  /** sends in publish order, one at a time (NOTIFY order is commit order) */
  private sending: Promise<void> = Promise.resolve();
  private readonly inflight = new Set<Promise<void>>();
  private resyncWaiters: (() => void)[] = [];
  readonly stats = { sent: 0, received: 0, dropped: 0, resyncs: 0 };

  constructor(private readonly opts: ClusterBusOptions) {
    this.local = new InProcessBus<E>(opts);
  }

  /** Starts listening to the other nodes. */
  async start(): Promise<void> {
    await this.opts.transport.start({
      onMessage: (m) => this.received(m),
      onReconnect: () => this.opts.metrics?.busReconnects.inc(),
      onResync: () => {
        this.stats.resyncs++;
        const p = Promise.resolve()
          .then(() => this.opts.onResync?.())
          .catch((err: unknown) => this.opts.log?.error({ err }, 'resync after reconnect failed'))
          .finally(() => {
            const waiters = this.resyncWaiters;
            this.resyncWaiters = [];
            for (const w of waiters) w();
          });
        this.track(p);
      },
    });
  }

  /** Resolves when the next reconnect's resync (the caches reloaded) is done (tests, operators' tools). */
  nextResync(): Promise<void> {
    return new Promise((resolve) => this.resyncWaiters.push(resolve));
  }

  subscribe<K extends keyof E & string>(name: K, handler: Handler<E[K]>): () => void {
    return this.local.subscribe(name, handler);
  }

  publish<K extends keyof E & string>(name: K, payload: E[K]): Promise<void> {
    if (this.opts.crosses(name)) this.send(name, payload);
    return this.local.publish(name, payload);
  }

  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.all([...this.inflight]);
    await this.local.idle();
  }

  /** Stops listening once what was published has been sent. */
  async close(): Promise<void> {
    await this.idle();
    await this.opts.transport.close();
  }

  private send(name: string, payload: unknown): void {
    const wallNow = this.opts.wallNow ?? Date.now;
    let message: string;
    try {
      message = JSON.stringify({ n: this.opts.nodeId, e: name, p: payload, t: wallNow() } satisfies Envelope);
    } catch (err) {
      this.dropped('unserialisable', name, err);
      return;
    }
    const p = (this.sending = this.sending.then(() =>
      this.opts.transport.send(message).then(
        () => {
          this.stats.sent++;
          this.opts.metrics?.busSent.inc({ event: name });
        },
        (err: unknown) => this.dropped('send_failed', name, err),
      ),
    ));
    this.track(p);
  }

  private async received(message: string): Promise<void> {
    let env: Envelope;
    try {
      env = JSON.parse(message) as Envelope;
    } catch (err) {
      this.dropped('unparseable', '', err);
      return;
    }
    if (!env || typeof env.n !== 'string' || typeof env.e !== 'string') return this.dropped('unparseable', '', null);
    // Our own message back (PostgreSQL tells every listener, the sender's too): delivered locally already.
    if (env.n === this.opts.nodeId) return;
    if (!this.opts.crosses(env.e)) return this.dropped('not_cluster_event', env.e, null);
    this.stats.received++;
    this.opts.metrics?.busReceived.inc({ event: env.e });
    if (typeof env.t === 'number') this.opts.metrics?.busLatency.observe(Math.max(0, ((this.opts.wallNow ?? Date.now)() - env.t) / 1000));
    const p = this.local.deliver(env.e as keyof E & string, env.p as E[keyof E & string], { remote: true, node: env.n });
    this.track(p);
    await p;
  }

  private dropped(reason: string, event: string, err: unknown): void {
    this.stats.dropped++;
    this.opts.metrics?.busDropped.inc({ reason });
    this.opts.log?.warn({ err, event, reason }, 'cross-node event dropped');
  }

  private track(p: Promise<void>): void {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }
}
