// What other parts tell (escalation, consent) turned into LiveHub messages for the users allowed to
// see them. The messages are the ones the app has always received (docs/api.md `/api/live`).
import type { AppPager } from '../escalation/index.js';
import type { Bus } from '../events/index.js';
import type { Repos } from '../store/index.js';
import type { LiveHub } from './live.js';
import { alertSummary } from './view.js';

/**
 * The escalator's app channel: a `page` message on the user's open connections. In cluster mode the message also
 * goes to the other nodes (relayLive), and the connections they hold for the user (ClusterPresence) count as
 * reached: a responder's app is paged, and its "seen" awaited, whichever node it is connected to.
 */
export function liveAppPager(live: LiveHub): AppPager {
  return {
    page: (userId, alert, wearerAlias, step) =>
      live.sendTo([userId], { type: 'page', alert: alertSummary(alert, wearerAlias), step }) + live.connectionsElsewhere(userId),
  };
}

/** Subscribes the live fan-out to the bus; returns the unsubscribe function. */
export function subscribeLiveFanOut(bus: Bus, d: { repos: Repos; live: LiveHub }): () => void {
  const admins = async (serviceId: string) => d.repos.users.adminIds(serviceId);
  const offs = [
    bus.subscribe('escalation.othersToldTaken', (e) => {
      d.live.sendTo(e.userIds, { type: 'alert', change: 'taken', alert: alertSummary(e.alert, e.alias) });
    }),
    bus.subscribe('escalation.numberNotConfirmed', async (e) => {
      d.live.sendTo(await admins(e.alert.service_id), {
        type: 'technical',
        wearerId: e.alert.wearer_id,
        deviceId: e.label,
        issue: 'number_not_confirmed',
        detail: `${e.label} was not texted: the number has not confirmed yet`,
        at: new Date(e.at).toISOString(),
      });
    }),
    bus.subscribe('consent.changed', async (e) => {
      d.live.sendTo(await admins(e.serviceId), {
        type: 'consent',
        wearerId: e.wearerId,
        alias: e.alias,
        change: e.change,
        state: e.state,
        via: e.via,
        at: new Date(e.at).toISOString(),
        pausedUntil: e.pausedUntil ? new Date(e.pausedUntil).toISOString() : null,
      });
    }),
  ];
  return () => {
    for (const off of offs) off();
  };
}

/**
 * Cluster mode (several nodes on one PostgreSQL): what this node's hub sends also goes to the other nodes as
 * `live.sent`, and theirs reaches the connections held here, so a responder may be connected to any node.
 * Only the publishing node's taps (the notice board) see a message. An ended sign-in closes its connections on
 * every node (`live.closed`). Returns the unsubscribe function.
 */
export function relayLive(bus: Bus, live: LiveHub): () => void {
  live.relay((userIds, event) => void bus.publish('live.sent', { userIds, event }));
  // A sign-in ended on one node (logout, disabled, password reset): its connections on every node close.
  live.relayClose((userId, sessionId) => void bus.publish('live.closed', { userId, sessionId: sessionId ?? null }));
  const offs = [
    bus.subscribe('live.sent', (e, from) => {
      if (from.remote) live.deliver(e.userIds, e.event);
    }),
    bus.subscribe('live.closed', (e, from) => {
      if (from.remote) live.closeHere(e.userId, e.sessionId ?? undefined);
    }),
  ];
  return () => {
    for (const off of offs) off();
  };
}
