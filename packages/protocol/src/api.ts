// The HTTP and live-feed answers the responder app reads (docs/api.md), as types only. They live here,
// beside the device protocol, because both sides import them: the server's producers (alerts/view.ts,
// escalation/state.ts, alerts/live.ts, alerts/notices.ts, the routes) are typed against them and the app's
// src/types.ts re-exports them, so a field changed on one side fails `tsc` on the other. The one value
// here is the list of outcomes a responder records, which the server validates and the app offers.

export type AlertState = 'pending_checkin' | 'escalating' | 'acknowledged' | 'resolved' | 'cancelled';

/** What a responder records when closing an alert (`POST /api/alerts/:id/resolve` `outcome`). */
export const OUTCOMES = [
  'overdose_naloxone_given',
  'overdose_ambulance',
  'wearer_ok',
  'false_alarm_sensor',
  'no_one_found',
  'other',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** An alert as every answer shows it: the contract fields first, extra context after. */
export interface AlertSummary {
  id: string;
  wearerId: string;
  state: AlertState;
  score: number;
  reasons: string[];
  createdAt: string;
  attendingResponderId: string | null;
  updatedAt: string;
  news2: number | null;
  wearerAlias: string;
  outcome: string | null;
  acknowledgedAt: string | null;
  arrivedAt: string | null;
  /** label of an external phone contact who acknowledged by SMS */
  attendingContact: string | null;
}

/** The `escalation` object on alerts (docs/api.md); the console shows the same names. */
export interface EscalationView {
  /** 0-based chain position last paged (0 before anyone is paged) */
  step: number;
  /** positions in the chain: steps x (repeat + 1), plus the final step */
  steps: number;
  /** when the next position is paged (ISO), or null when none is scheduled */
  nextAt: string | null;
  /** display names or labels of the next position's targets */
  next: string[];
  /** when the attending responder's not-arrived timeout starts the chain again (ISO), or null */
  ackTimeoutAt: string | null;
  /** no position left to page and nobody acknowledged */
  exhausted: boolean;
}

/** `GET /api/alerts` and the live hello: open alerts carry where the call chain stands. */
export type AlertListItem = AlertSummary & { escalation?: EscalationView };

/** One timeline entry: its time and type, then the entry's own data (phone targets masked). */
export type TimelineItem = { at: string; type: string } & Record<string, unknown>;

/** `GET /api/alerts/:id` */
export type AlertDetail = AlertSummary & { escalation: EscalationView; note: string | null; timeline: TimelineItem[] };

/** A stored admin notice (`GET /api/admin/notices`, live `notice`). */
export interface NoticeView {
  id: string;
  at: string;
  kind: 'chain_exhausted' | 'consent' | 'technical';
  wearerId: string | null;
  alertId: string | null;
  alias: string | null;
  count: number;
  data: Record<string, unknown>;
}

/** What the live hub fans out to the users allowed to see it. */
export type LiveEvent =
  /** `by` (change `declined`): the user id, or the masked target, of who said they cannot go */
  | { type: 'alert'; change: string; alert: AlertSummary; by?: string; name?: string }
  /** the user is being called by an escalation step: the app sounds its alarm */
  | { type: 'page'; alert: AlertSummary; step: number }
  | { type: 'technical'; wearerId: string; deviceId: string; issue: string; detail: string; at: string }
  /** a wearer's consent changed (opt-in, opt-out, pause, resume): told to the service's admins at once */
  | { type: 'consent'; wearerId: string; alias: string; change: string; state: string; via: string; at: string; pausedUntil: string | null }
  /** a stored admin notice (new or repeated), with the id an admin dismisses it by */
  | { type: 'notice'; notice: NoticeView }
  /** a TEST page (POST /api/me/test-page): the app shows that it arrived; never an alert, nothing to do */
  | { type: 'test_page'; at: string };

/** Every message on `/api/live`: the hub's events, the catch-up hello, and the answer to a bad client message. */
export type LiveMsg =
  | LiveEvent
  /** `paged`: the open alerts this user was paged for and has not answered */
  | { type: 'hello'; alerts: AlertListItem[]; paged: string[] }
  | { type: 'error'; error: { code: string; message: string } };

/** The signed-in user (`POST /api/auth/login` `user`, `GET /api/me` `user`). */
export interface User {
  id: string;
  username: string;
  role: 'admin' | 'responder';
  displayName: string;
  serviceId: string;
}

/** `GET /api/alerts/:id/context`: what a responder needs to go. */
export interface AlertContext {
  alertId: string;
  wearer: { alias: string; address: string | null; accessNotes: string | null };
  room: string | null;
  emergencyNumber: string;
  serviceName: string;
  servicePhone: string | null;
  onsetAt: string;
  now: string;
}

/** `GET /api/alerts/:id/vitals`: the chart window (epoch ms) around the alert. */
export interface VitalsWindow {
  from: number;
  to: number;
  alertAt: number;
  now: number;
  vitals: { t: number; hr: number | null; spo2: number | null; rr: number | null; onBody: boolean | null }[];
  presence: { t: number; deviceId: string; occupied: boolean | null; motion: number | null }[];
}

/** One row of the console's alert history (`GET /api/admin/alerts`), with its response times. */
export interface HistoryRow {
  id: string;
  wearerId: string;
  wearerAlias: string;
  state: string;
  outcome: string | null;
  score: number;
  news2: number | null;
  reasons: string[];
  createdAt: string;
  /** when responders were first called (the alert left the wearer check-in) */
  escalatedAt: string | null;
  acknowledgedAt: string | null;
  arrivedAt: string | null;
  closedAt: string | null;
  attending: string | null;
  secondsToAcknowledge: number | null;
  secondsToArrive: number | null;
}

/** The console dashboard figures (`GET /api/admin/stats`). */
export interface Stats {
  weeks: { weekStart: string; alerts: number; checkinsOnly: number }[];
  totalAlerts: number;
  medianSecondsToAcknowledge: number | null;
  medianSecondsToArrive: number | null;
  resolved: number;
  falseAlarms: number;
  /** false alarms / resolved alerts, 0..1; null with nothing resolved */
  falseAlarmShare: number | null;
  outcomes: Record<string, number>;
}

export type ReadinessKey = 'consent' | 'devices' | 'chain' | 'responders';
/** Whether a wearer is covered (`GET /api/admin/wearers/:id/readiness`): one item per key. */
export interface Readiness {
  wearerId: string;
  alias: string;
  ready: boolean;
  items: { key: ReadinessKey; ok: boolean; detail: string }[];
}
/** `GET /api/admin/readiness`: every wearer, with the keys not ready. */
export interface ReadinessSummary {
  wearerId: string;
  alias: string;
  ready: boolean;
  problems: ReadinessKey[];
}

// ---- the console's admin answers (views/admin.ts) ----

export type ConsentState = 'pending' | 'active' | 'paused' | 'opted_out';
export type DeviceKind = 'wearable' | 'room' | 'door' | 'button' | 'gateway';
export type Role = 'admin' | 'responder';

/** A person monitored (`GET /api/admin/wearers`, `GET|POST|PATCH /api/admin/wearers/:id`). */
export interface WearerView {
  id: string;
  alias: string;
  address: string | null;
  accessNotes: string | null;
  phone: string | null;
  emergencyContactPhone: string | null;
  chainId: string | null;
  consent: ConsentState;
  responderIds: string[];
  createdAt: string;
}

/** A registered device (`GET /api/admin/devices`, `GET|PATCH /api/admin/devices/:id`; `POST` adds its one-time `secret`). */
export interface DeviceView {
  id: string;
  kind: DeviceKind;
  wearerId: string | null;
  /** where a room sensor is ("Bathroom"), shown to responders */
  room: string | null;
  online: boolean;
  battery: number | null;
  lastSeenAt: string | null;
  createdAt: string;
}

/** A user of the service as the console lists them (`GET /api/admin/users`, `POST|PATCH /api/admin/users/:id`). */
export interface AdminUserView {
  id: string;
  username: string;
  role: Role;
  displayName: string;
  phone: string | null;
  onDuty: boolean;
  disabled: boolean;
}

/** A responder group (`GET /api/admin/groups`, `GET|POST|PUT /api/admin/groups/:id`). */
export interface GroupView {
  id: string;
  name: string;
  memberIds: string[];
  createdAt: string;
  updatedAt: string;
}

/** The service's settings (`GET|PATCH /api/admin/service`). */
export interface ServiceSettings {
  id: string;
  name: string;
  emergencyNumber: string;
  phone: string | null;
  defaultCountry: string;
}

/** A wearer's consent as stored (`POST /api/admin/wearers/:id/pause` and `/resume`). */
export interface ConsentView {
  wearerId: string;
  state: ConsentState;
  version: string | null;
  changedAt: string | null;
  pausedUntil: string | null;
}

/** One entry of a wearer's consent log, oldest first; the event's own data fields follow. */
export interface ConsentEventView {
  at: string;
  type: string;
  via: string;
  [k: string]: unknown;
}

/** `GET /api/admin/wearers/:id/consent`: the consent, when the live personal link was made, and the log. */
export interface ConsentDetail extends ConsentView {
  linkIssuedAt: string | null;
  events: ConsentEventView[];
}

/** The wearer's own consent page (`POST /api/consent/lookup` and `/act`, by their personal link). */
export interface ConsentInfo extends ConsentView {
  alias: string;
  serviceName: string;
  /** the version of the consent text the page shows now */
  currentVersion: string;
}

/** The no-login page behind the link in a page SMS (`GET /api/page/:token`, `POST .../ack`, `.../decline`). */
export interface PageInfo {
  alertId: string;
  state: AlertState;
  alias: string;
  address: string | null;
  accessNotes: string | null;
  reason: string;
  createdAt: string;
  /** who is going (a responder's name or a contact's label), if anyone */
  attending: string | null;
  youAreAttending: boolean;
  youDeclined: boolean;
  emergencyNumber: string;
  serviceName: string;
  /** when the link stops working */
  expiresAt: string;
}

/** `POST /api/me/test-page`, `POST /api/admin/users/:id/test-page`: one result per method of the channel registry. */
export interface TestPageAnswer {
  userId: string;
  at: string;
  results: { channel: string; label: string; status: 'delivered' | 'sent' | 'failed' | 'not_set_up'; detail: string }[];
}
