// The OpenAPI 3.1 document at GET /api/openapi.json, against the running server: it is valid OpenAPI 3.1
// (@seriousme/openapi-schema-validator), it describes exactly the routes fastify registered (onRoute,
// both ways), and real answers (alerts list, alert detail and context, wearer and kit create) validate
// against the schemas it declares for them (JSON Schema 2020-12 with ajv, read from the document itself).
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOT_API_ROUTES, openApiPath, routesOf } from '../server/src/http/openapi.js';
import { api, connectDemoDevices, disconnectAll, driveDemoOverdose, login, startTestServer, type TestServer } from './helpers/server.js';

type Doc = { openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };

let ts: TestServer;
let doc: Doc;
beforeAll(async () => {
  ts = await startTestServer();
  const res = await fetch(`${ts.base}/api/openapi.json`);
  expect(res.status).toBe(200);
  doc = (await res.json()) as Doc;
});
afterAll(async () => {
  await ts.close();
});

/** A validator of the answer the document declares for `method path` with `status` (a $ref into the document). */
function answerValidator(method: string, path: string, status: number) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema(doc, 'openapi.json');
  const pointer = ['paths', path, method.toLowerCase(), 'responses', String(status), 'content', 'application/json', 'schema']
    .map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1'))
    .join('/');
  return ajv.compile({ $ref: `openapi.json#/${pointer}` });
}
function expectValid(method: string, path: string, status: number, body: unknown) {
  const validate = answerValidator(method, path, status);
  const ok = validate(body);
  expect(validate.errors ?? [], `${method} ${path} ${status}`).toEqual([]);
  expect(ok).toBe(true);
}

describe('OpenAPI document', () => {
  it('is valid OpenAPI 3.1', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const result = await new Validator().validate(doc as unknown as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('describes every route the server registers, and only those', () => {
    const routes = routesOf(ts.server.http);
    const key = (method: string, url: string) => `${method} ${openApiPath(url)}`;
    const gets = new Set(routes.filter((r) => r.method === 'GET').map((r) => r.url));
    // fastify adds a HEAD twin of every GET route by itself; a HEAD route of its own would have to be described.
    const registered = new Set(
      routes.filter((r) => !(r.method === 'HEAD' && gets.has(r.url)) && !NOT_API_ROUTES.includes(r.url)).map((r) => key(r.method, r.url)),
    );
    const documented = new Set(Object.entries(doc.paths).flatMap(([p, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${p}`)));
    expect(registered.size).toBeGreaterThan(90);
    expect({
      undescribed: [...registered].filter((r) => !documented.has(r)),
      notRegistered: [...documented].filter((r) => !registered.has(r)),
    }).toEqual({ undescribed: [], notRegistered: [] });
    // Every excluded pattern is one the server really has (the responder app's files), so the list cannot go stale.
    expect(NOT_API_ROUTES.filter((u) => gets.has(u)).length).toBeGreaterThan(0);
  });

  it('serves a readable page of it', async () => {
    const res = await fetch(`${ts.base}/api/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('/api/openapi.json');
    expect(html).toContain('<code>/api/alerts/{id}/context</code>');
  });

  it('real answers validate against the schemas the document declares', async () => {
    const admin = await login(ts.base, 'admin');
    const wearer = await api(ts.base, admin, 'POST', '/api/admin/wearers', {
      alias: 'Contract',
      address: '1 Test Street',
      phone: '07700 900123',
      location: { latitude: 55.86, longitude: -4.25 },
    });
    expect(wearer.status).toBe(201);
    expectValid('POST', '/api/admin/wearers', 201, wearer.body);
    const listed = await api(ts.base, admin, 'GET', '/api/admin/wearers');
    expectValid('GET', '/api/admin/wearers', 200, listed.body);

    await api(ts.base, admin, 'PATCH', '/api/admin/wearers/demo-wearer', { location: { latitude: 55.8642, longitude: -4.2518 } });
    const kit = await api(ts.base, admin, 'POST', '/api/admin/kits', {
      name: 'Library box',
      holder: 'box',
      latitude: 55.8652,
      longitude: -4.2518,
      expiresOn: '2027-01-01',
    });
    expect(kit.status).toBe(201);
    expectValid('POST', '/api/admin/kits', 201, kit.body);

    const alex = await login(ts.base, 'alex');
    const devices = await connectDemoDevices(ts);
    try {
      const alertId = await driveDemoOverdose(ts, devices, alex, 1);
      const list = await api<unknown[]>(ts.base, alex, 'GET', '/api/alerts');
      expect(list.body.length).toBeGreaterThan(0);
      expectValid('GET', '/api/alerts', 200, list.body);
      expectValid('GET', '/api/alerts/{id}', 200, (await api(ts.base, alex, 'GET', `/api/alerts/${alertId}`)).body);
      const context = await api<{ nearestKits: unknown[] }>(ts.base, alex, 'GET', `/api/alerts/${alertId}/context`);
      expect(context.body.nearestKits).toHaveLength(1);
      expectValid('GET', '/api/alerts/{id}/context', 200, context.body);
      expectValid('POST', '/api/alerts/{id}/ack', 200, (await api(ts.base, alex, 'POST', `/api/alerts/${alertId}/ack`, {})).body);
      // The error shape is declared too.
      const missing = await api(ts.base, alex, 'GET', '/api/alerts/nope');
      expect(missing.status).toBe(404);
      expectValid('GET', '/api/alerts/{id}', 404, missing.body);
    } finally {
      await disconnectAll(devices);
    }
  });

  it('every GET answer of the admin console and the responder app validates against its declared schema', async () => {
    const admin = await login(ts.base, 'admin');
    const group = await api<{ id: string }>(ts.base, admin, 'POST', '/api/admin/groups', { name: 'Night', memberIds: ['alex'] });
    const ids: Record<string, string> = {
      '/api/admin/wearers/{id}': 'demo-wearer',
      '/api/admin/devices/{id}': 'demo-wrist',
      '/api/admin/groups/{id}': group.body.id,
      '/api/admin/groups/{id}/rota': group.body.id,
      '/api/admin/groups/{id}/on-call': group.body.id,
    };
    const chains = await api<{ id: string }[]>(ts.base, admin, 'GET', '/api/admin/chains');
    ids['/api/admin/chains/{id}'] = chains.body[0]!.id;
    for (const sub of ['thresholds', 'calibration', 'readiness', 'consent']) ids[`/api/admin/wearers/{id}/${sub}`] = 'demo-wearer';
    let checked = 0;
    for (const [p, item] of Object.entries(doc.paths)) {
      const ok = item.get?.responses['200'] as { content?: Record<string, { schema?: unknown }> } | undefined;
      if (!ok?.content?.['application/json']?.schema || p === '/api/live') continue;
      const id = ids[p];
      if (p.includes('{') && id === undefined) continue;
      const res = await api(ts.base, admin, 'GET', p.replace(/\{[^}]+\}/, id ?? ''));
      expect(res.status, p).toBe(200);
      expectValid('GET', p, 200, res.body);
      checked++;
    }
    expect(checked).toBeGreaterThan(25);
  });

  it("answers of the console's changes validate against their declared schemas", async () => {
    const admin = await login(ts.base, 'admin');
    const group = await api<{ id: string }>(ts.base, admin, 'POST', '/api/admin/groups', { name: 'Days', memberIds: ['alex'] });
    expect(group.status).toBe(201);
    const check = async (method: string, path: string, status: number, body?: unknown) => {
      const res = await api(ts.base, admin, method, path, body);
      expect(res.status, `${method} ${path}`).toBe(status);
      const pattern = path.replace(/\/(demo-wearer|demo-wrist|sam|grp_[^/]+|hoe_[^/]+)(?=\/|$)/, '/{id}');
      expectValid(method, pattern, status, res.body);
      return res.body as { id: string };
    };
    await check('POST', '/api/admin/devices', 201, { kind: 'room', wearerId: 'demo-wearer' });
    await check('POST', '/api/admin/devices/demo-wrist/rotate', 200);
    await check('PUT', '/api/admin/devices/demo-wrist/room', 200, { room: 'Bedroom' });
    const casey = { username: 'casey', password: 'a-long-password', role: 'responder', displayName: 'Casey' };
    await check('POST', '/api/admin/users', 201, casey);
    await check('PATCH', '/api/admin/users/sam', 200, { onDuty: false });
    await check('POST', '/api/admin/users/sam/password', 200, {});
    await check('POST', '/api/admin/users/sam/disable', 200);
    await check('POST', '/api/admin/users/sam/enable', 200);
    await check('POST', '/api/admin/wearers/demo-wearer/consent-link', 200, {});
    await check('POST', '/api/admin/wearers/demo-wearer/pause', 200, { minutes: 60 });
    await check('POST', '/api/admin/wearers/demo-wearer/resume', 200);
    await check('PUT', '/api/admin/wearers/demo-wearer/thresholds', 200, {});
    await check('PATCH', '/api/admin/service', 200, { phone: '0141 496 0000' });
    const shifts = [{ userId: 'alex', weekday: 1, start: '08:00', end: '20:00' }];
    await check('PUT', `/api/admin/groups/${group.body.id}/rota`, 200, { shifts });
    const start = new Date(ts.clock.now() + 3600_000).toISOString();
    const end = new Date(ts.clock.now() + 7200_000).toISOString();
    await check('POST', `/api/admin/groups/${group.body.id}/rota/overrides`, 201, { userId: 'alex', start, end });
    const centre = { name: 'Centre', url: 'https://centre.example/odart', secret: 'a-secret-of-sixteen-plus', format: 'json' };
    const endpoint = await check('POST', '/api/admin/handoff-endpoints', 201, centre);
    await check('PUT', `/api/admin/handoff-endpoints/${endpoint.id}`, 200, { name: 'Centre 2' });
    await check('POST', '/api/me/test-page', 200);
  });

  it('a declared schema refuses an answer with a field renamed or missing', () => {
    const validate = answerValidator('GET', '/api/alerts/{id}/context', 200);
    const good = {
      alertId: 'a1',
      wearer: { alias: 'Jo', address: null, accessNotes: null },
      room: null,
      emergencyNumber: '999',
      serviceName: 'Demo',
      servicePhone: null,
      onsetAt: '2026-01-01T12:00:00.000Z',
      now: '2026-01-01T12:01:00.000Z',
      nearestKits: [],
      kitCarriers: [],
      located: false,
    };
    expect(validate(good)).toBe(true);
    const { located: _located, ...renamed } = good;
    expect(validate({ ...renamed, isLocated: false })).toBe(false);
    expect(validate({ ...good, now: 'soon' })).toBe(false);
  });
});
