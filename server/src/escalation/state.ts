// Where an alert's escalation stands, read from its stored jobs and chain snapshot: the step now paging,
// who is called next and when, the attending responder's arrival deadline, and an exhausted chain.
import type { EscalationView } from '@odart/protocol/api';
import type { AlertRow, JobRow } from '../store/index.js';
import { positionCount, stepAt, type ChainSnapshot, type ChainTarget } from './chain.js';

/** The `escalation` object on alerts (docs/api.md): its shape is the app's too. */
export type { EscalationView };

const iso = (ms: number) => new Date(ms).toISOString();
const live = (j: JobRow) => j.state === 'pending' || j.state === 'running';

/**
 * Pure: `jobs` are all of the alert's jobs (any token). Jobs under an older token were fenced, but the
 * newest step that ran under any token is still the step the responders last heard from.
 */
export function escalationState(
  alert: Pick<AlertRow, 'state' | 'escalation_token'>,
  chain: ChainSnapshot,
  jobs: readonly JobRow[],
  label: (t: ChainTarget) => string,
): EscalationView {
  const mine = jobs.filter((j) => j.token === alert.escalation_token);
  const ran = jobs.filter((j) => j.kind === 'step' && (j.state === 'done' || j.state === 'running'));
  const lastToken = ran.reduce((m, j) => Math.max(m, j.token), -1);
  const step = ran.filter((j) => j.token === lastToken).reduce((m, j) => Math.max(m, j.step_index), 0);
  const targets = (position: number) => [...new Set((stepAt(chain, position)?.step.targets ?? []).map(label))];
  const view: EscalationView = { step, steps: positionCount(chain), nextAt: null, next: [], ackTimeoutAt: null, exhausted: false };
  switch (alert.state) {
    case 'pending_checkin':
      // Nobody is paged during the check-in; the detector (not a job) decides when it ends.
      return { ...view, step: 0, next: targets(0) };
    case 'escalating': {
      const pending = mine.filter((j) => j.kind === 'step' && j.state === 'pending').sort((a, b) => a.step_index - b.step_index)[0];
      if (pending) return { ...view, nextAt: iso(pending.due_at), next: targets(pending.step_index) };
      // The first reminder is due when the last position's wait is over: from then on, nobody is left.
      const reminded = mine.some((j) => j.kind === 'reminder' && (j.step_index > 0 || j.state === 'running' || j.state === 'done'));
      return { ...view, exhausted: reminded && !mine.some((j) => j.kind === 'step' && live(j)) };
    }
    case 'acknowledged': {
      const timeout = mine.find((j) => j.kind === 'ack_timeout' && j.state === 'pending');
      return { ...view, ackTimeoutAt: timeout ? iso(timeout.due_at) : null };
    }
    case 'resolved':
    case 'cancelled':
      return view;
    default:
      return alert.state satisfies never;
  }
}
