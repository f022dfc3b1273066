// Live presence across nodes (issue 14): a responder's app may be connected to any node, and the core's app page
// must know whether it reached one. Each node tells the others its live connections per user (`live.presence` on
// the cluster bus): a user whose count changed at once, all of them every `everyMs` (and at start, after a lost
// LISTEN connection; none at shutdown). The LiveHub counts what other nodes hold (`connectionsElsewhere`), so the
// app page (`liveAppPager`) is delivered, and its "seen" later awaited, whichever node the app is connected to.
// A node not heard from for `staleMs` (it died, or its bus connection is gone) counts for nothing.
import type { Clock, TimerHandle } from '../clock.js';
import type { Bus, Events } from '../events/index.js';
import type { LiveHub } from './live.js';

export interface ClusterPresenceDeps {
  bus: Bus;
  live: LiveHub;
  /** this node's id on the cluster bus */
  nodeId: string;
  clock: Clock;
  /** how often the whole list is sent */
  everyMs: number;
  /** a node silent this long counts for nothing (default 3 * everyMs) */
  staleMs?: number;
}

export class ClusterPresence {
  private readonly nodes = new Map<string, { users: Map<string, number>; heardAt: number }>();
  private timer: TimerHandle | null = null;
  private off: (() => void) | null = null;
  private stopped = false;

  constructor(private readonly d: ClusterPresenceDeps) {}

  /** Listens to the other nodes, tells them of every change here, and sends the whole list now and every everyMs. */
  start(): void {
    const { bus, live, clock } = this.d;
    this.off = bus.subscribe('live.presence', (e, from) => {
      if (from.remote && e.nodeId !== this.d.nodeId) this.heard(e);
    });
    live.watchConnections((userId, connections) => {
      if (!this.stopped) void bus.publish('live.presence', { nodeId: this.d.nodeId, full: false, users: { [userId]: connections } });
    });
    live.countElsewhere((userId) => this.elsewhere(userId));
    this.timer = clock.setInterval(() => void this.announce(), this.d.everyMs);
    void this.announce();
  }

  /** The whole list to the other nodes (start, every everyMs, after the bus reconnected). */
  announce(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return this.d.bus.publish('live.presence', { nodeId: this.d.nodeId, full: true, users: this.d.live.localConnections() });
  }

  /** Connections other nodes hold for the user, counting only nodes heard from within staleMs. */
  elsewhere(userId: string): number {
    const now = this.d.clock.now();
    const staleMs = this.d.staleMs ?? this.d.everyMs * 3;
    let n = 0;
    for (const x of this.nodes.values()) if (now - x.heardAt <= staleMs) n += x.users.get(userId) ?? 0;
    return n;
  }

  /** Shutdown: the other nodes are told this one holds no connection any more. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.timer?.cancel();
    this.off?.();
    await this.d.bus.publish('live.presence', { nodeId: this.d.nodeId, full: true, users: {} });
    this.stopped = true;
  }

  private heard(e: Events['live.presence']): void {
    if (typeof e.users !== 'object' || e.users === null) return;
    let x = this.nodes.get(e.nodeId);
    if (!x || e.full) {
      x = { users: new Map(), heardAt: 0 };
      this.nodes.set(e.nodeId, x);
    }
    x.heardAt = this.d.clock.now();
    for (const [userId, n] of Object.entries(e.users)) {
      if (typeof n === 'number' && n > 0) x.users.set(userId, n);
      else x.users.delete(userId);
    }
    if (e.full && x.users.size === 0) this.nodes.delete(e.nodeId);
  }
}
