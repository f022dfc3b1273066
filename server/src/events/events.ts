// The catalogue of named events: every event one part publishes and others subscribe to, with its
// payload, in one place (like fastify's lib/errors.js for errors). A new event is one entry here and
// a row in docs/architecture.md ("Events"). Payloads are plain data, never callbacks.
import type { WearerDecision } from '../detection/index.js';
import type { CommandPayload, DeviceMessage, StatusPayload } from '@odart/protocol';
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
}

export type EventName = keyof Events;
