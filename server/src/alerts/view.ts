// API views of alerts: the contract fields first, extra context after. The shapes are the app's too (@odart/protocol/api).
import type { AlertSummary, TimelineItem } from '@odart/protocol/api';
import { maskTarget } from '../escalation/targets.js';
import type { AlertRow, TimelineEntry } from '../store/index.js';

export type { AlertSummary };

export function alertSummary(a: AlertRow, wearerAlias: string): AlertSummary {
  return {
    id: a.id,
    wearerId: a.wearer_id,
    state: a.state,
    score: a.score,
    reasons: JSON.parse(a.reasons) as string[],
    createdAt: new Date(a.created_at).toISOString(),
    attendingResponderId: a.attending_responder_id,
    updatedAt: new Date(a.updated_at).toISOString(),
    news2: a.news2,
    wearerAlias,
    outcome: a.outcome,
    acknowledgedAt: a.acknowledged_at == null ? null : new Date(a.acknowledged_at).toISOString(),
    arrivedAt: a.arrived_at == null ? null : new Date(a.arrived_at).toISOString(),
    attendingContact: a.attending_contact ?? null,
  };
}

// Target keys are escalation's; the masking rule lives with them (the dispatcher's log uses it too).
export { maskTarget };

export function timelineView(entries: TimelineEntry[]): TimelineItem[] {
  return entries.map((e) => {
    const data: Record<string, unknown> = { ...e.data };
    if ('target' in data) data.target = maskTarget(data.target);
    if (Array.isArray(data.targets)) data.targets = data.targets.map(maskTarget);
    if (typeof data.by === 'string' && data.by.startsWith('phone:')) data.by = maskTarget(data.by);
    return { at: new Date(e.at).toISOString(), type: e.type, ...data };
  });
}
