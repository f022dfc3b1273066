// Chains and groups through the admin API (real HTTP, real SQLite): validation, service scoping,
// in-use protection, assignment to a wearer, snapshots on running alerts, arrived, concurrent acks.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { api, login, settle, startTestServer, type TestServer } from './helpers/server.js';

let ts: TestServer;
let admin: string;
beforeEach(async () => {
  ts = await startTestServer();
  admin = await login(ts.base, 'admin');
});
afterEach(async () => {
  await ts.close();
});

interface ChainJson {
  id: string;
  name: string;
  definition: { steps: unknown[]; repeat: number };
  wearerIds: string[];
}
interface GroupJson {
  id: string;
  name: string;
  memberIds: string[];
}
interface AlertJson {
  id: string;
  state: string;
  attendingResponderId: string | null;
  arrivedAt: string | null;
  timeline?: { type: string; [k: string]: unknown }[];
}
interface OutboxJson {
  to: string;
  body: string;
}

const twoStep = (first: unknown, second: unknown) => ({
  steps: [
    { targets: [first], channels: ['app', 'sms'], waitS: 30 },
    { targets: [second], channels: ['sms'], waitS: 30 },
  ],
});

async function raise(): Promise<string> {
  await ts.server.alerts.handle([
    { kind: 'responder_alert', wearerId: 'demo-wearer', t: ts.clock.now(), score: 90, reasons: ['no breathing 30 s'], news2: null },
  ]);
  await settle(ts);
  return (await ts.server.repos.openAlertForWearer('demo-wearer'))!.id;
}

describe('admin API: chains and groups', () => {
  it('creates, reads, updates and deletes chains and groups, scoped to the service', async () => {
    const g = await api<GroupJson>(ts.base, admin, 'POST', '/api/admin/groups', { name: 'Night team', memberIds: ['alex', 'sam'] });
    expect(g.status).toBe(201);
    expect(g.body).toMatchObject({ name: 'Night team', memberIds: ['alex', 'sam'] });
    const c = await api<ChainJson>(ts.base, admin, 'POST', '/api/admin/chains', {
      name: 'Nights',
      definition: {
        steps: [
          {
            targets: [
              { type: 'group', id: g.body.id },
              { type: 'phone', phone: '+447700900555', label: 'Hostel desk' },
            ],
            channels: ['sms'],
            fallbackChannels: ['voice'],
            waitS: 45,
          },
        ],
        repeat: 2,
        finalStep: { targets: [{ type: 'emergency_contact' }], channels: ['sms', 'voice'], waitS: 0 },
      },
    });
    expect(c.status).toBe(201);
    expect(c.body.definition.repeat).toBe(2);
    expect((await api<ChainJson[]>(ts.base, admin, 'GET', '/api/admin/chains')).body.map((x) => x.name).sort()).toEqual([
      'Demo chain',
      'Nights',
    ]);
    expect((await api<ChainJson>(ts.base, admin, 'GET', `/api/admin/chains/${c.body.id}`)).body.name).toBe('Nights');

    const up = await api<ChainJson>(ts.base, admin, 'PUT', `/api/admin/chains/${c.body.id}`, {
      name: 'Nights v2',
      definition: twoStep({ type: 'responder', id: 'sam' }, { type: 'responder', id: 'alex' }),
    });
    expect(up.body).toMatchObject({ name: 'Nights v2', definition: { repeat: 0 } });
    const gu = await api<GroupJson>(ts.base, admin, 'PUT', `/api/admin/groups/${g.body.id}`, { name: 'Night team', memberIds: ['sam'] });
    expect(gu.body.memberIds).toEqual(['sam']);

    // Assigned chains cannot be deleted; groups used by a chain neither.
    expect((await api(ts.base, admin, 'PUT', '/api/admin/wearers/demo-wearer/chain', { chainId: c.body.id })).status).toBe(200);
    expect((await api<ChainJson>(ts.base, admin, 'GET', `/api/admin/chains/${c.body.id}`)).body.wearerIds).toEqual(['demo-wearer']);
    const inUse = await api<{ error: { code: string } }>(ts.base, admin, 'DELETE', `/api/admin/chains/${c.body.id}`);
    expect(inUse).toMatchObject({ status: 409, body: { error: { code: 'ODART_ERR_IN_USE' } } });
    await api(ts.base, admin, 'PUT', `/api/admin/chains/${c.body.id}`, {
      name: 'Nights v3',
      definition: twoStep({ type: 'group', id: g.body.id }, { type: 'responder', id: 'alex' }),
    });
    expect((await api(ts.base, admin, 'DELETE', `/api/admin/groups/${g.body.id}`)).status).toBe(409);
    await api(ts.base, admin, 'PUT', '/api/admin/wearers/demo-wearer/chain', { chainId: 'demo-chain' });
    expect((await api(ts.base, admin, 'DELETE', `/api/admin/chains/${c.body.id}`)).status).toBe(204);
    expect((await api(ts.base, admin, 'DELETE', `/api/admin/groups/${g.body.id}`)).status).toBe(204);
    expect((await api(ts.base, admin, 'GET', `/api/admin/chains/${c.body.id}`)).status).toBe(404);
  });

  it('rejects invalid chains with a clear error and unknown or foreign ids', async () => {
    const bad = async (definition: unknown) =>
      api<{ error: { code: string; message: string } }>(ts.base, admin, 'POST', '/api/admin/chains', { name: 'x', definition });
    expect((await bad({ steps: [] })).body.error.code).toBe('ODART_ERR_VALIDATION');
    expect(
      (await bad({ steps: [{ targets: [{ type: 'phone', phone: '0770', label: 'x' }], channels: ['sms'], waitS: 10 }] })).body.error
        .message,
    ).toContain('definition.steps.0.targets.0.phone');
    expect((await bad({ steps: [{ targets: [{ type: 'responder', id: 'alex' }], channels: ['fax'], waitS: 10 }] })).status).toBe(400);
    expect(
      (await bad({ steps: [{ targets: [{ type: 'responder', id: 'alex' }], channels: ['sms'], fallbackChannels: ['sms'], waitS: 10 }] }))
        .status,
    ).toBe(400);
    expect((await bad({ steps: [{ targets: [{ type: 'responder', id: 'alex' }], channels: ['sms'], waitS: -1 }] })).status).toBe(400);
    expect(
      (await bad({ steps: [{ targets: [{ type: 'responder', id: 'nobody' }], channels: ['sms'], waitS: 10 }] })).body.error.message,
    ).toContain('unknown responder: nobody');
    expect(
      (await bad({ steps: [{ targets: [{ type: 'group', id: 'grp_none' }], channels: ['sms'], waitS: 10 }] })).body.error.message,
    ).toContain('unknown group');

    // Another service's chain, group and users are invisible.
    const now = ts.clock.now();
    await ts.server.repos.insertService({ id: 'other', name: 'Other', emergency_number: '999', created_at: now });
    await ts.server.repos.insertUser({
      id: 'olga',
      service_id: 'other',
      username: 'olga',
      password_hash: 'x',
      role: 'responder',
      display_name: 'Olga',
      phone: null,
      on_duty: 1,
      created_at: now,
    });
    await ts.server.repos.insertChain({
      id: 'other-chain',
      service_id: 'other',
      name: 'Other',
      definition: JSON.stringify({ steps: [] }),
      created_at: now,
      updated_at: now,
    });
    expect((await api(ts.base, admin, 'GET', '/api/admin/chains/other-chain')).status).toBe(404);
    expect((await api(ts.base, admin, 'PUT', '/api/admin/wearers/demo-wearer/chain', { chainId: 'other-chain' })).status).toBe(404);
    expect((await api(ts.base, admin, 'POST', '/api/admin/groups', { name: 'x', memberIds: ['olga'] })).status).toBe(400);

    // Responders may not configure chains.
    const alex = await login(ts.base, 'alex');
    expect((await api(ts.base, alex, 'GET', '/api/admin/chains')).status).toBe(404);
    expect((await api(ts.base, '', 'GET', '/api/admin/groups')).status).toBe(401);
  });

  it("an external number in a chain may be typed as dialled in the service's country; it is stored as E.164", async () => {
    const def = {
      steps: [{ targets: [{ type: 'phone', phone: '07700 900777', label: 'Desk' }], channels: ['sms'], waitS: 10 }],
      finalStep: { targets: [{ type: 'phone', phone: '+44 7700 900778', label: 'Night line' }], channels: ['sms'], waitS: 0 },
    };
    const c = await api<
      ChainJson & { definition: { steps: { targets: { phone?: string }[] }[]; finalStep: { targets: { phone?: string }[] } } }
    >(ts.base, admin, 'POST', '/api/admin/chains', { name: 'Desk', definition: def });
    expect(c.status).toBe(201);
    expect(c.body.definition.steps[0]!.targets[0]!.phone).toBe('+447700900777');
    expect(c.body.definition.finalStep.targets[0]!.phone).toBe('+447700900778');
    // a number that cannot be one in GB is named at its field
    const bad = await api<{ error: { message: string } }>(ts.base, admin, 'PUT', `/api/admin/chains/${c.body.id}`, {
      name: 'Desk',
      definition: { ...def, steps: [{ targets: [{ type: 'phone', phone: '0770', label: 'Desk' }], channels: ['sms'], waitS: 10 }] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('definition.steps.0.targets.0.phone');
  });

  it('a chain edited through the API does not change an alert already escalating (snapshot)', async () => {
    const c = await api<ChainJson>(ts.base, admin, 'POST', '/api/admin/chains', {
      name: 'A',
      definition: twoStep({ type: 'responder', id: 'alex' }, { type: 'responder', id: 'sam' }),
    });
    await api(ts.base, admin, 'PUT', '/api/admin/wearers/demo-wearer/chain', { chainId: c.body.id });
    const id = await raise();
    await api(ts.base, admin, 'PUT', `/api/admin/chains/${c.body.id}`, {
      name: 'A',
      definition: twoStep({ type: 'responder', id: 'sam' }, { type: 'phone', phone: '+447700900777', label: 'Desk' }),
    });
    ts.clock.advance(30_000);
    await settle(ts);
    // alex's app was not open, so a reminder SMS went too: the snapshot is about who is paged, not about it;
    // the new number is only asked to confirm (the running alert keeps its snapshot and never pages it).
    const pages = (await api<OutboxJson[]>(ts.base, admin, 'GET', '/api/outbox')).body.filter(
      (m) => !m.body.startsWith('ODART reminder:') && !m.body.includes('Reply YES'),
    );
    const outbox = pages.map((m) => m.to).sort();
    expect(outbox).toEqual(['+447700900101', '+447700900102']);
    const detail = await api<AlertJson>(ts.base, admin, 'GET', `/api/alerts/${id}`);
    expect([...new Set(detail.body.timeline!.filter((e) => e.type === 'notified').map((e) => e.target))]).toEqual([
      'responder:alex',
      'responder:sam',
    ]);
  });
});

describe('alert actions over HTTP', () => {
  it('two responders acknowledging at the same instant: exactly one is attending', async () => {
    const id = await raise();
    const [alex, sam] = await Promise.all([login(ts.base, 'alex'), login(ts.base, 'sam')]);
    const [a, b] = await Promise.all([
      api<{ attending: boolean }>(ts.base, alex, 'POST', `/api/alerts/${id}/ack`, {}),
      api<{ attending: boolean }>(ts.base, sam, 'POST', `/api/alerts/${id}/ack`, {}),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect([a.body.attending, b.body.attending].filter(Boolean)).toHaveLength(1);
    const detail = await api<AlertJson>(ts.base, admin, 'GET', `/api/alerts/${id}`);
    expect(detail.body.attendingResponderId).toBe(a.body.attending ? 'alex' : 'sam');
    expect(detail.body.timeline!.filter((e) => e.type === 'acknowledged' && e.attending === true)).toHaveLength(1);
  });

  it('arrived: stops the arrival timer, is shown on the alert, and 409 once closed', async () => {
    const id = await raise();
    const alex = await login(ts.base, 'alex');
    await api(ts.base, alex, 'POST', `/api/alerts/${id}/ack`, {});
    const arrived = await api<AlertJson>(ts.base, alex, 'POST', `/api/alerts/${id}/arrived`, {});
    expect(arrived.status).toBe(200);
    expect(arrived.body.arrivedAt).toBe(new Date(ts.clock.now()).toISOString());
    ts.clock.advance(15 * 60_000);
    await settle(ts);
    expect((await api<AlertJson>(ts.base, alex, 'GET', `/api/alerts/${id}`)).body.state).toBe('acknowledged');
    const resolved = await api<{ state: string; outcome: string }>(ts.base, alex, 'POST', `/api/alerts/${id}/resolve`, {
      outcome: 'wearer_ok',
      note: 'asleep, fine',
    });
    expect(resolved.body).toMatchObject({ state: 'resolved', outcome: 'wearer_ok' });
    expect((await api(ts.base, alex, 'POST', `/api/alerts/${id}/arrived`, {})).status).toBe(409);
    expect((await api(ts.base, alex, 'POST', `/api/alerts/${id}/resolve`, { outcome: 'not_an_outcome' })).status).toBe(400);
  });
});
