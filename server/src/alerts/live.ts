// Live event hub: fan-out of alert events to the WebSocket connections of the users allowed to see them.
import type { AlertSummary } from './view.js';

export type LiveEvent =
  /** `by` (change `declined`): the user id, or the masked target, of who said they cannot go */
  | { type: 'alert'; change: string; alert: AlertSummary; by?: string; name?: string }
  /** the user is being called by an escalation step: the app sounds its alarm */
  | { type: 'page'; alert: AlertSummary; step: number }
  | { type: 'technical'; wearerId: string; deviceId: string; issue: string; detail: string; at: string }
  /** a wearer's consent changed (opt-in, opt-out, pause, resume): told to the service's admins at once */
  | { type: 'consent'; wearerId: string; alias: string; change: string; state: string; via: string; at: string; pausedUntil: string | null };

type Listener = (ev: LiveEvent) => void;

export class LiveHub {
  private readonly listeners = new Map<string, Set<Listener>>();

  subscribe(userId: string, fn: Listener): () => void {
    let set = this.listeners.get(userId);
    if (!set) {
      set = new Set();
      this.listeners.set(userId, set);
    }
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0) this.listeners.delete(userId);
    };
  }

  sendTo(userIds: Iterable<string>, ev: LiveEvent): number {
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

  connections(): number {
    let n = 0;
    for (const s of this.listeners.values()) n += s.size;
    return n;
  }
}
