// Live event hub: fan-out of alert events to the WebSocket connections of the users allowed to see them.
import type { LiveEvent } from '@odart/protocol/api';

/** What the hub fans out: the app reads the same type (@odart/protocol/api). */
export type { LiveEvent };

type Listener = (ev: LiveEvent) => void;
/** The sign-in a connection belongs to, and how to end it when that sign-in is revoked. */
export interface LiveSession {
  sessionId: string;
  close: () => void;
}

export class LiveHub {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly sessions = new Map<Listener, LiveSession>();
  private readonly taps: ((ev: LiveEvent) => void)[] = [];
  private readonly relays: ((userIds: string[], ev: LiveEvent) => void)[] = [];
  private readonly closeRelays: ((userId: string, sessionId?: string) => void)[] = [];
  private readonly watchers: ((userId: string, connections: number) => void)[] = [];
  private elsewhere: (userId: string) => number = () => 0;

  /** Sees every event once, whoever it goes to (the notice board stores the ones admins must not miss). */
  tap(fn: (ev: LiveEvent) => void): void {
    this.taps.push(fn);
  }

  /** Hears every send with its users, to pass it to the other nodes (relayLive, cluster mode). */
  relay(fn: (userIds: string[], ev: LiveEvent) => void): void {
    this.relays.push(fn);
  }

  /** Hears every change of a user's number of connections on this node (ClusterPresence tells the other nodes). */
  watchConnections(fn: (userId: string, connections: number) => void): void {
    this.watchers.push(fn);
  }

  /** Cluster mode: how many connections other nodes hold for a user (ClusterPresence), counted by isConnected. */
  countElsewhere(fn: (userId: string) => number): void {
    this.elsewhere = fn;
  }

  private changed(userId: string): void {
    const n = this.connectionsOf(userId);
    for (const fn of this.watchers) {
      try {
        fn(userId, n);
      } catch {
        // an observer must not stop a connection
      }
    }
  }

  subscribe(userId: string, fn: Listener, session?: LiveSession): () => void {
    let set = this.listeners.get(userId);
    if (!set) {
      set = new Set();
      this.listeners.set(userId, set);
    }
    set.add(fn);
    if (session) this.sessions.set(fn, session);
    this.changed(userId);
    return () => {
      const had = set.delete(fn);
      this.sessions.delete(fn);
      if (set.size === 0 && this.listeners.get(userId) === set) this.listeners.delete(userId);
      if (had) this.changed(userId);
    };
  }

  /** Signed out, disabled, password reset: the user's connections stop at once (of one session, or all). */
  closeUser(userId: string, sessionId?: string): number {
    for (const fn of this.closeRelays) {
      try {
        fn(userId, sessionId);
      } catch {
        // the local close happens whatever a relay does
      }
    }
    return this.closeHere(userId, sessionId);
  }

  /** Passes every closeUser on to the other nodes (relayLive, cluster mode). */
  relayClose(fn: (userId: string, sessionId?: string) => void): void {
    this.closeRelays.push(fn);
  }

  /** Ends the user's connections on this node only (another node ended the sign-in): no relays. */
  closeHere(userId: string, sessionId?: string): number {
    const set = this.listeners.get(userId);
    if (!set) return 0;
    let n = 0;
    for (const fn of [...set]) {
      const s = this.sessions.get(fn);
      if (sessionId !== undefined && s?.sessionId !== sessionId) continue;
      // Unsubscribed first: nothing more reaches it even if closing the socket takes a while.
      set.delete(fn);
      this.sessions.delete(fn);
      n++;
      try {
        s?.close();
      } catch {
        // already closed
      }
    }
    if (set.size === 0) this.listeners.delete(userId);
    if (n > 0) this.changed(userId);
    return n;
  }

  sendTo(userIds: Iterable<string>, ev: LiveEvent): number {
    for (const fn of this.taps) {
      try {
        fn(ev);
      } catch {
        // a failing observer must not stop delivery
      }
    }
    if (this.relays.length > 0) {
      const ids = [...new Set(userIds)];
      for (const fn of this.relays) {
        try {
          fn(ids, ev);
        } catch {
          // nor a failing relay
        }
      }
      return this.deliver(ids, ev);
    }
    return this.deliver(userIds, ev);
  }

  /** Gives `ev` to these users' connections on this node only (a message another node sent): no taps, no relays. */
  deliver(userIds: Iterable<string>, ev: LiveEvent): number {
    let n = 0;
    for (const id of new Set(userIds)) {
      for (const fn of this.listeners.get(id) ?? []) {
        try {
          fn(ev);
          n++;
        } catch {
          // A broken connection must not stop delivery to the others.
        }
      }
    }
    return n;
  }

  /** The user's connections on this node. */
  connectionsOf(userId: string): number {
    return this.listeners.get(userId)?.size ?? 0;
  }

  /** The user's connections on other nodes, as far as this node knows (cluster mode; 0 in one process). */
  connectionsElsewhere(userId: string): number {
    return this.elsewhere(userId);
  }

  /** Every user with a connection on this node, and how many. */
  localConnections(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [id, set] of this.listeners) if (set.size > 0) out[id] = set.size;
    return out;
  }

  /** Whether the user has the app open right now (a live connection, on this node or, in cluster mode, another). */
  isConnected(userId: string): boolean {
    return this.connectionsOf(userId) > 0 || this.elsewhere(userId) > 0;
  }

  connections(): number {
    let n = 0;
    for (const s of this.listeners.values()) n += s.size;
    return n;
  }
}
