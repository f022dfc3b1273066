// Targets: the keys stored on notifications (`responder:<id>`, `phone:<e164>`, `emergency_contact`, `handoff:<id>`),
// and who a chain step's targets are at the moment it runs.
import type { Clock } from '../clock.js';
import type { AlertRow, Repos } from '../store/index.js';
import { targetKey, type ChainSnapshot, type ChainStep, type Channel, type StepAt } from './chain.js';
import { onShiftNow } from './rota.js';

/** External phone targets are shown by their last digits only: responders see who, not the number. */
export function maskTarget(target: unknown): unknown {
  return typeof target === 'string' && target.startsWith('phone:') ? `phone:…${target.slice(-3)}` : target;
}

/** A step's target as it is when the step runs. */
export interface ResolvedTarget {
  key: string;
  userId: string | null;
  phone: string | null;
  /** a responder marked off duty: skipped (contacts who are not users are always paged) */
  offDuty: boolean;
  /** a hand-off target: the alarm centre's endpoint id (paged on the handoff channel only) */
  endpointId?: string;
}

/**
 * A hand-off target is paged on the handoff channel only, whatever the step's channels; everyone
 * else on the step's channels but that one.
 */
export function channelsFor(target: ResolvedTarget, channels: readonly Channel[]): Channel[] {
  if (target.endpointId !== undefined) return ['handoff'];
  return channels.filter((c) => c !== 'handoff');
}

/** The step's targets, each once: group and on-shift members from the alert's snapshot (plus, on a repeat, who came on shift). */
export async function resolveTargets(
  d: { repos: Repos; clock: Clock },
  at: StepAt,
  chain: ChainSnapshot,
  alert: AlertRow,
): Promise<ResolvedTarget[]> {
  const step: ChainStep = at.step;
  const out = new Map<string, ResolvedTarget>();
  // A repeat pass (cycle > 0) also pages whoever has come on shift since the alert started.
  const rotaGroups = [...new Set(step.targets.flatMap((t) => (t.type === 'on_shift' ? [t.groupId] : [])))];
  const nowOnShift = at.cycle > 0 && rotaGroups.length > 0 ? await onShiftNow(d.repos, alert.service_id, rotaGroups, d.clock.now()) : null;
  const responder = async (id: string) => {
    const key = `responder:${id}`;
    if (out.has(key)) return;
    const u = await d.repos.userById(id);
    // A disabled account is unreachable: the step moves on instead of waiting on them.
    if (!u || u.service_id !== alert.service_id || u.disabled_at !== null) out.set(key, { key, userId: null, phone: null, offDuty: false });
    else out.set(key, { key, userId: u.id, phone: u.phone, offDuty: u.on_duty !== 1 });
  };
  for (const t of step.targets) {
    switch (t.type) {
      case 'responder':
        await responder(t.id);
        break;
      case 'group':
        // Members as they were when the alert started (part of the snapshot).
        for (const id of chain.groups[t.id] ?? []) await responder(id);
        break;
      case 'on_shift':
        // Who was on shift when the alert started (the snapshot), plus, on a repeat, whoever is on now.
        for (const id of chain.onShift[t.groupId] ?? []) await responder(id);
        for (const id of nowOnShift?.get(t.groupId) ?? []) await responder(id);
        break;
      case 'phone':
        out.set(targetKey(t), { key: targetKey(t), userId: null, phone: t.phone, offDuty: false });
        break;
      case 'emergency_contact': {
        const w = await d.repos.wearerById(alert.wearer_id);
        out.set(targetKey(t), { key: targetKey(t), userId: null, phone: w?.emergency_contact_phone ?? null, offDuty: false });
        break;
      }
      case 'handoff':
        out.set(targetKey(t), { key: targetKey(t), userId: null, phone: null, offDuty: false, endpointId: t.id });
        break;
      default:
        t satisfies never;
    }
  }
  return [...out.values()];
}
