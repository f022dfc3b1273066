// The OpenAPI 3.1 description of the HTTP API, built from the zod schemas the routes validate with
// (api-catalogue.ts lists every route; api-schemas.ts names the answer shapes) and served at
// GET /api/openapi.json, with a plain HTML reading of it at GET /api/docs. app.ts records every route
// it registers (onRoute), so a test can hold the catalogue and the running server to each other.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { API_ROUTES, type Access, type RouteDoc, TAGS } from './api-catalogue.js';
import { ERROR_SCHEMA, SCHEMA_NAMES, SCHEMAS } from './api-schemas.js';

/** A route as fastify registered it: method and URL pattern (`/api/alerts/:id`). */
export interface RegisteredRoute {
  method: string;
  url: string;
}

const seen = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/** Records every route registered on `app` from now on (call it before the routes are added). */
export function trackRoutes(app: FastifyInstance): void {
  const list: RegisteredRoute[] = [];
  seen.set(app, list);
  app.addHook('onRoute', (r) => {
    for (const method of Array.isArray(r.method) ? r.method : [r.method]) list.push({ method: String(method), url: r.url });
  });
}

/** The routes `app` registered since trackRoutes (HEAD twins of GET routes included, as fastify adds them). */
export function routesOf(app: FastifyInstance): RegisteredRoute[] {
  return [...(seen.get(app) ?? [])];
}

/** What is served but is not the API: the responder app's static files (or the "not built" page). */
export const NOT_API_ROUTES: readonly string[] = ['/', '/*'];

type Json = Record<string, unknown>;
const COMPONENT_REF = '#/components/schemas/';

/** A zod schema as JSON Schema 2020-12, named answer shapes as $refs to components (io: what is sent or received). */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const named = SCHEMAS.get(schema);
  if (named) return { $ref: COMPONENT_REF + named.id };
  const out = z.toJSONSchema(schema, { io, metadata: SCHEMAS, unrepresentable: 'any' }) as Json;
  delete out.$schema;
  const defs = out.$defs;
  delete out.$defs;
  // Every $def here is a registered shape, which the document has once, under components.
  if (defs && typeof defs === 'object')
    for (const id of Object.keys(defs)) if (!SCHEMA_NAMES.has(id)) throw new Error(`unnamed $def ${id}`);
  return JSON.parse(JSON.stringify(out).replaceAll('"#/$defs/', `"${COMPONENT_REF}`)) as Json;
}

/** Who may call a route, as the document's security requirements (the CSRF header joins on unsafe methods). */
function security(access: Access, unsafe: boolean): Json[] {
  const csrf = unsafe ? { csrfHeader: [] } : {};
  switch (access) {
    case 'anyone':
    case 'pageLink':
    case 'consentLink':
      return unsafe ? [csrf] : [];
    case 'session':
    case 'admin':
      return [{ sessionCookie: [], ...csrf }];
    case 'metrics':
      return [{}, { metricsToken: [] }];
    case 'twilio':
      return [{ twilioSignature: [] }];
    case 'handoff':
      return [{ handoffSignature: [] }];
    default:
      return access satisfies never;
  }
}

const ACCESS_NOTE: Record<Access, string> = {
  anyone: 'No sign-in.',
  session: 'Signed in (session cookie).',
  admin: 'Signed-in admin of the service; anyone else signed in gets 404.',
  pageLink: 'No sign-in: the token in the path of a page SMS link is the credential.',
  consentLink: "No sign-in: the `token` of the wearer's personal consent link, in the body, is the credential.",
  metrics: 'With METRICS_TOKEN set, `Authorization: Bearer <METRICS_TOKEN>`; in production without a token, 403.',
  twilio: 'Twilio only: a valid `X-Twilio-Signature` over the public URL and the form parameters.',
  handoff: "The alarm centre only: `X-ODART-Signature` with the hand-off endpoint's secret.",
};

const errorRef = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: COMPONENT_REF + 'ErrorBody' } } },
});
const ERROR_TEXT: Record<number, string> = {
  400: 'Not valid (`ODART_ERR_VALIDATION` with `fields`, or `ODART_ERR_BAD_JSON`)',
  401: 'Not signed in, or bad credentials or signature',
  403: 'Refused (cross-site request, missing CSRF header, or not allowed)',
  404: 'No such thing, or not yours',
  409: 'Conflict (already exists, still in use, or the alert is closed)',
  410: 'The link has expired',
  413: 'The body is too large',
  415: 'The body is not application/json',
  429: 'Too many requests (`Retry-After` says when to try again)',
  503: 'Not ready',
};

/** `/api/alerts/:id` -> `/api/alerts/{id}` */
export const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

function parameters(r: RouteDoc): Json[] {
  const out: Json[] = [];
  const pathNames = [...r.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
  const paramSchema = r.params ? (jsonSchema(r.params, 'input') as { properties?: Record<string, Json> }) : {};
  for (const name of pathNames) {
    out.push({ name, in: 'path', required: true, schema: paramSchema.properties?.[name] ?? { type: 'string' } });
  }
  if (r.query) {
    const q = jsonSchema(r.query, 'input') as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, schema] of Object.entries(q.properties ?? {})) {
      out.push({ name, in: 'query', required: (q.required ?? []).includes(name), schema });
    }
  }
  return out;
}

function operation(r: RouteDoc): Json {
  const unsafe = r.method !== 'GET';
  const responses: Json = {};
  const ok = r.ok;
  responses[String(ok.status)] =
    ok.status === 204
      ? { description: ok.description }
      : {
          description: ok.description,
          content: { [ok.type ?? 'application/json']: ok.schema ? { schema: jsonSchema(ok.schema, 'output') } : {} },
        };
  if (r.websocket) responses['101'] = { description: 'Switching protocols: the WebSocket opens' };
  const errors = new Set<number>(r.errors ?? []);
  if (r.params || r.query || r.body || r.form) errors.add(400);
  if (r.access === 'session' || r.access === 'admin') errors.add(401);
  if (r.access === 'admin' || r.params) errors.add(404);
  if (unsafe && r.access !== 'twilio' && r.access !== 'handoff') errors.add(403);
  for (const status of [...errors].sort((a, b) => a - b)) responses[String(status)] = errorRef(ERROR_TEXT[status] ?? 'Error');
  return {
    operationId: `${r.method.toLowerCase()}${openApiPath(r.path).replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
    tags: [r.tag],
    summary: r.summary,
    description: [r.description, ACCESS_NOTE[r.access]].filter(Boolean).join('\n\n'),
    ...(parameters(r).length > 0 ? { parameters: parameters(r) } : {}),
    ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(r.body, 'input') } } } } : {}),
    ...(r.form
      ? { requestBody: { required: true, content: { 'application/x-www-form-urlencoded': { schema: jsonSchema(r.form, 'input') } } } }
      : {}),
    security: security(r.access, unsafe),
    responses,
  };
}

export interface OpenApiOptions {
  publicUrl: string;
  /** MQTT over WebSocket on the HTTP port (config MQTT_WS_PATH) */
  mqttWsPath: string;
}

/** The whole document. Every route of API_ROUTES once; the MQTT WebSocket path as configured. */
export function buildOpenApi(o: OpenApiOptions, routes: readonly RouteDoc[] = API_ROUTES): Json {
  const components = z.toJSONSchema(SCHEMAS, { io: 'output', unrepresentable: 'any', uri: (id) => COMPONENT_REF + id }).schemas;
  const schemas: Record<string, Json> = {};
  for (const [id, s] of Object.entries(components)) {
    const { $id: _id, $schema: _schema, ...rest } = s as Json;
    schemas[id] = rest;
  }
  const paths: Record<string, Json> = {};
  for (const r of routes) {
    const path = openApiPath(r.path === '{mqttWsPath}' ? o.mqttWsPath : r.path);
    const item = (paths[path] ??= {});
    const method = r.method.toLowerCase();
    if (item[method]) throw new Error(`${r.method} ${r.path} described twice`);
    item[method] = operation(r);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'ODART responder API',
      version: '1',
      summary: 'Overdose detection and responder alerts: alerts, escalation, enrolment, consent, hand-off and webhooks.',
      description:
        'Errors are `{"error":{"code","message"}}` (docs/api.md, Errors). Every POST/PUT/PATCH/DELETE under /api needs ' +
        '`x-odart-csrf: 1` and a JSON body; a foreign `Origin` is refused with 403. WebSocket routes (`/api/live`, MQTT) ' +
        'are listed as the GET that upgrades.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: new URL(o.publicUrl).origin }],
    tags: TAGS,
    paths,
    components: {
      schemas: { ...schemas, ErrorBody: jsonSchema(ERROR_SCHEMA, 'output') },
      securitySchemes: {
        sessionCookie: {
          type: 'apiKey',
          in: 'cookie',
          name: 'odart_sid',
          description: 'The session from POST /api/auth/login: HttpOnly, SameSite=Strict, Secure behind https.',
        },
        csrfHeader: {
          type: 'apiKey',
          in: 'header',
          name: 'x-odart-csrf',
          description: 'Must be `1` on every state-changing /api request (CSRF defence); not a secret.',
        },
        metricsToken: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, when set, for GET /metrics.' },
        twilioSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Twilio-Signature',
          description:
            "Twilio's base64 HMAC-SHA1, keyed with TWILIO_AUTH_TOKEN, of PUBLIC_URL + the path followed by each form parameter's name and value in name order.",
        },
        handoffSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'X-ODART-Signature',
          description:
            '`t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>` with the endpoint\'s secret; refused when `t` ' +
            'is older than 5 minutes or more than 1 minute ahead; several `v1=` allowed. `Idempotency-Key` optional.',
        },
      },
    },
  };
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The document as one readable page: per tag, each route with who may call it (no script, no style: the CSP allows none inline). */
export function docsPage(doc: Json): string {
  const paths = doc.paths as Record<string, Record<string, { tags: string[]; summary: string; description: string }>>;
  const sections = (doc.tags as { name: string; description: string }[]).map((t) => {
    const rows = Object.entries(paths).flatMap(([p, item]) =>
      Object.entries(item)
        .filter(([, op]) => op.tags.includes(t.name))
        .map(
          ([m, op]) =>
            `<tr><td><code>${m.toUpperCase()}</code></td><td><code>${esc(p)}</code></td><td>${esc(op.summary)}</td><td>${esc(op.description)}</td></tr>`,
        ),
    );
    return `<h2 id="${esc(t.name)}">${esc(t.name)}</h2><p>${esc(t.description)}</p>
<table><thead><tr><th>method</th><th>path</th><th>does</th><th>who</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>`;
  });
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>ODART API</title></head><body><h1>ODART responder API</h1>
<p>The machine-readable description: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1). Request and answer schemas are there.</p>
${sections.join('\n')}</body></html>`;
}

/** GET /api/openapi.json and GET /api/docs: built once, on first request. */
export async function openApiRoutes(app: FastifyInstance, o: OpenApiOptions): Promise<void> {
  let doc: Json | undefined;
  let page: string | undefined;
  const get = () => (doc ??= buildOpenApi(o));
  app.get('/api/openapi.json', async () => get());
  app.get('/api/docs', async (_req, reply) => reply.type('text/html; charset=utf-8').send((page ??= docsPage(get()))));
}
