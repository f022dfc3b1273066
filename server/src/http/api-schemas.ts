// The answer shapes of the HTTP API as zod schemas, for the OpenAPI document (openapi.ts): each is
// held to its TypeScript type in @odart/protocol/api at compile time (ResponseTypesMatch below), so
// the document cannot drift from what the producers are typed to return.
import type {
  AdminUserView,
  AlertContext,
  AlertDetail,
  AlertListItem,
  AlertSummary,
  CalibrationView,
  ConsentDetail,
  ConsentInfo,
  ConsentView,
  DeviceView,
  EscalationView,
  GroupView,
  HistoryRow,
  KitView,
  NearbyKit,
  NoticeView,
  OnCallView,
  PageInfo,
  Readiness,
  ReadinessSummary,
  RotaView,
  RotaWarningsView,
  ServiceSettings,
  Stats,
  TestPageAnswer,
  TimelineItem,
  User,
  VitalsWindow,
  WearerView,
} from '@odart/protocol/api';
import { z } from 'zod';
import { ERRORS } from '../errors.js';

/** Every named shape, by its component name in the document. */
export const SCHEMAS = z.registry<{ id: string }>();
export const SCHEMA_NAMES = new Set<string>();
const named = <T extends z.ZodType>(id: string, schema: T): T => {
  SCHEMAS.add(schema, { id });
  SCHEMA_NAMES.add(id);
  return schema;
};

/** An ISO 8601 UTC timestamp, as every answer gives times. */
const iso = named('Timestamp', z.iso.datetime());
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const ALERT_STATES = ['pending_checkin', 'escalating', 'acknowledged', 'resolved', 'cancelled'] as const;
const CONSENT_STATES = ['pending', 'active', 'paused', 'opted_out'] as const;
const HOLDERS = ['responder', 'box', 'pharmacy'] as const;

export const ERROR_SCHEMA = z.object({
  error: z.object({
    code: z.enum(Object.keys(ERRORS) as [keyof typeof ERRORS, ...(keyof typeof ERRORS)[]]),
    message: z.string(),
    /** validation errors: a message per bad field */
    fields: z.record(z.string(), z.string()).optional(),
  }),
});

export const user = named(
  'User',
  z.object({ id: z.string(), username: z.string(), role: z.enum(['admin', 'responder']), displayName: z.string(), serviceId: z.string() }),
);
export const userAnswer = z.object({ user });
export const ok = named('Ok', z.object({ ok: z.literal(true) }));

export const alertSummary = named(
  'AlertSummary',
  z.object({
    id: z.string(),
    wearerId: z.string(),
    state: z.enum(ALERT_STATES),
    score: z.number(),
    reasons: z.array(z.string()),
    createdAt: iso,
    attendingResponderId: z.string().nullable(),
    updatedAt: iso,
    news2: z.number().nullable(),
    wearerAlias: z.string(),
    outcome: z.string().nullable(),
    acknowledgedAt: iso.nullable(),
    arrivedAt: iso.nullable(),
    attendingContact: z.string().nullable(),
  }),
);
export const escalationView = named(
  'EscalationView',
  z.object({
    step: z.number().int(),
    steps: z.number().int(),
    nextAt: iso.nullable(),
    next: z.array(z.string()),
    ackTimeoutAt: iso.nullable(),
    exhausted: z.boolean(),
  }),
);
export const alertListItem = named('AlertListItem', alertSummary.extend({ escalation: escalationView.optional() }));
export const timelineItem = named('TimelineItem', z.object({ at: iso, type: z.string() }).catchall(z.unknown()));
export const alertDetail = named(
  'AlertDetail',
  alertSummary.extend({ escalation: escalationView, note: z.string().nullable(), timeline: z.array(timelineItem) }),
);

export const nearbyKit = named(
  'NearbyKit',
  z.object({
    id: z.string(),
    name: z.string(),
    holder: z.enum(HOLDERS),
    address: z.string().nullable(),
    accessNotes: z.string().nullable(),
    expiresOn: day,
    distanceM: z.number().min(0),
    directions: z.string().regex(/^geo:/),
  }),
);
export const alertContext = named(
  'AlertContext',
  z.object({
    alertId: z.string(),
    wearer: z.object({ alias: z.string(), address: z.string().nullable(), accessNotes: z.string().nullable() }),
    room: z.string().nullable(),
    emergencyNumber: z.string(),
    serviceName: z.string(),
    servicePhone: z.string().nullable(),
    onsetAt: iso,
    now: iso,
    nearestKits: z.array(nearbyKit).max(3),
    kitCarriers: z.array(z.object({ userId: z.string(), name: z.string(), kitName: z.string() })),
    located: z.boolean(),
  }),
);
export const vitalsWindow = named(
  'VitalsWindow',
  z.object({
    from: z.number(),
    to: z.number(),
    alertAt: z.number(),
    now: z.number(),
    vitals: z.array(
      z.object({
        t: z.number(),
        hr: z.number().nullable(),
        spo2: z.number().nullable(),
        rr: z.number().nullable(),
        onBody: z.boolean().nullable(),
      }),
    ),
    presence: z.array(z.object({ t: z.number(), deviceId: z.string(), occupied: z.boolean().nullable(), motion: z.number().nullable() })),
  }),
);

export const kitView = named(
  'KitView',
  z.object({
    id: z.string(),
    name: z.string(),
    holder: z.enum(HOLDERS),
    holderUserId: z.string().nullable(),
    holderName: z.string().nullable(),
    address: z.string().nullable(),
    latitude: z.number().nullable(),
    longitude: z.number().nullable(),
    accessNotes: z.string().nullable(),
    expiresOn: day,
    daysLeft: z.number().int(),
    expiring: z.boolean(),
  }),
);

export const wearerView = named(
  'WearerView',
  z.object({
    id: z.string(),
    alias: z.string(),
    address: z.string().nullable(),
    accessNotes: z.string().nullable(),
    phone: z.string().nullable(),
    emergencyContactPhone: z.string().nullable(),
    chainId: z.string().nullable(),
    consent: z.enum(CONSENT_STATES),
    responderIds: z.array(z.string()),
    createdAt: iso,
    location: z.object({ latitude: z.number(), longitude: z.number() }).nullable(),
  }),
);
export const deviceView = named(
  'DeviceView',
  z.object({
    id: z.string(),
    kind: z.enum(['wearable', 'room', 'door', 'button', 'gateway']),
    wearerId: z.string().nullable(),
    room: z.string().nullable(),
    online: z.boolean(),
    battery: z.number().nullable(),
    lastSeenAt: iso.nullable(),
    createdAt: iso,
  }),
);
/** POST /api/admin/devices: the device and its secret, shown this once. */
export const deviceCreated = named('DeviceCreated', deviceView.extend({ secret: z.string() }));
export const adminUserView = named(
  'AdminUserView',
  z.object({
    id: z.string(),
    username: z.string(),
    role: z.enum(['admin', 'responder']),
    displayName: z.string(),
    phone: z.string().nullable(),
    onDuty: z.boolean(),
    disabled: z.boolean(),
  }),
);
export const groupView = named(
  'GroupView',
  z.object({ id: z.string(), name: z.string(), memberIds: z.array(z.string()), createdAt: iso, updatedAt: iso }),
);
export const chainView = named(
  'ChainView',
  z.object({
    id: z.string(),
    name: z.string(),
    /** the chain as stored (docs/escalation.md) */
    definition: z.unknown(),
    wearerIds: z.array(z.string()),
    phones: z.array(z.object({ phone: z.string(), label: z.string(), verified: z.boolean() })),
    createdAt: iso,
    updatedAt: iso,
  }),
);
export const serviceSettings = named(
  'ServiceSettings',
  z.object({
    id: z.string(),
    name: z.string(),
    emergencyNumber: z.string(),
    phone: z.string().nullable(),
    defaultCountry: z.string(),
    timeZone: z.string(),
  }),
);
export const noticeView = named(
  'NoticeView',
  z.object({
    id: z.string(),
    at: iso,
    kind: z.enum(['chain_exhausted', 'consent', 'technical']),
    wearerId: z.string().nullable(),
    alertId: z.string().nullable(),
    alias: z.string().nullable(),
    count: z.number().int(),
    data: z.record(z.string(), z.unknown()),
  }),
);
const readinessKey = z.enum(['consent', 'monitoring', 'devices', 'chain', 'responders']);
export const readiness = named(
  'Readiness',
  z.object({
    wearerId: z.string(),
    alias: z.string(),
    ready: z.boolean(),
    items: z.array(z.object({ key: readinessKey, ok: z.boolean(), detail: z.string() })),
  }),
);
export const readinessSummary = named(
  'ReadinessSummary',
  z.object({ wearerId: z.string(), alias: z.string(), ready: z.boolean(), problems: z.array(readinessKey) }),
);
export const historyRow = named(
  'HistoryRow',
  z.object({
    id: z.string(),
    wearerId: z.string(),
    wearerAlias: z.string(),
    state: z.string(),
    outcome: z.string().nullable(),
    score: z.number(),
    news2: z.number().nullable(),
    reasons: z.array(z.string()),
    createdAt: iso,
    escalatedAt: iso.nullable(),
    acknowledgedAt: iso.nullable(),
    arrivedAt: iso.nullable(),
    closedAt: iso.nullable(),
    attending: z.string().nullable(),
    secondsToAcknowledge: z.number().nullable(),
    secondsToArrive: z.number().nullable(),
  }),
);
export const stats = named(
  'Stats',
  z.object({
    weeks: z.array(z.object({ weekStart: z.string(), alerts: z.number().int(), checkinsOnly: z.number().int() })),
    totalAlerts: z.number().int(),
    medianSecondsToAcknowledge: z.number().nullable(),
    medianSecondsToArrive: z.number().nullable(),
    resolved: z.number().int(),
    falseAlarms: z.number().int(),
    falseAlarmShare: z.number().min(0).max(1).nullable(),
    outcomes: z.record(z.string(), z.number()),
  }),
);
export const consentView = named(
  'ConsentView',
  z.object({
    wearerId: z.string(),
    state: z.enum(CONSENT_STATES),
    version: z.string().nullable(),
    changedAt: iso.nullable(),
    pausedUntil: iso.nullable(),
  }),
);
export const consentDetail = named(
  'ConsentDetail',
  consentView.extend({
    linkIssuedAt: iso.nullable(),
    events: z.array(z.object({ at: iso, type: z.string(), via: z.string() }).catchall(z.unknown())),
  }),
);
export const consentInfo = named(
  'ConsentInfo',
  consentView.extend({
    alias: z.string(),
    serviceName: z.string(),
    monitoring: z.object({ monitored: z.boolean(), lastAt: iso.nullable() }),
    currentVersion: z.string(),
  }),
);
export const pageInfo = named(
  'PageInfo',
  z.object({
    alertId: z.string(),
    state: z.enum(ALERT_STATES),
    alias: z.string(),
    address: z.string().nullable(),
    accessNotes: z.string().nullable(),
    reason: z.string(),
    createdAt: iso,
    attending: z.string().nullable(),
    youAreAttending: z.boolean(),
    youDeclined: z.boolean(),
    emergencyNumber: z.string(),
    serviceName: z.string(),
    expiresAt: iso,
  }),
);
const rotaWarning = z.object({ userId: z.string(), name: z.string(), problem: z.string() });
const interval = z.object({ start: iso, end: iso });
export const rotaOverride = named(
  'RotaOverride',
  z.object({
    id: z.string(),
    userId: z.string(),
    replacesUserId: z.string().nullable(),
    start: iso,
    end: iso,
    note: z.string().nullable(),
  }),
);
export const rotaView = named(
  'RotaView',
  z.object({
    groupId: z.string(),
    timeZone: z.string(),
    shifts: z.array(z.object({ userId: z.string(), weekday: z.number().int().min(1).max(7), start: z.string(), end: z.string() })),
    overrides: z.array(rotaOverride),
  }),
);
export const onCallView = named(
  'OnCallView',
  z.object({
    groupId: z.string(),
    groupName: z.string(),
    timeZone: z.string(),
    from: iso,
    to: iso,
    hasRota: z.boolean(),
    now: z.array(z.string()),
    segments: z.array(interval.extend({ userIds: z.array(z.string()) })),
    gaps: z.array(interval),
    unreachable: z.array(rotaWarning),
    names: z.record(z.string(), z.string()),
  }),
);
export const rotaWarningsView = named(
  'RotaWarningsView',
  z.object({ groupId: z.string(), groupName: z.string(), gaps: z.array(interval), unreachable: z.array(rotaWarning) }),
);
/** `GET|PUT /api/admin/wearers/:id/thresholds`: the defaults, the wearer's overrides and what applies (docs/detection.md). */
export const thresholdsView = named(
  'ThresholdsView',
  z.object({
    wearerId: z.string(),
    defaults: z.record(z.string(), z.unknown()),
    overrides: z.record(z.string(), z.unknown()),
    effective: z.record(z.string(), z.unknown()),
  }),
);
export const calibrationView = named(
  'CalibrationView',
  z.object({
    wearerId: z.string(),
    running: z.boolean(),
    room: z.array(
      z.object({
        deviceId: z.string(),
        moving: z.number().nullable(),
        still: z.number().nullable(),
        samples: z.number().int(),
        learnt: z.boolean(),
        factor: z.number(),
        warning: z.string().nullable(),
      }),
    ),
    baselines: z.object({ rr: z.number().nullable(), spo2: z.number().nullable(), hr: z.number().nullable() }),
  }),
);
export const testPageAnswer = named(
  'TestPageAnswer',
  z.object({
    testPageId: z.string(),
    userId: z.string(),
    at: iso,
    results: z.array(
      z.object({
        channel: z.string(),
        label: z.string(),
        status: z.enum(['delivered', 'sent', 'failed', 'not_set_up', 'confirmed']),
        detail: z.string(),
      }),
    ),
  }),
);
export const handoffEndpointView = named(
  'HandoffEndpoint',
  z.object({
    id: z.string(),
    name: z.string(),
    url: z.string(),
    format: z.enum(['json', 'cap']),
    /** always masked: `••••` and the last 4 characters */
    secret: z.string().regex(/^••••/),
    webhookPath: z.string().regex(/^\/webhooks\/handoff\//),
    createdAt: iso,
    updatedAt: iso,
  }),
);
export const outboxMessage = named('OutboxMessage', z.object({ sid: z.string(), to: z.string(), body: z.string(), at: iso }));
export const channelInfo = named('ChannelInfo', z.object({ id: z.string(), label: z.string(), fallbackOnly: z.literal(true).optional() }));

/** Two types are the same when each is assignable to the other. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
type Out<S extends z.ZodType> = z.output<S>;
/** Fails `tsc` when a schema above and its type in @odart/protocol/api disagree. */
export type ResponseTypesMatch = [
  Assert<Same<Out<typeof user>, User>>,
  Assert<Same<Out<typeof alertSummary>, AlertSummary>>,
  Assert<Same<Out<typeof escalationView>, EscalationView>>,
  Assert<Same<Out<typeof alertListItem>, AlertListItem>>,
  Assert<Same<Out<typeof timelineItem>, TimelineItem>>,
  Assert<Same<Out<typeof alertDetail>, AlertDetail>>,
  Assert<Same<Out<typeof nearbyKit>, NearbyKit>>,
  Assert<Same<Out<typeof alertContext>, AlertContext>>,
  Assert<Same<Out<typeof vitalsWindow>, VitalsWindow>>,
  Assert<Same<Out<typeof kitView>, KitView>>,
  Assert<Same<Out<typeof wearerView>, WearerView>>,
  Assert<Same<Out<typeof deviceView>, DeviceView>>,
  Assert<Same<Out<typeof adminUserView>, AdminUserView>>,
  Assert<Same<Out<typeof groupView>, GroupView>>,
  Assert<Same<Out<typeof serviceSettings>, ServiceSettings>>,
  Assert<Same<Out<typeof noticeView>, NoticeView>>,
  Assert<Same<Out<typeof readiness>, Readiness>>,
  Assert<Same<Out<typeof readinessSummary>, ReadinessSummary>>,
  Assert<Same<Out<typeof historyRow>, HistoryRow>>,
  Assert<Same<Out<typeof stats>, Stats>>,
  Assert<Same<Out<typeof consentView>, ConsentView>>,
  Assert<Same<Out<typeof consentDetail>, ConsentDetail>>,
  Assert<Same<Out<typeof consentInfo>, ConsentInfo>>,
  Assert<Same<Out<typeof pageInfo>, PageInfo>>,
  Assert<Same<Out<typeof rotaView>, RotaView>>,
  Assert<Same<Out<typeof onCallView>, OnCallView>>,
  Assert<Same<Out<typeof rotaWarningsView>, RotaWarningsView>>,
  Assert<Same<Out<typeof calibrationView>, CalibrationView>>,
  Assert<Same<Out<typeof testPageAnswer>, TestPageAnswer>>,
];
