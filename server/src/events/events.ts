// The catalogue of named events: every event one part publishes and others subscribe to, with its
// payload, in one place (like fastify's lib/errors.js for errors). A new event is one entry here and
// a row in docs/architecture.md ("Events"). Payloads are plain data, never callbacks.
import type { WearerDecision } from '../detection/index.js';
import type { CommandPayload, DeviceMessage, StatusPayload } from '@odart/protocol';
import type { LiveEvent } from '@odart/protocol/api';
import type { AlertRow, WearerRow } from '../store/index.js';
import type { ConsentState } from '../store/schema.js';

export interface Events {
  // ---- device data (ingest) --------------------------------------------------------------
  /** the detector decided something (ingest after a sample, the server's tick): alerts/ applies it */
  'detection.decisions': { decisions: WearerDecision[] };
  /** a message of a consenting wearer passed ingest: the recent-vitals store keeps it */
  'vitals.sample': { wearerId: string; deviceId: string; message: DeviceMessage; at: number };
  /** a device reported its status (battery, online): the device registry stores it */
  'device.status': { deviceId: string; status: StatusPayload; at: number };

  // ---- alert lifecycle (alerts/) ----------------------------------------------------------
  /** a person resolved or cancelled the wearer's alert: detection starts afresh for them */
  'alert.episodeClosed': { wearerId: string };
  /** a command for a device (check-in prompt, cancel): the broker publishes it on the device's command topic */
  'device.command': { deviceId: string; command: CommandPayload };

  // ---- escalation (the scheduler tells; alerts/ owns what it means for the alert) ------------
  /** a chain position was paged (observers, metrics; cross-node followers in issue 14) */
  'escalation.stepRan': { alertId: string; token: number; step: number };
  /** the attending responder neither arrived nor resolved in time: alerts/ starts the chain again (fenced on `token`) */
  'escalation.ackTimedOut': { alertId: string; token: number; afterS: number };
  /** every position was paged and nobody acknowledged; repeats as reminders (`reminder` 1, 2, ...) */
  'escalation.chainExhausted': { alertId: string; token: number; reminder: number };
  /** the auditor found a check-in open long past its window (its detector state was lost): alerts/ escalates it */
  'escalation.checkinExpired': { alertId: string };
  /** someone acknowledged: these app users, who had been paged, are told it is taken */
  'escalation.othersToldTaken': { alert: AlertRow; alias: string; userIds: string[] };
  /** an external chain number was not paged because it has not confirmed: the service's admins are told */
  'escalation.numberNotConfirmed': { alert: AlertRow; label: string; at: number };

  // ---- people and devices (consent/, wearers/) -------------------------------------------
  /** a wearer's consent changed (opt-in, opt-out, pause, resume): admins are told live */
  'consent.changed': {
    wearerId: string;
    serviceId: string;
    alias: string;
    change: string;
    state: ConsentState;
    via: string;
    at: number;
    pausedUntil: number | null;
  };
  /** a wearer's new consent state was just stored: before anything else, ingest and the detector follow (wearers/) */
  'consent.applied': { wearerId: string };
  /** a wearer was edited, re-consented or deleted (`wearer` null): caches, detector and erasure follow */
  'wearer.changed': { wearerId: string; wearer: WearerRow | null };
  /** a device was registered, edited, re-assigned or deleted: caches and the broker follow */
  'device.changed': { deviceId: string };

  // ---- the live feed across nodes (issue 14) ------------------------------------------------
  /** a live message went to these users' connections on the publishing node: other nodes give it to theirs */
  'live.sent': { userIds: string[]; event: LiveEvent };
  /** a sign-in ended (logout, disabled, password reset; `sessionId` null: every session of the user): other nodes close its connections */
  'live.closed': { userId: string; sessionId: string | null };
  /**
   * the publishing node's live connections per user: `full` all of them (every few seconds, and at start, resync
   * and shutdown), else only the users whose count changed (0: none left); other nodes count them in app pages
   */
  'live.presence': { nodeId: string; full: boolean; users: Record<string, number> };
}

export type EventName = keyof Events;

/**
 * Where an event is delivered when several nodes share one PostgreSQL (DATABASE_URL, events/cluster-bus.ts):
 * `cluster` events also reach every other node's subscribers (once, never sent on again); `node` events stay in
 * the process that published them. One process (the embedded default) delivers every event locally either way.
 *
 * The rule: an event crosses when every node must follow it in its own memory (caches, detector state, the
 * broker session it holds, live connections) and its subscribers' writes, if any, are idempotent; it stays
 * when it is the hot path (vitals.sample, detection.decisions), when its subscriber writes what must happen
 * once (device.status, the escalation.* the core's alerts/ acts on), or when its subscriber turns it into live
 * messages: those cross as `live.sent`, so an event that crossed as well would reach a connection twice.
 */
export type EventScope = 'cluster' | 'node';

export const EVENT_SCOPE: { readonly [K in EventName]: EventScope } = {
  'detection.decisions': 'node', // hot path; applied by the node that detected
  'vitals.sample': 'node', // hot path, once per device message
  'device.status': 'node', // the registry write happens once, where the device is connected
  'alert.episodeClosed': 'cluster', // a resolve on any node: the detecting node's detector starts afresh
  'device.command': 'cluster', // to the node holding the device's broker session (embedded brokers)
  'escalation.stepRan': 'node', // observers on the core
  'escalation.ackTimedOut': 'node', // the core's alerts/ re-escalates once
  'escalation.chainExhausted': 'node', // turned into live messages (live.sent crosses)
  'escalation.checkinExpired': 'node', // the core's alerts/ escalates once
  'escalation.othersToldTaken': 'node', // turned into live messages (live.sent crosses)
  'escalation.numberNotConfirmed': 'node', // turned into live messages (live.sent crosses)
  'consent.changed': 'node', // turned into live messages (live.sent crosses)
  'consent.applied': 'cluster', // every node's directory and detector follow
  'wearer.changed': 'cluster', // every node's directory, thresholds cache and detector follow
  'device.changed': 'cluster', // every node's directory; the node holding the session disconnects it
  'live.sent': 'cluster', // the responder may be connected to any node
  'live.closed': 'cluster', // and so may a connection whose sign-in just ended
  'live.presence': 'cluster', // the core counts a page as delivered to a responder connected to any node
};

/** Whether `name` reaches the subscribers of other nodes. */
export function crossesNodes(name: string): boolean {
  return (EVENT_SCOPE as Record<string, EventScope | undefined>)[name] === 'cluster';
}
