// Fixtures of the store contract suites (server/src/store/*.contract.test.ts, on SQLite and PostgreSQL):
// one service `svc` with one wearer `w1`, and alert rows of that wearer.
import type { Repos } from '../../server/src/store/repos.js';
import type { AlertState } from '../../server/src/store/schema.js';

export const CONTRACT_T = Date.UTC(2026, 0, 1, 12);

/** Service `svc` and its wearer `w1` (consent active, no chain). */
export async function seedWearer(r: Repos): Promise<void> {
  await r.insertService({ id: 'svc', name: 'S', emergency_number: '999', created_at: CONTRACT_T });
  await r.insertWearer({
    id: 'w1',
    service_id: 'svc',
    alias: 'W',
    address: null,
    access_notes: null,
    phone: null,
    emergency_contact_phone: null,
    chain_id: null,
    consent: 'active',
    thresholds: null,
    created_at: CONTRACT_T,
  });
}

/** An alert row of `w1` with an empty chain snapshot, escalation token 0. */
export function alertRow(id: string, state: AlertState = 'escalating', at = CONTRACT_T) {
  return {
    id,
    service_id: 'svc',
    wearer_id: 'w1',
    state,
    score: 90,
    reasons: '[]',
    news2: null,
    chain_snapshot: '{"steps":[],"repeat":0,"groups":{}}',
    escalation_token: 0,
    attending_responder_id: null,
    outcome: null,
    note: null,
    created_at: at,
    updated_at: at,
    closed_at: null,
  };
}
