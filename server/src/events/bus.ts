// The event bus port: parts publish named events and others subscribe, instead of being wired by
// closures in server.ts. Small on purpose (publish, subscribe, idle) so a cross-node adapter (issue
// 14) can implement it; this in-process adapter is what one process uses, and what the cross-node
// adapter (cluster-bus.ts) delivers through on each node.
import type { Logger } from '../log.js';

/** Where a delivery came from: this node's publish (`remote` false) or another node's (the cross-node adapter). */
export interface EventOrigin {
  remote: boolean;
  /** the publishing node's id (cross-node adapter); absent in one process */
  node?: string;
}

/** A subscriber; `from` says whether the event was published on this node or arrived from another. */
export type Handler<P> = (payload: P, from: EventOrigin) => void | Promise<void>;

const LOCAL: EventOrigin = Object.freeze({ remote: false });

export interface EventBus<E extends object> {
  /**
   * Runs every subscriber of `name` (in subscription order, each started synchronously) and resolves
   * when all have settled. Never rejects: a failing handler is logged and counted, not thrown into
   * the publisher, so a broken observer cannot undo the publisher's work. A publisher that must see
   * the consequences before it goes on awaits this; one that need not does `void`.
   */
  publish<K extends keyof E & string>(name: K, payload: E[K]): Promise<void>;
  /** Returns the unsubscribe function. */
  subscribe<K extends keyof E & string>(name: K, handler: Handler<E[K]>): () => void;
  /** Resolves once no handler is running (shutdown, tests). */
  idle(): Promise<void>;
}

export interface InProcessBusOptions {
  log?: Logger;
  /** called once per failed handler (the server counts them in odart_event_handler_errors_total) */
  onHandlerError?: (name: string, err: unknown) => void;
}

export class InProcessBus<E extends object> implements EventBus<E> {
  private readonly handlers = new Map<string, Handler<never>[]>();
  private readonly running = new Set<Promise<void>>();
  /** failed handlers since start, by event name */
  readonly errors = new Map<string, number>();

  constructor(private readonly opts: InProcessBusOptions = {}) {}

  subscribe<K extends keyof E & string>(name: K, handler: Handler<E[K]>): () => void {
    // Lists are replaced, never changed in place, so a delivery under way keeps the list it started
    // with and publish (once per device message) needs no copy.
    this.handlers.set(name, [...(this.handlers.get(name) ?? []), handler as Handler<never>]);
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      const now = this.handlers.get(name) ?? [];
      const i = now.indexOf(handler as Handler<never>);
      if (i >= 0) this.handlers.set(name, [...now.slice(0, i), ...now.slice(i + 1)]);
    };
  }

  publish<K extends keyof E & string>(name: K, payload: E[K]): Promise<void> {
    return this.deliver(name, payload, LOCAL);
  }

  /** Runs this process's subscribers of `name` as publish does, telling them where the event came from (adapters). */
  deliver<K extends keyof E & string>(name: K, payload: E[K], from: EventOrigin): Promise<void> {
    const list = this.handlers.get(name);
    if (!list || list.length === 0) return Promise.resolve();
    const settled: Promise<void>[] = [];
    // `list` is never mutated (see subscribe): a handler that unsubscribes or subscribes while running
    // does not change this delivery.
    for (const h of list) {
      let result: void | Promise<void>;
      try {
        result = (h as Handler<E[K]>)(payload, from);
      } catch (err) {
        this.failed(name, err);
        continue;
      }
      if (result && typeof (result as Promise<void>).then === 'function') {
        const p: Promise<void> = (result as Promise<void>).then(
          () => undefined,
          (err: unknown) => this.failed(name, err),
        );
        this.running.add(p);
        void p.finally(() => this.running.delete(p));
        settled.push(p);
      }
    }
    return settled.length === 0 ? Promise.resolve() : Promise.all(settled).then(() => undefined);
  }

  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  private failed(name: string, err: unknown): void {
    this.errors.set(name, (this.errors.get(name) ?? 0) + 1);
    this.opts.log?.error({ err, event: name }, 'event handler failed');
    try {
      this.opts.onHandlerError?.(name, err);
    } catch {
      // counting must not fail the publisher either
    }
  }
}
