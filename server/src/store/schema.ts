// Database row types for kysely. Times are integer milliseconds since the Unix epoch; JSON columns are text.
import type { Generated } from 'kysely';

export type Role = 'admin' | 'responder';
export type DeviceKind = 'wearable' | 'room' | 'door' | 'button' | 'gateway';
export type ConsentState = 'pending' | 'active' | 'paused' | 'opted_out';
export type AlertState = 'pending_checkin' | 'escalating' | 'acknowledged' | 'resolved' | 'cancelled';
export const OPEN_ALERT_STATES: readonly AlertState[] = ['pending_checkin', 'escalating', 'acknowledged'];

export interface ServicesTable {
  id: string;
  name: string;
  emergency_number: string;
  created_at: number;
  /** 0011_alert_view: the service's phone line responders may call from the alarm screen */
  phone?: string | null;
  /** 0012_console_notices: ISO 3166 country national phone numbers are read in */
  default_country?: string;
  /** 0020_rotas: IANA time zone of the service's rotas (null: Europe/London) */
  time_zone?: string | null;
}

export interface UsersTable {
  id: string;
  service_id: string;
  username: string;
  password_hash: string;
  role: Role;
  display_name: string;
  phone: string | null;
  on_duty: number;
  created_at: number;
  /** 0007_users_security: set while the account is disabled (no sign-in, no sessions, not paged) */
  disabled_at: number | null;
}

export interface WearersTable {
  id: string;
  service_id: string;
  alias: string;
  address: string | null;
  access_notes: string | null;
  phone: string | null;
  emergency_contact_phone: string | null;
  chain_id: string | null;
  consent: ConsentState;
  thresholds: string | null;
  created_at: number;
  /** 0005_console: version of the consent text the wearer agreed to */
  consent_version?: string | null;
  consent_changed_at?: number | null;
  /** while paused: when monitoring resumes by itself */
  paused_until?: number | null;
  pause_reminded?: number;
  /** 0023_naloxone_kits: the home as a point (WGS 84 degrees), for the nearest naloxone kits; null = not given */
  latitude?: number | null;
  longitude?: number | null;
}

export interface WearerRespondersTable {
  wearer_id: string;
  user_id: string;
}

export interface DevicesTable {
  id: string;
  service_id: string;
  wearer_id: string | null;
  kind: DeviceKind;
  secret_hash: string;
  last_seen_at: number | null;
  battery: number | null;
  online: number;
  created_at: number;
  /** 0005_console: where a room sensor is ("Bathroom"), shown to responders */
  room?: string | null;
  /** 0027_test_pages: when the core last sent it the `monitoring` command (health/monitoring.ts) */
  monitored_at?: number | null;
}

export interface ChainsTable {
  id: string;
  service_id: string;
  name: string;
  definition: string;
  created_at: number;
  updated_at: number;
}

export interface AlertsTable {
  id: string;
  service_id: string;
  wearer_id: string;
  state: AlertState;
  score: number;
  reasons: string;
  news2: number | null;
  chain_snapshot: string;
  /** fencing token: only the escalation job carrying this token may act */
  escalation_token: number;
  attending_responder_id: string | null;
  outcome: string | null;
  note: string | null;
  created_at: number;
  updated_at: number;
  closed_at: number | null;
  /** 0003_escalation */
  acknowledged_at: Generated<number | null>;
  arrived_at: Generated<number | null>;
  /** label of an external phone contact who acknowledged by SMS (they have no user id) */
  attending_contact: Generated<string | null>;
}

export interface AlertTimelineTable {
  id: Generated<number>;
  alert_id: string;
  at: number;
  type: string;
  data: string;
}

export interface EscalationJobsTable {
  id: string;
  alert_id: string;
  step_index: number;
  due_at: number;
  token: number;
  state: JobState;
  created_at: number;
  /** 0003_escalation */
  kind: Generated<JobKind>;
  attempts: Generated<number>;
  claimed_at: Generated<number | null>;
  lease_until: Generated<number | null>;
  finished_at: Generated<number | null>;
}

export type JobState = 'pending' | 'running' | 'done' | 'cancelled';
/**
 * step: run a chain position; ack_timeout: attending has not arrived; reminder: chain exhausted, keep
 * telling admins; seen_check: text the responders whose app did not see a step's page (no migration: kind is text)
 */
export type JobKind = 'step' | 'ack_timeout' | 'reminder' | 'seen_check';
/** queued -> sending -> sent | retry | failed; cancelled when fenced before sending */
export type NotificationState = 'queued' | 'sending' | 'sent' | 'retry' | 'failed' | 'cancelled';
/** page: part of an escalation step (fenced by the token); info: told others, replies, surveys */
export type NotificationKind = 'page' | 'info';

export interface NotificationsTable {
  id: string;
  idempotency_key: string;
  alert_id: string;
  step_index: number;
  target: string;
  channel: string;
  provider_id: string | null;
  status: string;
  error_code: string | null;
  created_at: number;
  updated_at: number;
  /** 0003_escalation */
  state: Generated<NotificationState>;
  kind: Generated<NotificationKind>;
  token: Generated<number>;
  priority: Generated<number>;
  attempts: Generated<number>;
  to_addr: Generated<string | null>;
  user_id: Generated<string | null>;
  body: Generated<string | null>;
  next_attempt_at: Generated<number | null>;
  lease_until: Generated<number | null>;
}

export interface NotificationAttemptsTable {
  id: Generated<number>;
  notification_id: string;
  attempt: number;
  provider_id: string | null;
  result: string;
  error_code: string | null;
  at: number;
}

export interface ResponderGroupsTable {
  id: string;
  service_id: string;
  name: string;
  created_at: number;
  updated_at: number;
}

/** 0020_rotas: one weekly shift of a group's rota (ISO weekday, local minutes; end <= start crosses midnight) */
export interface RotaShiftsTable {
  id: string;
  group_id: string;
  user_id: string;
  weekday: number;
  start_min: number;
  end_min: number;
  created_at: number;
}

/** 0020_rotas: someone on shift in a group for [start_at, end_at), replacing `replaces_user_id` when set */
export interface RotaOverridesTable {
  id: string;
  group_id: string;
  user_id: string;
  replaces_user_id: string | null;
  start_at: number;
  end_at: number;
  note: string | null;
  created_at: number;
}

export interface ResponderGroupMembersTable {
  group_id: string;
  user_id: string;
}

export interface FakeCallsTable {
  sid: string;
  to: string;
  from: string;
  twiml: string;
  status_callback: string | null;
  at: number;
  /** 0008_sms_security: whose message it is (scoped outbox, erasure); null for rows from before */
  service_id?: string | null;
  wearer_id?: string | null;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  created_at: number;
  expires_at: number;
}

export interface FakeOutboxTable {
  sid: string;
  to: string;
  from: string;
  body: string;
  status_callback: string | null;
  at: number;
  /** 0008_sms_security: whose message it is (scoped outbox, erasure); null for rows from before */
  service_id?: string | null;
  wearer_id?: string | null;
}

/** 0008_sms_security: someone paged said they cannot go (target key as in notifications) */
export interface AlertDeclinesTable {
  alert_id: string;
  target: string;
  user_id: string | null;
  at: number;
}

/** 0008_sms_security: an external chain number must confirm by SMS before it is paged */
export interface PhoneVerificationsTable {
  service_id: string;
  phone: string;
  label: string;
  code: string;
  state: 'pending' | 'verified';
  requested_at: number;
  verified_at: number | null;
}

/** 0008_sms_security: the numbered choice a number was asked to make by SMS (JSON options) */
export interface SmsChoicesTable {
  addr: string;
  action: string;
  options: string;
  expires_at: number;
}

export interface InboundWebhooksTable {
  /** MessageSid + status: a repeated webhook is recognised and ignored */
  sid: string;
  kind: string;
  at: number;
}

/** A gateway may publish for each device listed against it (migration 0002_gateways). */
export interface GatewayDevicesTable {
  gateway_id: string;
  device_id: string;
  created_at: number;
}

/** 0009_device_registry: a deleted device's id stays reserved for the service that had it */
export interface DeviceTombstonesTable {
  device_id: string;
  service_id: string;
  deleted_at: number;
}

/** 0006_vitals_blocks: raw samples of consenting wearers in blocks (store/vitals.ts), purged after VITALS_RETENTION_DAYS */
export interface VitalsBlocksTable {
  id: Generated<number>;
  wearer_id: string;
  device_id: string;
  stream: 'vitals' | 'presence';
  /** times in `samples` are relative to t0 */
  t0: number;
  t_min: number;
  t_max: number;
  /** samples in the block */
  n: number;
  /** JSON array, flat: [dt, hr, spo2, rr, activity, onBody] per vitals sample, [dt, occupied, motion] per presence sample */
  samples: string;
}

/** 0030_detector_snapshots: one wearer's detector snapshot (store/snapshots.ts, detection/snapshot.ts) */
export interface DetectorSnapshotsTable {
  wearer_id: string;
  /** the snapshot format (SNAPSHOT_VERSION); another version is ignored on restore */
  version: number;
  /** when it was taken: readings up to here were learnt */
  at: number;
  /** JSON of what the rules learnt */
  data: string;
  /** the fencing epoch of the core that wrote it (0: the embedded single node) */
  epoch: number;
}

/** 0005_console (replaced by vitals_blocks in 0006, kept for the migration) */
export interface VitalsTable {
  id: Generated<number>;
  wearer_id: string;
  device_id: string;
  stream: 'vitals' | 'presence';
  t: number;
  hr: number | null;
  spo2: number | null;
  rr: number | null;
  activity: number | null;
  on_body: number | null;
  occupied: number | null;
  motion: number | null;
}

/** 0005_console: personal consent links; only the SHA-256 of the token is stored */
export interface ConsentTokensTable {
  id: string;
  wearer_id: string;
  created_at: number;
}

/** 0005_console: append-only log of a wearer's consent choices */
export interface ConsentEventsTable {
  id: Generated<number>;
  wearer_id: string;
  service_id: string;
  at: number;
  type: string;
  via: string;
  data: string;
}

/** 0007_users_security: a browser that signed in as the user before; only the SHA-256 of its token is stored */
export interface LoginDevicesTable {
  id: string;
  user_id: string;
  created_at: number;
  last_used_at: number;
}

/** 0012_console_notices: what the service's admins must see, kept until one of them dismisses it */
export interface NoticesTable {
  id: string;
  service_id: string;
  at: number;
  kind: 'chain_exhausted' | 'consent' | 'technical';
  wearer_id: string | null;
  alert_id: string | null;
  /** one open notice per key: a repeat updates `at` and `count` */
  dedup_key: string;
  count: Generated<number>;
  data: string;
  dismissed_at: number | null;
  dismissed_by: string | null;
}

/** 0027_test_pages: one method's result of a test page, moved on by the provider's status callbacks (store/test-pages.ts) */
export interface TestPageResultsTable {
  id: string;
  test_page_id: string;
  /** the person tested */
  user_id: string;
  /** who sent it: the person themselves or an admin */
  requested_by: string;
  channel: string;
  label: string;
  /** the provider's id of the text or call (Twilio's MessageSid / CallSid); null when nothing was sent */
  provider_id: string | null;
  status: 'delivered' | 'sent' | 'failed' | 'not_set_up' | 'confirmed';
  detail: string;
  created_at: number;
  updated_at: number;
}

/** 0018_push_subscriptions: a user's Web Push subscriptions (the browser's PushSubscription JSON), store/push.ts */
export interface PushSubscriptionsTable {
  user_id: string;
  /** the push service URL (https), the key: one browser registration belongs to one user */
  endpoint: string;
  /** the browser's P-256 public key and auth secret (base64url), for RFC 8291 payload encryption */
  p256dh: string;
  auth: string;
  created_at: number;
  last_ok_at: number | null;
  /** consecutive failed sends since the last one the push service accepted */
  failures: Generated<number>;
}

/** Who holds a naloxone kit: a responder carries it, a box or a pharmacy stays where it is. */
export type KitHolder = 'responder' | 'box' | 'pharmacy';

/** 0023_naloxone_kits: a service's naloxone kits, store/kits.ts */
export interface NaloxoneKitsTable {
  id: string;
  service_id: string;
  name: string;
  holder: KitHolder;
  /** the responder who carries it (holder 'responder'), else null */
  holder_user_id: string | null;
  address: string | null;
  /** where it is (WGS 84 degrees); a box or a pharmacy has one, a carried kit need not */
  latitude: number | null;
  longitude: number | null;
  access_notes: string | null;
  /** the date printed on the kit, YYYY-MM-DD */
  expires_on: string;
  created_at: number;
}

/** The core lease (0019): one row (id 1); see store/lease.ts. */
export interface CoreLeaseTable {
  id: number;
  holder: string | null;
  epoch: number;
  acquired_at: number;
  renewed_at: number;
  expires_at: number;
}

/** 0022_handoff: an alarm centre's hand-off endpoint (store/handoff.ts) */
export interface HandoffEndpointsTable {
  id: string;
  service_id: string;
  name: string;
  /** https (http only to localhost outside production) */
  url: string;
  /** the HMAC-SHA256 key of both directions; never returned by the API after creation */
  secret: string;
  format: 'json' | 'cap';
  created_at: number;
  updated_at: number;
}

export interface DB {
  naloxone_kits: NaloxoneKitsTable;
  core_lease: CoreLeaseTable;
  handoff_endpoints: HandoffEndpointsTable;
  push_subscriptions: PushSubscriptionsTable;
  test_page_results: TestPageResultsTable;
  login_devices: LoginDevicesTable;
  notices: NoticesTable;
  vitals_blocks: VitalsBlocksTable;
  detector_snapshots: DetectorSnapshotsTable;
  consent_tokens: ConsentTokensTable;
  consent_events: ConsentEventsTable;
  inbound_webhooks: InboundWebhooksTable;
  services: ServicesTable;
  users: UsersTable;
  wearers: WearersTable;
  wearer_responders: WearerRespondersTable;
  devices: DevicesTable;
  chains: ChainsTable;
  alerts: AlertsTable;
  alert_timeline: AlertTimelineTable;
  escalation_jobs: EscalationJobsTable;
  notifications: NotificationsTable;
  sessions: SessionsTable;
  fake_outbox: FakeOutboxTable;
  gateway_devices: GatewayDevicesTable;
  notification_attempts: NotificationAttemptsTable;
  responder_groups: ResponderGroupsTable;
  responder_group_members: ResponderGroupMembersTable;
  rota_shifts: RotaShiftsTable;
  rota_overrides: RotaOverridesTable;
  fake_calls: FakeCallsTable;
  device_tombstones: DeviceTombstonesTable;
  alert_declines: AlertDeclinesTable;
  phone_verifications: PhoneVerificationsTable;
  sms_choices: SmsChoicesTable;
}
