// The chain an alert escalates along: the snapshot stored on it when it began, or, for a wearer with no chain, the
// default one (their responders and the service's admins). The step scheduler, the auditor and the alert views read it.
import type { Logger } from '../log.js';
import { en } from '../messages/en.js';
import type { ChannelRegistry } from '../notify/index.js';
import type { AlertRow, Repos } from '../store/index.js';
import { parseSnapshot, type ChainSnapshot, type ChainTarget } from './chain.js';
import { escalationState, type EscalationView } from './state.js';

export interface ChainReader {
  repos: Repos;
  channels: ChannelRegistry;
  log: Logger;
}

export function snapshotOf(alert: AlertRow, log: Logger): ChainSnapshot {
  try {
    return parseSnapshot(alert.chain_snapshot);
  } catch (err) {
    log.error({ err, alertId: alert.id }, 'unreadable chain snapshot; using the default chain');
    return { steps: [], repeat: 0, groups: {}, onShift: {} };
  }
}

/** A wearer without a chain still reaches people: their responders and the service admins, repeated. */
export async function effectiveChain(d: ChainReader, alert: AlertRow): Promise<{ chain: ChainSnapshot; isDefault: boolean }> {
  const chain = snapshotOf(alert, d.log);
  if (chain.steps.length > 0) return { chain, isDefault: false };
  const responders = await d.repos.responderIdsForWearer(alert.wearer_id);
  const admins = await d.repos.users.activeAdminIds(alert.service_id);
  const everyone = [...new Set([...responders, ...admins])];
  // Off-duty people would be skipped anyway; with nobody on duty the emergency contact is called.
  const onDuty = new Set((await d.repos.usersByIds(everyone)).filter((u) => u.on_duty === 1).map((u) => u.id));
  const ids = everyone.filter((id) => onDuty.has(id));
  const targets: ChainTarget[] = ids.map((id) => ({ type: 'responder', id }));
  if (targets.length === 0) targets.push({ type: 'emergency_contact' });
  return {
    chain: {
      steps: [{ targets, channels: d.channels.defaultChannels(), fallbackChannels: [], waitS: 120 }],
      repeat: 4,
      groups: {},
      onShift: {},
    },
    isDefault: true,
  };
}

/** Where each alert's escalation stands (docs/api.md `escalation`), with targets named for people. */
export async function escalationViews(d: ChainReader, alerts: readonly AlertRow[]): Promise<Map<string, EscalationView>> {
  const out = new Map<string, EscalationView>();
  if (alerts.length === 0) return out;
  const jobs = await d.repos.esc.jobsForAlerts(alerts.map((a) => a.id));
  const chains = new Map<string, ChainSnapshot>();
  const userIds = new Set<string>();
  const groupIds = new Set<string>();
  for (const a of alerts) {
    const { chain } = await effectiveChain(d, a);
    chains.set(a.id, chain);
    for (const t of [...chain.steps, ...(chain.finalStep ? [chain.finalStep] : [])].flatMap((s) => s.targets)) {
      if (t.type === 'responder') userIds.add(t.id);
      if (t.type === 'group') groupIds.add(t.id);
      if (t.type === 'on_shift') groupIds.add(t.groupId);
    }
  }
  const users = new Map((await d.repos.usersByIds([...userIds])).map((u) => [u.id, u]));
  const groups = new Map<string, string>();
  for (const id of groupIds) {
    const g = await d.repos.esc.groupById(id);
    if (g) groups.set(id, g.name);
  }
  for (const a of alerts) {
    const label = (t: ChainTarget): string => {
      switch (t.type) {
        case 'responder': {
          const u = users.get(t.id);
          return u && u.service_id === a.service_id ? u.display_name : en.escalationUnknownResponder;
        }
        case 'group':
          return groups.get(t.id) ?? t.id;
        case 'on_shift':
          return en.escalationOnShift(groups.get(t.groupId) ?? t.groupId);
        case 'phone':
          return t.label;
        case 'emergency_contact':
          return en.escalationEmergencyContact;
        case 'handoff':
          return en.escalationAlarmCentre;
        default:
          return t satisfies never;
      }
    };
    out.set(
      a.id,
      escalationState(
        a,
        chains.get(a.id)!,
        jobs.filter((j) => j.alert_id === a.id),
        label,
      ),
    );
  }
  return out;
}
