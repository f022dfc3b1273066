// Bulk enrolment API (routes-bulk.ts) over real HTTP and MQTT: same rules as the one-at-a-time
// admin API: admin of the service only (404 otherwise), validated bodies, no duplicate device ids,
// all-or-nothing removal; generated secrets (salted SHA-256 at rest) work over MQTT and are shown once.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WireConnection } from '../simulator/src/wire.js';
import { api, login, loginOtherServiceAdmin, startTestServer, type TestServer } from './helpers/server.js';

let ts: TestServer;
beforeEach(async () => {
  ts = await startTestServer();
});
afterEach(async () => {
  await ts.close();
});

interface Created {
  wearers: { id: string; alias: string; consent: string; devices: { id: string; kind: string; secret: string }[] }[];
}

const connack = async (port: number, id: string, secret: string) => {
  const { conn, returnCode } = await WireConnection.connect({ host: '127.0.0.1', port, clientId: id, username: id, password: secret });
  await conn.disconnect();
  return returnCode;
};

describe('bulk admin API', () => {
  it('enrols wearers with devices in one request; each secret works over MQTT; bulk-delete removes them', async () => {
    const admin = await login(ts.base, 'admin');
    const res = await api<Created>(ts.base, admin, 'POST', '/api/admin/wearers/bulk', {
      wearers: [
        {
          alias: 'A',
          consent: 'active',
          chainId: 'demo-chain',
          responderIds: ['alex'],
          devices: [{ id: 'bulk-a-wrist', kind: 'wearable' }, { kind: 'room' }],
        },
        { alias: 'B', devices: [{ id: 'bulk-b-wrist', kind: 'wearable' }] },
      ],
    });
    expect(res.status).toBe(201);
    const [a, b] = res.body.wearers as [Created['wearers'][0], Created['wearers'][0]];
    expect(a).toMatchObject({ alias: 'A', consent: 'active' });
    expect(b).toMatchObject({ alias: 'B', consent: 'pending' });
    expect(a.devices.map((d) => d.kind)).toEqual(['wearable', 'room']);
    const one = await api<{ chainId: string; responderIds: string[] }>(ts.base, admin, 'GET', `/api/admin/wearers/${a.id}`);
    expect(one.body).toMatchObject({ chainId: 'demo-chain', responderIds: ['alex'] });
    for (const d of [...a.devices, ...b.devices]) expect(await connack(ts.server.mqttPort, d.id, d.secret)).toBe(0);
    expect(await connack(ts.server.mqttPort, 'bulk-a-wrist', 'wrong-secret-value')).toBe(5);
    // secrets are never listed again
    const listed = await api<Record<string, unknown>[]>(ts.base, admin, 'GET', '/api/admin/devices');
    expect(listed.body.some((d) => 'secret' in d)).toBe(false);

    const del = await api<{ deleted: number }>(ts.base, admin, 'POST', '/api/admin/wearers/bulk-delete', { ids: [a.id, b.id] });
    expect(del.body).toEqual({ deleted: 2 });
    expect(await connack(ts.server.mqttPort, 'bulk-a-wrist', a.devices[0]!.secret)).toBe(5);
    expect((await api<{ id: string }[]>(ts.base, admin, 'GET', '/api/admin/devices')).body.map((d) => d.id).sort()).toEqual([
      'demo-gateway',
      'demo-room',
      'demo-wrist',
    ]);
  });

  it('refuses bad bodies (400), existing or repeated device ids (409/400), and unknown chains (400)', async () => {
    const admin = await login(ts.base, 'admin');
    const post = (body: unknown) => api<{ error: { code: string } }>(ts.base, admin, 'POST', '/api/admin/wearers/bulk', body);
    expect((await post({ wearers: [] })).status).toBe(400);
    expect((await post({ wearers: [{ alias: 'x', devices: [{ kind: 'toaster' }] }] })).status).toBe(400);
    expect((await post({ wearers: [{ alias: 'x', devices: [{ id: 'demo-wrist', kind: 'wearable' }] }] })).body.error.code).toBe(
      'ODART_ERR_CONFLICT',
    );
    expect(
      (
        await post({
          wearers: [
            { alias: 'x', devices: [{ id: 'dup', kind: 'wearable' }] },
            { alias: 'y', devices: [{ id: 'dup', kind: 'room' }] },
          ],
        })
      ).status,
    ).toBe(400);
    expect((await post({ wearers: [{ alias: 'x', chainId: 'nope', devices: [] }] })).status).toBe(400);
    expect((await post({ wearers: Array.from({ length: 1001 }, () => ({ alias: 'x', devices: [] })) })).status).toBe(400);
    // nothing was half-created
    expect((await api<unknown[]>(ts.base, admin, 'GET', '/api/admin/wearers')).body).toHaveLength(1);
  });

  it('responders and admins of another service get 404; bulk-delete is all or nothing', async () => {
    const other = await loginOtherServiceAdmin(ts);
    const alex = await login(ts.base, 'alex');
    const body = { wearers: [{ alias: 'x', devices: [] }] };
    expect((await api(ts.base, alex, 'POST', '/api/admin/wearers/bulk', body)).status).toBe(404);
    expect((await api(ts.base, alex, 'POST', '/api/admin/wearers/bulk-delete', { ids: ['demo-wearer'] })).status).toBe(404);
    const mine = await api<Created>(ts.base, other, 'POST', '/api/admin/wearers/bulk', body);
    expect(mine.status).toBe(201);
    // the demo wearer belongs to another service: the whole request is refused, nothing deleted
    const del = await api(ts.base, other, 'POST', '/api/admin/wearers/bulk-delete', { ids: [mine.body.wearers[0]!.id, 'demo-wearer'] });
    expect(del.status).toBe(404);
    expect((await api<unknown[]>(ts.base, other, 'GET', '/api/admin/wearers')).body).toHaveLength(1);
    const admin = await login(ts.base, 'admin');
    expect((await api(ts.base, admin, 'GET', '/api/admin/wearers/demo-wearer')).status).toBe(200);
  });
});
