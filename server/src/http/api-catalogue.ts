// Every route of the HTTP API, once: method, path, domain tag, who may call it, and the zod schemas its
// handler validates the request with (imported from the route files themselves) and its answer's shape
// (api-schemas.ts). openapi.ts turns this list into the OpenAPI document; test/openapi.int.test.ts holds
// it to the routes the running server registers, both ways, so a route cannot be added undescribed.
import { z } from 'zod';
import { thresholdsSchema } from '../detection/index.js';
import { overrideSchema } from '../escalation/rota.js';
import { handoffAnswerSchema, smsForm, statusForm, voiceForm } from '../notify/index.js';
import * as s from './api-schemas.js';
import { passwordBody } from './routes-accounts.js';
import { deviceCreate, userCreate, wearerCreate, wearerPatch } from './routes-admin.js';
import { ackBody, resolveBody } from './routes-alerts.js';
import { loginBody } from './routes-auth.js';
import { bulkCreate, bulkDelete } from './routes-bulk.js';
import { chainBody, groupBody, wearerChainBody } from './routes-chains.js';
import { actBody, lookupBody } from './routes-consent.js';
import { historyQuery, linkBody, pauseBody, roomBody, statsQuery, userPatch } from './routes-console.js';
import { createBody as handoffCreate, updateBody as handoffUpdate } from './routes-handoff.js';
import { kitCreate, kitPatch } from './routes-kits.js';
import { tokenParam } from './routes-page.js';
import { pushSubscriptionBody, unsubscribeBody } from './routes-push.js';
import { vitalsQuery } from './routes-responder.js';
import { onCallQuery, overrideParams, rotaBody } from './routes-rotas.js';
import { servicePatch } from './routes-service.js';
import { idParam } from './session.js';

/** One tag per domain (the folder under server/src/ that owns what the routes do). */
export const TAGS = [
  { name: 'auth', description: 'Sign-in, sessions and the caller (auth/, http/session.ts)' },
  { name: 'alerts', description: 'Alerts, their timeline and context, the live feed, no-login page links (alerts/)' },
  { name: 'escalation', description: 'Escalation chains, responder groups, rotas (escalation/)' },
  { name: 'wearers', description: 'Enrolment of wearers and devices, thresholds, calibration, readiness (wearers/, detection/)' },
  { name: 'accounts', description: 'Users of the service: responders and admins (store/users.ts, auth/)' },
  { name: 'consent', description: "Wearers' consent, by the console and by their personal link (consent/)" },
  { name: 'notify', description: 'Channels, Web Push subscriptions, test pages, the fake SMS outbox (notify/)' },
  { name: 'handoff', description: 'Alarm-centre hand-off endpoints and their signed answers (notify/handoff/)' },
  { name: 'kits', description: 'Naloxone kits of the service (http/kits.ts)' },
  { name: 'console', description: 'Service settings, notices, alert history and figures for the admin console' },
  { name: 'webhooks', description: 'Signed provider callbacks (notify/twilio/, notify/handoff/)' },
  { name: 'ops', description: 'Health, metrics, MQTT over WebSocket and this description (health/, metrics.ts, broker/)' },
] as const;
export type Tag = (typeof TAGS)[number]['name'];

/** Who may call a route (openapi.ts turns it into security requirements and a sentence). */
export type Access = 'anyone' | 'session' | 'admin' | 'pageLink' | 'consentLink' | 'metrics' | 'twilio' | 'handoff';

export interface RouteDoc {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** the fastify pattern (`/api/alerts/:id`); `{mqttWsPath}` is the configured MQTT_WS_PATH */
  path: string;
  tag: Tag;
  summary: string;
  description?: string;
  access: Access;
  params?: z.ZodType;
  query?: z.ZodType;
  /** a JSON request body */
  body?: z.ZodType;
  /** a form-encoded request body (Twilio) */
  form?: z.ZodType;
  /** the success answer: status, and its schema (none: not described beyond its media type) */
  ok: { status: 200 | 201 | 204; description: string; schema?: z.ZodType; type?: string };
  /** error statuses beyond those implied by access and validation */
  errors?: number[];
  /** a WebSocket upgrade */
  websocket?: true;
}

/** The routes of one domain, each tagged with it. */
const inDomain = (tag: Tag, routes: Omit<RouteDoc, 'tag'>[]): RouteDoc[] => routes.map((r) => ({ ...r, tag }));
const json = (schema: z.ZodType, description = 'OK'): RouteDoc['ok'] => ({ status: 200, description, schema });
const created = (schema: z.ZodType, description = 'Created'): RouteDoc['ok'] => ({ status: 201, description, schema });
const none: RouteDoc['ok'] = { status: 204, description: 'Done, no content' };
const list = (schema: z.ZodType) => z.array(schema);
const id = idParam;

const auth = inDomain('auth', [
  {
    method: 'POST',
    path: '/api/auth/login',
    access: 'anyone',
    summary: 'Sign in',
    body: loginBody,
    ok: json(s.userAnswer, 'Signed in: the session cookie is set'),
    errors: [401, 429],
  },
  {
    method: 'POST',
    path: '/api/auth/logout',
    access: 'anyone',
    summary: 'End this session (and close its live sockets)',
    ok: json(s.ok),
  },
  {
    method: 'POST',
    path: '/api/auth/logout-everywhere',
    access: 'session',
    summary: 'End every session of the caller, on every device',
    ok: json(s.ok),
  },
  { method: 'GET', path: '/api/me', access: 'session', summary: 'The caller', ok: json(s.userAnswer) },
  {
    method: 'GET',
    path: '/api/directory',
    access: 'session',
    summary: "Display names of the service's people",
    ok: json(list(z.object({ id: z.string(), displayName: z.string(), role: z.enum(['admin', 'responder']) }))),
  },
]);

const alerts = inDomain('alerts', [
  {
    method: 'GET',
    path: '/api/alerts',
    access: 'session',
    summary: 'Alerts the caller may see, newest first',
    description: 'Open alerts carry `escalation`.',
    ok: json(list(s.alertListItem)),
  },
  {
    method: 'GET',
    path: '/api/alerts/:id',
    access: 'session',
    summary: 'One alert with its timeline and escalation',
    params: id,
    ok: json(s.alertDetail),
  },
  {
    method: 'POST',
    path: '/api/alerts/:id/ack',
    access: 'session',
    summary: 'Acknowledge: the first becomes attending',
    params: id,
    body: ackBody,
    ok: json(z.object({ alert: s.alertSummary, attending: z.boolean() }), 'The alert, and whether the caller became attending'),
    errors: [409],
  },
  {
    method: 'POST',
    path: '/api/alerts/:id/seen',
    access: 'session',
    summary: "The app showed this user's page (no reminder SMS follows)",
    params: id,
    ok: json(z.object({ seen: z.boolean() })),
  },
  {
    method: 'POST',
    path: '/api/alerts/:id/decline',
    access: 'session',
    summary: "I can't go",
    params: id,
    ok: json(s.alertSummary),
    errors: [409],
  },
  {
    method: 'POST',
    path: '/api/alerts/:id/arrived',
    access: 'session',
    summary: 'The attending responder is with the wearer',
    params: id,
    ok: json(s.alertSummary),
    errors: [409],
  },
  {
    method: 'POST',
    path: '/api/alerts/:id/resolve',
    access: 'session',
    summary: 'Close with an outcome',
    params: id,
    body: resolveBody,
    ok: json(s.alertSummary),
    errors: [409],
  },
  {
    method: 'GET',
    path: '/api/alerts/:id/context',
    access: 'session',
    summary: 'What a responder needs to go: address, access notes, nearest naloxone kits',
    params: id,
    ok: json(s.alertContext),
  },
  {
    method: 'GET',
    path: '/api/alerts/:id/vitals',
    access: 'session',
    summary: 'The vitals window around the alert',
    params: id,
    query: vitalsQuery,
    ok: json(s.vitalsWindow),
  },
  {
    method: 'GET',
    path: '/api/live',
    access: 'session',
    websocket: true,
    summary: 'WebSocket: live alert events for the caller',
    description:
      '`hello` with the current list, then `alert`, `page`, `technical`, `consent`, `notice` and `test_page` messages (LiveMsg in @odart/protocol/api); the client may send `{"type":"seen","alertId"}`. Closed with 4401 when the session ends.',
    ok: { status: 200, description: 'Not sent: the request upgrades (101)' },
  },
  {
    method: 'GET',
    path: '/api/page/:token',
    access: 'pageLink',
    summary: 'One alert as the recipient of a page SMS sees it',
    params: tokenParam,
    ok: json(s.pageInfo),
    errors: [404],
  },
  {
    method: 'POST',
    path: '/api/page/:token/ack',
    access: 'pageLink',
    summary: 'Going, as that recipient',
    params: tokenParam,
    ok: json(s.pageInfo),
    errors: [409],
  },
  {
    method: 'POST',
    path: '/api/page/:token/decline',
    access: 'pageLink',
    summary: "Can't go, as that recipient",
    params: tokenParam,
    ok: json(s.pageInfo),
    errors: [409],
  },
]);

const escalation = inDomain('escalation', [
  {
    method: 'GET',
    path: '/api/admin/chains',
    access: 'admin',
    summary: 'Escalation chains of the service',
    ok: json(list(s.chainView)),
  },
  {
    method: 'POST',
    path: '/api/admin/chains',
    access: 'admin',
    summary: 'Add a chain (external numbers are asked to confirm by SMS)',
    body: chainBody,
    ok: created(s.chainView),
  },
  {
    method: 'GET',
    path: '/api/admin/chains/:id',
    access: 'admin',
    summary: 'One chain',
    params: id,
    ok: json(s.chainView),
  },
  {
    method: 'PUT',
    path: '/api/admin/chains/:id',
    access: 'admin',
    summary: 'Replace a chain',
    params: id,
    body: chainBody,
    ok: json(s.chainView),
  },
  {
    method: 'DELETE',
    path: '/api/admin/chains/:id',
    access: 'admin',
    summary: 'Remove a chain no wearer uses',
    params: id,
    ok: none,
    errors: [409],
  },
  {
    method: 'GET',
    path: '/api/admin/groups',
    access: 'admin',
    summary: 'Responder groups',
    ok: json(list(s.groupView)),
  },
  {
    method: 'POST',
    path: '/api/admin/groups',
    access: 'admin',
    summary: 'Add a group',
    body: groupBody,
    ok: created(s.groupView),
  },
  {
    method: 'GET',
    path: '/api/admin/groups/:id',
    access: 'admin',
    summary: 'One group',
    params: id,
    ok: json(s.groupView),
  },
  {
    method: 'PUT',
    path: '/api/admin/groups/:id',
    access: 'admin',
    summary: 'Replace a group',
    params: id,
    body: groupBody,
    ok: json(s.groupView),
  },
  {
    method: 'DELETE',
    path: '/api/admin/groups/:id',
    access: 'admin',
    summary: 'Remove a group no chain names',
    params: id,
    ok: none,
    errors: [409],
  },
  {
    method: 'PUT',
    path: '/api/admin/wearers/:id/chain',
    access: 'admin',
    summary: "Assign a wearer's escalation chain",
    params: id,
    body: wearerChainBody,
    ok: json(z.object({ id: z.string(), chainId: z.string().nullable() })),
  },
  {
    method: 'GET',
    path: '/api/admin/groups/:id/rota',
    access: 'admin',
    summary: "The group's weekly rota and overrides that have not ended",
    params: id,
    ok: json(s.rotaView),
  },
  {
    method: 'PUT',
    path: '/api/admin/groups/:id/rota',
    access: 'admin',
    summary: "Replace the group's weekly rota",
    params: id,
    body: rotaBody,
    ok: json(s.rotaView),
  },
  {
    method: 'POST',
    path: '/api/admin/groups/:id/rota/overrides',
    access: 'admin',
    summary: 'Add an override',
    params: id,
    // times are wall-clock times of the service's time zone (the route reads them there); the shape does not depend on it
    body: overrideSchema('UTC'),
    ok: created(z.union([s.rotaOverride, z.object({ id: z.string() })]), 'The override (only its id when it has already ended)'),
  },
  {
    method: 'DELETE',
    path: '/api/admin/groups/:id/rota/overrides/:overrideId',
    access: 'admin',
    summary: 'Remove an override',
    params: overrideParams,
    ok: none,
  },
  {
    method: 'GET',
    path: '/api/admin/groups/:id/on-call',
    access: 'admin',
    summary: 'Who is on shift from `from` for `days`',
    params: id,
    query: onCallQuery,
    ok: json(s.onCallView),
  },
  {
    method: 'GET',
    path: '/api/admin/rota-warnings',
    access: 'admin',
    summary: 'Groups whose next 7 days have gaps or members who cannot be paged',
    ok: json(list(s.rotaWarningsView)),
  },
]);

const wearers = inDomain('wearers', [
  {
    method: 'GET',
    path: '/api/admin/wearers',
    access: 'admin',
    summary: 'Wearers of the service',
    ok: json(list(s.wearerView)),
  },
  {
    method: 'POST',
    path: '/api/admin/wearers',
    access: 'admin',
    summary: 'Enrol a wearer',
    body: wearerCreate,
    ok: created(s.wearerView),
  },
  {
    method: 'GET',
    path: '/api/admin/wearers/:id',
    access: 'admin',
    summary: 'One wearer',
    params: id,
    ok: json(s.wearerView),
  },
  {
    method: 'PATCH',
    path: '/api/admin/wearers/:id',
    access: 'admin',
    summary: 'Change a wearer',
    params: id,
    body: wearerPatch,
    ok: json(s.wearerView),
  },
  {
    method: 'DELETE',
    path: '/api/admin/wearers/:id',
    access: 'admin',
    summary: 'Erase a wearer and their data',
    params: id,
    ok: none,
  },
  {
    method: 'POST',
    path: '/api/admin/wearers/bulk',
    access: 'admin',
    summary: 'Enrol many wearers with devices',
    body: bulkCreate,
    ok: created(
      z.object({
        wearers: z.array(
          z.object({
            id: z.string(),
            alias: z.string(),
            consent: z.string(),
            devices: z.array(z.object({ id: z.string(), kind: z.string(), secret: z.string() })),
          }),
        ),
      }),
    ),
    errors: [409, 413],
  },
  {
    method: 'POST',
    path: '/api/admin/wearers/bulk-delete',
    access: 'admin',
    summary: 'Erase many wearers (all or nothing)',
    body: bulkDelete,
    ok: json(z.object({ deleted: z.number().int() })),
    errors: [413],
  },
  {
    method: 'GET',
    path: '/api/admin/wearers/:id/thresholds',
    access: 'admin',
    summary: 'Per-wearer detection thresholds',
    params: id,
    ok: json(s.thresholdsView),
  },
  {
    method: 'PUT',
    path: '/api/admin/wearers/:id/thresholds',
    access: 'admin',
    summary: 'Replace the per-wearer threshold overrides',
    params: id,
    body: thresholdsSchema,
    ok: json(s.thresholdsView),
  },
  {
    method: 'GET',
    path: '/api/admin/wearers/:id/calibration',
    access: 'admin',
    summary: 'What the running detector has learnt',
    params: id,
    ok: json(s.calibrationView),
  },
  {
    method: 'GET',
    path: '/api/admin/wearers/:id/readiness',
    access: 'admin',
    summary: "A wearer's readiness checklist",
    params: id,
    ok: json(s.readiness),
  },
  {
    method: 'GET',
    path: '/api/admin/readiness',
    access: 'admin',
    summary: 'Readiness of every wearer',
    ok: json(list(s.readinessSummary)),
  },
  {
    method: 'GET',
    path: '/api/admin/devices',
    access: 'admin',
    summary: 'Devices of the service',
    ok: json(list(s.deviceView)),
  },
  {
    method: 'POST',
    path: '/api/admin/devices',
    access: 'admin',
    summary: 'Register a device (its secret is shown this once)',
    body: deviceCreate,
    ok: created(s.deviceCreated),
    errors: [409],
  },
  {
    method: 'GET',
    path: '/api/admin/devices/:id',
    access: 'admin',
    summary: 'One device',
    params: id,
    ok: json(s.deviceView),
  },
  {
    method: 'POST',
    path: '/api/admin/devices/:id/rotate',
    access: 'admin',
    summary: 'A new device secret (shown this once)',
    params: id,
    ok: json(z.object({ id: z.string(), secret: z.string() })),
  },
  { method: 'DELETE', path: '/api/admin/devices/:id', access: 'admin', summary: 'Remove a device', params: id, ok: none },
  {
    method: 'PUT',
    path: '/api/admin/devices/:id/room',
    access: 'admin',
    summary: 'Which room a device is in',
    params: id,
    body: roomBody,
    ok: json(z.object({ id: z.string(), room: z.string().nullable() })),
  },
]);

const userView = z.object({ id: z.string(), username: z.string(), disabled: z.boolean() });
const accounts = inDomain('accounts', [
  {
    method: 'GET',
    path: '/api/admin/users',
    access: 'admin',
    summary: 'Responders and admins of the service',
    ok: json(list(s.adminUserView)),
  },
  {
    method: 'POST',
    path: '/api/admin/users',
    access: 'admin',
    summary: 'Add a user (usernames are global)',
    body: userCreate,
    ok: created(s.adminUserView),
    errors: [409, 429],
  },
  {
    method: 'PATCH',
    path: '/api/admin/users/:id',
    access: 'admin',
    summary: 'Display name, phone, on duty',
    params: id,
    body: userPatch,
    ok: json(s.adminUserView.omit({ disabled: true })),
  },
  {
    method: 'POST',
    path: '/api/admin/users/:id/disable',
    access: 'admin',
    summary: 'Disable a user (sessions and sockets end)',
    params: id,
    ok: json(userView),
  },
  {
    method: 'POST',
    path: '/api/admin/users/:id/enable',
    access: 'admin',
    summary: 'Enable a user',
    params: id,
    ok: json(userView),
  },
  {
    method: 'POST',
    path: '/api/admin/users/:id/password',
    access: 'admin',
    summary: 'Set or generate a password (sessions end)',
    params: id,
    body: passwordBody,
    ok: json(userView.extend({ password: z.string().optional() }), 'The user; `password` only when generated'),
  },
  {
    method: 'POST',
    path: '/api/admin/users/:id/logout-everywhere',
    access: 'admin',
    summary: 'End every session of the user',
    params: id,
    ok: json(userView),
  },
]);

const consent = inDomain('consent', [
  {
    method: 'GET',
    path: '/api/admin/wearers/:id/consent',
    access: 'admin',
    summary: 'Consent state, link time and log',
    params: id,
    ok: json(s.consentDetail),
  },
  {
    method: 'POST',
    path: '/api/admin/wearers/:id/consent-link',
    access: 'admin',
    summary: 'A new personal opt-in link (shown once)',
    params: id,
    body: linkBody,
    ok: json(z.object({ url: z.string(), sent: z.boolean(), expiresAt: z.iso.datetime() })),
  },
  {
    method: 'POST',
    path: '/api/admin/wearers/:id/pause',
    access: 'admin',
    summary: 'Pause monitoring',
    params: id,
    body: pauseBody,
    ok: json(s.consentView),
  },
  {
    method: 'POST',
    path: '/api/admin/wearers/:id/resume',
    access: 'admin',
    summary: 'Resume monitoring',
    params: id,
    ok: json(s.consentView),
  },
  {
    method: 'POST',
    path: '/api/admin/wearers/:id/opt-out',
    access: 'admin',
    summary: 'Opt the wearer out',
    params: id,
    ok: json(s.consentView),
  },
  {
    method: 'GET',
    path: '/api/admin/wearers/:id/export',
    access: 'admin',
    summary: "Export of the wearer's data (a JSON attachment)",
    params: id,
    ok: { status: 200, description: 'The export', type: 'application/json' },
  },
  {
    method: 'POST',
    path: '/api/consent/lookup',
    access: 'consentLink',
    summary: 'Consent text version and state, by personal link',
    body: lookupBody,
    ok: json(s.consentInfo),
    errors: [404, 410],
  },
  {
    method: 'POST',
    path: '/api/consent/act',
    access: 'consentLink',
    summary: 'Opt in, pause, resume or opt out, by personal link',
    body: actBody,
    ok: json(s.consentInfo),
    errors: [404, 410],
  },
]);

const notify = inDomain('notify', [
  {
    method: 'GET',
    path: '/api/channels',
    access: 'session',
    summary: 'The channels the server runs, in order',
    ok: json(list(s.channelInfo)),
  },
  {
    method: 'GET',
    path: '/api/push/vapid-public-key',
    access: 'session',
    summary: "The server's VAPID public key",
    ok: json(z.object({ publicKey: z.string() })),
  },
  {
    method: 'POST',
    path: '/api/push/subscriptions',
    access: 'session',
    summary: "Store the browser's PushSubscription",
    body: pushSubscriptionBody,
    ok: created(s.ok),
  },
  {
    method: 'DELETE',
    path: '/api/push/subscriptions',
    access: 'session',
    summary: "Remove the caller's subscription with that endpoint",
    body: unsubscribeBody,
    ok: json(z.object({ removed: z.boolean() })),
  },
  {
    method: 'POST',
    path: '/api/me/test-page',
    access: 'session',
    summary: 'A TEST page to the caller through every channel',
    ok: json(s.testPageAnswer),
  },
  {
    method: 'POST',
    path: '/api/admin/users/:id/test-page',
    access: 'admin',
    summary: 'A TEST page to a person of the service',
    params: id,
    ok: json(s.testPageAnswer),
  },
  {
    method: 'POST',
    path: '/api/me/test-pages/:id/confirm',
    access: 'session',
    summary: "The person's Acknowledge on their test push: the push result becomes confirmed (404 for anyone else's test page)",
    params: id,
    ok: none,
  },
  {
    method: 'GET',
    path: '/api/outbox',
    access: 'admin',
    summary: 'Messages the fake SMS provider accepted (fake provider only)',
    ok: json(list(s.outboxMessage)),
  },
]);

const handoff = inDomain('handoff', [
  {
    method: 'GET',
    path: '/api/admin/handoff-endpoints',
    access: 'admin',
    summary: 'Hand-off endpoints of the service',
    ok: json(list(s.handoffEndpointView)),
  },
  {
    method: 'POST',
    path: '/api/admin/handoff-endpoints',
    access: 'admin',
    summary: 'Add an endpoint',
    body: handoffCreate,
    ok: created(s.handoffEndpointView),
  },
  {
    method: 'GET',
    path: '/api/admin/handoff-endpoints/:id',
    access: 'admin',
    summary: 'One endpoint',
    params: id,
    ok: json(s.handoffEndpointView),
  },
  {
    method: 'PUT',
    path: '/api/admin/handoff-endpoints/:id',
    access: 'admin',
    summary: 'Change an endpoint',
    params: id,
    body: handoffUpdate,
    ok: json(s.handoffEndpointView),
  },
  {
    method: 'DELETE',
    path: '/api/admin/handoff-endpoints/:id',
    access: 'admin',
    summary: 'Remove an endpoint no chain names',
    params: id,
    ok: json(s.ok),
    errors: [409],
  },
]);

const kits = inDomain('kits', [
  {
    method: 'GET',
    path: '/api/admin/kits',
    access: 'admin',
    summary: 'Naloxone kits, soonest expiry first',
    ok: json(list(s.kitView)),
  },
  { method: 'POST', path: '/api/admin/kits', access: 'admin', summary: 'Add a kit', body: kitCreate, ok: created(s.kitView) },
  { method: 'GET', path: '/api/admin/kits/:id', access: 'admin', summary: 'One kit', params: id, ok: json(s.kitView) },
  {
    method: 'PUT',
    path: '/api/admin/kits/:id',
    access: 'admin',
    summary: 'Change a kit',
    params: id,
    body: kitPatch,
    ok: json(s.kitView),
  },
  { method: 'DELETE', path: '/api/admin/kits/:id', access: 'admin', summary: 'Remove a kit', params: id, ok: none },
]);

const consoleApi = inDomain('console', [
  {
    method: 'GET',
    path: '/api/admin/service',
    access: 'admin',
    summary: "The service's settings",
    ok: json(s.serviceSettings),
  },
  {
    method: 'PATCH',
    path: '/api/admin/service',
    access: 'admin',
    summary: "Change the service's settings",
    body: servicePatch,
    ok: json(s.serviceSettings),
  },
  {
    method: 'GET',
    path: '/api/admin/notices',
    access: 'admin',
    summary: 'Stored notices, newest first',
    ok: json(list(s.noticeView)),
  },
  {
    method: 'POST',
    path: '/api/admin/notices/:id/dismiss',
    access: 'admin',
    summary: 'Dismiss a notice',
    params: id,
    ok: json(s.noticeView),
  },
  {
    method: 'GET',
    path: '/api/admin/alerts',
    access: 'admin',
    summary: 'Alert history with outcomes and response times',
    query: historyQuery,
    ok: json(list(s.historyRow)),
  },
  {
    method: 'GET',
    path: '/api/admin/alerts.csv',
    access: 'admin',
    summary: 'Alert history as CSV',
    query: historyQuery,
    ok: { status: 200, description: 'CSV, one alert a row', type: 'text/csv' },
  },
  {
    method: 'GET',
    path: '/api/admin/stats',
    access: 'admin',
    summary: 'Dashboard figures',
    query: statsQuery,
    ok: json(s.stats),
  },
]);

const twiml = { status: 200 as const, description: 'TwiML', type: 'text/xml', schema: z.string() };
const webhooks = inDomain('webhooks', [
  {
    method: 'POST',
    path: '/webhooks/handoff/:endpointId',
    access: 'handoff',
    summary: "The alarm centre's answer",
    description:
      'Signed like our pages; a repeat (same Idempotency-Key, or without one the same body) answers `duplicate: true` and does nothing.',
    params: z.object({ endpointId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) }),
    body: handoffAnswerSchema,
    ok: json(z.object({ ok: z.literal(true), duplicate: z.literal(true).optional() })),
    errors: [400, 401, 404, 413],
  },
  {
    method: 'POST',
    path: '/webhooks/twilio/sms',
    access: 'twilio',
    summary: 'Inbound SMS (replies)',
    form: smsForm,
    ok: twiml,
  },
  {
    method: 'POST',
    path: '/webhooks/twilio/status',
    access: 'twilio',
    summary: 'Delivery status callbacks (messages and calls)',
    form: statusForm,
    ok: none,
  },
  {
    method: 'POST',
    path: '/webhooks/twilio/voice',
    access: 'twilio',
    summary: 'Keypress of an alert call: 1 acknowledges, 2 cannot go',
    form: voiceForm,
    ok: twiml,
  },
]);

const ops = inDomain('ops', [
  {
    method: 'GET',
    path: '/healthz',
    access: 'anyone',
    summary: 'Health: 200 once broker, store and core are up, else 503',
    ok: json(z.object({ status: z.enum(['ok', 'starting']), role: z.enum(['active', 'standby']).optional() }).catchall(z.unknown())),
    errors: [503],
  },
  {
    method: 'GET',
    path: '/metrics',
    access: 'metrics',
    summary: 'Prometheus text',
    ok: { status: 200, description: 'Prometheus text format', type: 'text/plain', schema: z.string() },
    errors: [401, 403],
  },
  {
    method: 'GET',
    path: '{mqttWsPath}',
    access: 'anyone',
    websocket: true,
    summary: 'MQTT over WebSocket (devices authenticate in CONNECT)',
    ok: { status: 200, description: 'Not sent: the request upgrades (101)' },
  },
  {
    method: 'GET',
    path: '/api/openapi.json',
    access: 'anyone',
    summary: 'This document (OpenAPI 3.1)',
    ok: { status: 200, description: 'The OpenAPI document', type: 'application/json' },
  },
  {
    method: 'GET',
    path: '/api/docs',
    access: 'anyone',
    summary: 'This document as a readable page',
    ok: { status: 200, description: 'HTML', type: 'text/html', schema: z.string() },
  },
]);

/** The whole API. */
export const API_ROUTES: readonly RouteDoc[] = [
  ...auth,
  ...alerts,
  ...escalation,
  ...wearers,
  ...accounts,
  ...consent,
  ...notify,
  ...handoff,
  ...kits,
  ...consoleApi,
  ...webhooks,
  ...ops,
];
