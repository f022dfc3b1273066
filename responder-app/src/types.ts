// Shapes of the API answers the app reads (server/src/alerts/view.ts and http/routes-*.ts).
export interface User { id: string; username: string; role: 'admin' | 'responder'; displayName: string; serviceId: string }
export interface Alert {
  id: string; wearerId: string; wearerAlias: string; state: string; score: number; reasons: string[];
  createdAt: string; updatedAt: string; attendingResponderId: string | null; news2: number | null; outcome: string | null;
  acknowledgedAt?: string | null; attendingContact?: string | null; arrivedAt?: string | null;
  /** on open alerts: where the call chain stands (docs/api.md) */
  escalation?: Escalation;
}
export interface NoticeItem {
  id: string; at: string; kind: 'chain_exhausted' | 'consent' | 'technical'; wearerId: string | null; alertId: string | null;
  alias: string | null; count: number; data: Record<string, unknown>;
}
export interface Escalation { step: number; steps: number; nextAt: string | null; next: string[]; ackTimeoutAt: string | null; exhausted: boolean }
export type TimelineItem = { at: string; type: string } & Record<string, unknown>;
export type AlertDetail = Alert & { note: string | null; timeline: TimelineItem[] };
export interface AlertContext {
  alertId: string; wearer: { alias: string; address: string | null; accessNotes: string | null }; room: string | null;
  emergencyNumber: string; serviceName: string; servicePhone?: string | null; onsetAt: string; now: string;
}
export interface VitalsWindow {
  from: number; to: number; alertAt: number; now: number;
  vitals: { t: number; hr: number | null; spo2: number | null; rr: number | null }[];
}
export type LiveMsg =
  | { type: 'hello'; alerts: Alert[]; paged?: string[] }
  /** `by` and `name` on change `declined`: the user id (or masked target) of who cannot go, and their name */
  | { type: 'alert'; change: string; alert: Alert; by?: string; name?: string }
  | { type: 'page'; alert: Alert; step: number }
  | { type: 'technical'; wearerId: string; deviceId: string; issue: string; detail: string; at: string }
  | { type: 'consent'; wearerId: string; alias: string; change: string; state: string; via: string; at: string; pausedUntil: string | null }
  | { type: 'notice'; notice: NoticeItem }
  | { type: 'error'; error: { code: string; message: string } };
export const OPEN_STATES = new Set(['pending_checkin', 'escalating', 'acknowledged']);
