// What the process-level fault tests check of every escalation afterwards: each step's text went out at least
// once, and more than once only where the timeline records the interrupted send as a possible duplicate; and
// each step's first text came within its wait (plus an allowance) of the step before it.
import { expect } from 'vitest';
import type { AdminClient } from '../../simulator/src/admin-client.js';
import { WireConnection } from '../../simulator/src/wire.js';
import type { TwilioRequest } from './fake-twilio.js';

export interface TimelineEntry {
  type: string;
  at?: number;
  target?: string;
  possibleDuplicate?: boolean;
}

/** One step of the chain as the fake Twilio sees it: the number texted and the timeline's target name. */
export interface AuditStep {
  to: string;
  target: string;
  /** the step's wait before the next one (s) */
  waitS: number;
}

/** The alert a page text was for: a page names its notification in its link (#/p/<id>.<mac>). */
export function alertOfText(body: string, alertOfNotification: ReadonlyMap<string, string>): string | undefined {
  return alertOfNotification.get(`ntf_${/#\/p\/([a-z0-9_]+)\./.exec(body)?.[1] ?? ''}`);
}

export async function timelineOf(admin: AdminClient, alertId: string): Promise<TimelineEntry[]> {
  return (await admin.request<{ timeline: TimelineEntry[] }>('GET', `/api/alerts/${alertId}`)).timeline;
}

/**
 * Checks one alert's chain against the texts sent and its timeline; returns the wall-clock ms each step's first
 * text arrived (in chain order). `lateByMs`: how much later than its wait a step may come (null: not checked).
 */
export function expectChainSent(
  alertId: string,
  timeline: TimelineEntry[],
  requests: readonly TwilioRequest[],
  alertOfNotification: ReadonlyMap<string, string>,
  steps: readonly AuditStep[],
  lateByMs: number | null = null,
): number[] {
  const flagged = (target: string) =>
    timeline.filter(
      (e) => (e.type === 'notify_interrupted' || e.type === 'late_provider_result') && e.target === target && e.possibleDuplicate,
    ).length;
  const firsts: number[] = [];
  for (const step of steps) {
    const sent = requests.filter((r) => r.to === step.to && alertOfText(r.body, alertOfNotification) === alertId);
    expect(sent.length, `${alertId} -> ${step.target}`).toBeGreaterThanOrEqual(1);
    expect(sent.length, `${alertId} -> ${step.target}: duplicates must be on the record`).toBeLessThanOrEqual(1 + flagged(step.target));
    firsts.push(Math.min(...sent.map((r) => r.at)));
  }
  if (lateByMs !== null) {
    for (let k = 1; k < steps.length; k++) {
      const gap = firsts[k]! - firsts[k - 1]!;
      expect(gap, `${alertId}: ${steps[k]!.target} came ${gap} ms after ${steps[k - 1]!.target}`).toBeLessThanOrEqual(
        steps[k - 1]!.waitS * 1000 + lateByMs,
      );
    }
  }
  return firsts;
}

export interface HelpWearer {
  id: string;
  alias: string;
  device: { id: string; secret: string };
  /** the emergency contact's number (the chain's `emergency_contact` target) */
  contact: string;
}

/**
 * A chain from `steps` and `n` wearers on it (responders alex and sam, one button each, an emergency contact
 * numbered by `contactOf`), created through the admin API.
 */
export async function enrolChainWearers(
  admin: AdminClient,
  o: { prefix: string; n: number; steps: unknown[]; contactOf: (i: number) => string },
): Promise<HelpWearer[]> {
  const chain = await admin.request<{ id: string }>('POST', '/api/admin/chains', {
    name: `Chain ${o.prefix}`,
    definition: { steps: o.steps },
  });
  const wearers = await admin.provision(
    Array.from({ length: o.n }, (_, i) => ({
      alias: `${o.prefix}${i}`,
      consent: 'active' as const,
      chainId: chain.id,
      responderIds: ['alex', 'sam'],
      devices: [{ id: `${o.prefix.toLowerCase()}-${i}`, kind: 'button' as const }],
    })),
  );
  const out: HelpWearer[] = [];
  for (const [i, w] of wearers.entries()) {
    await admin.request('PATCH', `/api/admin/wearers/${w.id}`, { emergencyContactPhone: o.contactOf(i) });
    out.push({ id: w.id, alias: `${o.prefix}${i}`, device: w.devices[0]!, contact: o.contactOf(i) });
  }
  return out;
}

/** Each wearer presses help once (QoS 1, acknowledged by the broker at host:port before the next). */
export async function pressHelp(host: string, port: number, wearers: readonly HelpWearer[]): Promise<void> {
  for (const w of wearers) {
    const { conn, returnCode } = await WireConnection.connect({
      host,
      port,
      clientId: w.device.id,
      username: w.device.id,
      password: w.device.secret,
    });
    if (returnCode !== 0) throw new Error(`${w.device.id}: CONNACK ${returnCode}`);
    conn.publish(`odart/v1/devices/${w.device.id}/button`, JSON.stringify({ action: 'help' }), 1);
    await new Promise<void>((r) => {
      conn.handlers = { onPuback: () => r() };
    });
    await conn.disconnect();
  }
}

/** The demo responders' phones (the demo seed: alex, sam). */
export const ALEX = '+447700900101';
export const SAM = '+447700900102';
/** How much later than its wait a step may come after the active node's death (issue 14's 10 s). */
export const TAKEOVER_ALLOWANCE_MS = 10_000;
/** The fault suites' chain: alex by SMS, 4 s, sam by SMS, 4 s, then the emergency contact. */
export const SMS_CHAIN = [
  { targets: [{ type: 'responder', id: 'alex' }], channels: ['sms'], waitS: 4 },
  { targets: [{ type: 'responder', id: 'sam' }], channels: ['sms'], waitS: 4 },
  { targets: [{ type: 'emergency_contact' }], channels: ['sms'], waitS: 0 },
];
/** What SMS_CHAIN sends for a wearer, step by step, in expectChainSent's terms. */
export function smsChainSteps(w: HelpWearer): AuditStep[] {
  return [
    { to: ALEX, target: 'responder:alex', waitS: 4 },
    { to: SAM, target: 'responder:sam', waitS: 4 },
    { to: w.contact, target: 'emergency_contact', waitS: 0 },
  ];
}
