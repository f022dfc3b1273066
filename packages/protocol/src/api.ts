// The HTTP and live-feed answers the responder app reads (docs/api.md), and the escalation chain schema
// the console writes. They live here, beside the device protocol, because both sides import them: the
// server's producers (alerts/view.ts, escalation/state.ts, alerts/live.ts, alerts/notices.ts, the routes)
// are typed against them and the app's src/types.ts re-exports them, so a field changed on one side fails
// `tsc` on the other. The values here are the list of outcomes a responder records, which the server
// validates and the app offers, a chain target's key, and the chain's zod schema (./chain.ts), which the
// server validates with; the app takes only that schema's types, so zod stays out of its bundle.
import type { ChainDefinition, ChainTarget, ChannelId } from './chain.js';

export * from './chain.js';

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
  | { type: 'test_page'; at: string }
  /** a test page's method moved on (a provider's status callback, the person confirmed the test push): to the person and who sent it */
  | { type: 'test_page_result'; testPageId: string; userId: string; result: TestPageResult };

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
  /** the three nearest unexpired kits with a place, nearest first (empty when the wearer's home has no point) */
  nearestKits: NearbyKit[];
  /** responders of the service carrying an unexpired kit */
  kitCarriers: { userId: string; name: string; kitName: string }[];
  /** whether the wearer's home is given as a point (else no distances can be shown) */
  located: boolean;
}

/** Who holds a naloxone kit: a responder carries it, a box or a pharmacy stays where it is. */
export type KitHolder = 'responder' | 'box' | 'pharmacy';

/** A naloxone kit near the alert (`GET /api/alerts/:id/context` `nearestKits`). */
export interface NearbyKit {
  id: string;
  name: string;
  holder: KitHolder;
  address: string | null;
  accessNotes: string | null;
  expiresOn: string;
  /** straight-line distance from the wearer's home, metres */
  distanceM: number;
  /** `geo:` URI of the kit (RFC 5870), for directions in the phone's maps app */
  directions: string;
}

/** A service's kit (`/api/admin/kits`). */
export interface KitView {
  id: string;
  name: string;
  holder: KitHolder;
  holderUserId: string | null;
  holderName: string | null;
  address: string | null;
  latitude: number | null;
  longitude: number | null;
  accessNotes: string | null;
  /** YYYY-MM-DD */
  expiresOn: string;
  /** whole days from today (the service's clock, UTC) to the expiry date; negative once expired */
  daysLeft: number;
  /** expired, or expires within 30 days */
  expiring: boolean;
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

export type ReadinessKey = 'consent' | 'monitoring' | 'devices' | 'chain' | 'responders';
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
  /** the home as a point (WGS 84 degrees) for the nearest naloxone kits; null = not given */
  location: { latitude: number; longitude: number } | null;
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
  /** IANA time zone of the rotas (0020_rotas; Europe/London until set) */
  timeZone: string;
}

/** One weekly shift of a group's rota: ISO weekday (1 = Monday), local "HH:MM" start and end (end <= start crosses midnight). */
export interface RotaShiftView {
  userId: string;
  weekday: number;
  start: string;
  end: string;
}

/** Someone on shift for an absolute interval, replacing `replacesUserId` when set. */
export interface RotaOverrideView {
  id: string;
  userId: string;
  replacesUserId: string | null;
  start: string;
  end: string;
  note: string | null;
}

/** A group's rota (`GET|PUT /api/admin/groups/:id/rota`); overrides that have not ended. */
export interface RotaView {
  groupId: string;
  timeZone: string;
  shifts: RotaShiftView[];
  overrides: RotaOverrideView[];
}

/** A rota member who could not be paged: no phone, no push subscription and not signed in; or disabled, or off duty. */
export interface RotaWarning {
  userId: string;
  name: string;
  problem: string;
}

/** Who is on shift (`GET /api/admin/groups/:id/on-call?from&days`): consecutive intervals; gaps have nobody. */
export interface OnCallView {
  groupId: string;
  groupName: string;
  timeZone: string;
  from: string;
  to: string;
  /** whether the group has a rota at all (without one every interval is a gap, and none is reported) */
  hasRota: boolean;
  now: string[];
  segments: { start: string; end: string; userIds: string[] }[];
  gaps: { start: string; end: string }[];
  unreachable: RotaWarning[];
  /** display names of everyone named */
  names: Record<string, string>;
}

/** The rota warnings of the service (`GET /api/admin/rota-warnings`, dashboard): groups with gaps or unreachable members in the next 7 days. */
export interface RotaWarningsView {
  groupId: string;
  groupName: string;
  gaps: { start: string; end: string }[];
  unreachable: RotaWarning[];
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

/**
 * Whether a wearer is monitored now: the core told one of their devices so (the minutely `monitoring`
 * command, sent only while the core is healthy and their consent active) within NOT_MONITORED_AFTER_MS.
 */
export interface MonitoringView {
  monitored: boolean;
  /** when the core last told one of their devices; null: never */
  lastAt: string | null;
}

/** The wearer's own consent page (`POST /api/consent/lookup` and `/act`, by their personal link). */
export interface ConsentInfo extends ConsentView {
  alias: string;
  serviceName: string;
  /** whether the core is watching them now (issue 16.4): the wearer must never believe so when it is not */
  monitoring: MonitoringView;
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

/** One room sensor's learnt motion scale (`GET /api/admin/wearers/:id/calibration`). */
export interface RoomScaleView {
  deviceId: string;
  /** the sensor's own levels while occupied: moving and still (null: not enough readings of that state yet) */
  moving: number | null;
  still: number | null;
  /** occupied readings seen since the server started */
  samples: number;
  /** false: still learning, the reference scale (the thresholds table) is used */
  learnt: boolean;
  /** readings are divided by this before the stillness lines apply (1 until learnt) */
  factor: number;
  /** the scale looks wrong (e.g. no spread between moving and still): check the sensor's placement */
  warning: string | null;
}

/** What the detector has learnt about a wearer (`GET /api/admin/wearers/:id/calibration`); null baselines: not learnt yet. */
export interface CalibrationView {
  wearerId: string;
  /** false: no data from this wearer's devices since the server started (nothing learnt yet) */
  running: boolean;
  room: RoomScaleView[];
  baselines: { rr: number | null; spo2: number | null; hr: number | null };
}

/** `POST /api/me/test-page`, `POST /api/admin/users/:id/test-page`: one result per method of the channel registry. */
export interface TestPageAnswer {
  /** the test page's id: the live `test_page_result` messages and the push's confirmation name it */
  testPageId: string;
  userId: string;
  at: string;
  results: TestPageResult[];
}

/**
 * One method's result of a test page. `sent` moves on as the provider reports (status callbacks:
 * "SMS delivered", "Phone call failed: number unreachable"); `confirmed`: the person pressed
 * Acknowledge on the test push notification.
 */
export interface TestPageResult {
  channel: string;
  label: string;
  status: 'delivered' | 'sent' | 'failed' | 'not_set_up' | 'confirmed';
  detail: string;
}

// ---- call chains (the schema and its types are in ./chain.ts) ----

/** One key per target of a chain ("responder:sam", "on_shift:nights"): a step names a target once. */
export function targetKey(t: ChainTarget): string {
  switch (t.type) {
    case 'responder':
      return `responder:${t.id}`;
    case 'group':
      return `group:${t.id}`;
    case 'phone':
      return `phone:${t.phone}`;
    case 'emergency_contact':
      return 'emergency_contact';
    case 'on_shift':
      return `on_shift:${t.groupId}`;
    case 'handoff':
      return `handoff:${t.id}`;
    default:
      return t satisfies never;
  }
}

/** A chain (`GET /api/admin/chains`, `GET|POST|PUT /api/admin/chains/:id`). */
export interface ChainView {
  id: string;
  name: string;
  /** as it was stored (it passed the chain schema then); fields the console does not show are kept */
  definition: ChainDefinition;
  /** the people monitored whose chain it is */
  wearerIds: string[];
  /** external numbers and whether they confirmed (an unconfirmed one is skipped by escalation) */
  phones: { phone: string; label: string; verified: boolean }[];
  createdAt: string;
  updatedAt: string;
}

/** A channel the server runs (`GET /api/channels`); the chain editor offers exactly these. */
export interface ChannelView {
  id: ChannelId;
  /** English name, for the console when it has no translation of its own */
  label: string;
  /** may only be a step's fallback channel (none of today's channels is) */
  fallbackOnly?: boolean;
}

/** An alarm centre's hand-off endpoint (`GET|POST|PUT /api/admin/handoff-endpoints/:id`); the secret comes back masked. */
export interface HandoffEndpointView {
  id: string;
  name: string;
  url: string;
  format: 'json' | 'cap';
  /** "••••" and the secret's last four characters */
  secret: string;
  /** where the centre answers (POST, signed the same way) */
  webhookPath: string;
  createdAt: string;
  updatedAt: string;
}
