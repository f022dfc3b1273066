// Device ids across services (0009_device_registry), real broker over TCP and real HTTP: a gateway
// loses its relay rights for a device the moment that device is deleted, relays only within its own
// service, and a deleted id cannot be taken over by another service.
import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGatewayRepo } from '../server/src/store/index.js';
import { spyDeviceMessages } from './helpers/bridge.js';
import {
  api,
  DEMO_DEVICE_SECRET,
  login,
  loginOtherServiceAdmin,
  settle,
  startTestServer,
  until,
  type TestServer,
} from './helpers/server.js';

let ts: TestServer;
let admin: string;
let other: string;
beforeEach(async () => {
  ts = await startTestServer();
  admin = await login(ts.base, 'admin');
  other = await loginOtherServiceAdmin(ts);
});
afterEach(async () => {
  await ts.close();
});

const LONG = 500_000;

/** demo-gateway connected and told its devices (so its relay list is loaded). */
async function gateway(): Promise<{ gw: mqtt.MqttClient; configs: { devices: string[] }[]; closed: () => boolean }> {
  const gw = await mqtt.connectAsync(ts.mqttUrl, {
    clientId: 'demo-gateway',
    username: 'demo-gateway',
    password: DEMO_DEVICE_SECRET,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  const configs: { devices: string[] }[] = [];
  gw.on('message', (_t, p) => configs.push(JSON.parse(p.toString()) as { devices: string[] }));
  let closed = false;
  gw.on('close', () => {
    closed = true;
  });
  await gw.subscribeAsync('odart/v1/devices/demo-gateway/config', { qos: 1 });
  await until(() => configs.length > 0, LONG);
  return { gw, configs, closed: () => closed };
}

async function otherWearer(): Promise<string> {
  const w = await api<{ id: string }>(ts.base, other, 'POST', '/api/admin/wearers', { alias: 'Other wearer', consent: 'active' });
  expect(w.status).toBe(201);
  return w.body.id;
}

describe('gateway relay rights follow the device registry', () => {
  it('a deleted device is no longer relayed by a gateway that is still connected; the gateway is told its new list', async () => {
    const seen = spyDeviceMessages(ts);
    const g = await gateway();
    expect(g.configs[0]!.devices).toEqual(['demo-room', 'demo-wrist']);
    // relayed once: the gateway session holds demo-wrist in its relay list
    await g.gw.publishAsync('odart/v1/devices/demo-wrist/door', JSON.stringify({ open: true }), { qos: 1 });

    expect((await api(ts.base, admin, 'DELETE', '/api/admin/devices/demo-wrist')).status).toBe(204);
    await until(() => g.configs.length > 1, LONG);
    expect(g.configs.at(-1)!.devices).toEqual(['demo-room']);

    g.gw.publish('odart/v1/devices/demo-wrist/button', JSON.stringify({ action: 'help' }), { qos: 1 });
    await until(() => g.closed(), LONG);
    await settle(ts);
    expect(seen.map((m) => m.topic)).not.toContain('odart/v1/devices/demo-wrist/button');
    g.gw.end(true);
  });

  it('a gateway does not relay for a device of another service, even with a registration row', async () => {
    const wearer = await otherWearer();
    const dev = await api<{ id: string }>(ts.base, other, 'POST', '/api/admin/devices', {
      id: 'other-wrist',
      kind: 'wearable',
      wearerId: wearer,
    });
    expect(dev.status).toBe(201);
    // the repository refuses the registration across services...
    const gateways = createGatewayRepo(ts.server.repos.db);
    await expect(gateways.addGatewayDevice('demo-gateway', 'other-wrist', ts.clock.now())).rejects.toThrow(/same service/);
    // ...and a row that got in anyway (older data, a direct write) grants nothing
    await ts.server.repos.db
      .insertInto('gateway_devices')
      .values({ gateway_id: 'demo-gateway', device_id: 'other-wrist', created_at: ts.clock.now() })
      .execute();
    const seen = spyDeviceMessages(ts);
    const g = await gateway();
    expect(g.configs[0]!.devices).toEqual(['demo-room', 'demo-wrist']);
    g.gw.publish('odart/v1/devices/other-wrist/button', JSON.stringify({ action: 'help' }), { qos: 1 });
    await until(() => g.closed(), LONG);
    await settle(ts);
    expect(seen.map((m) => m.topic)).not.toContain('odart/v1/devices/other-wrist/button');
    expect((await api<unknown[]>(ts.base, other, 'GET', '/api/alerts')).body).toEqual([]);
  });
});

describe('device ids are not re-registrable across services', () => {
  it('a deleted id stays with its service: another service cannot take it, the same service may re-register it', async () => {
    const wearer = await otherWearer();
    expect((await api(ts.base, admin, 'DELETE', '/api/admin/devices/demo-wrist')).status).toBe(204);
    const taken = await api<{ error: { code: string } }>(ts.base, other, 'POST', '/api/admin/devices', {
      id: 'demo-wrist',
      kind: 'wearable',
      wearerId: wearer,
    });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('ODART_ERR_CONFLICT');
    const bulk = await api(ts.base, other, 'POST', '/api/admin/wearers/bulk', {
      wearers: [{ alias: 'b', devices: [{ id: 'demo-wrist', kind: 'wearable' }] }],
    });
    expect(bulk.status).toBe(409);
    expect(
      (await api(ts.base, admin, 'POST', '/api/admin/devices', { id: 'demo-wrist', kind: 'wearable', wearerId: 'demo-wearer' })).status,
    ).toBe(201);
  });

  it('erasing a wearer keeps their device ids with the service too', async () => {
    const wearer = await otherWearer();
    expect((await api(ts.base, admin, 'DELETE', '/api/admin/wearers/demo-wearer')).status).toBe(204);
    expect((await api(ts.base, other, 'POST', '/api/admin/devices', { id: 'demo-room', kind: 'room', wearerId: wearer })).status).toBe(409);
  });

  it('the "taken" answer is the same whether the id is live in this service, live in another, or deleted from another', async () => {
    const wearer = await otherWearer();
    expect((await api(ts.base, admin, 'DELETE', '/api/admin/devices/demo-room')).status).toBe(204);
    expect((await api(ts.base, other, 'POST', '/api/admin/devices', { id: 'mine-1', kind: 'room', wearerId: wearer })).status).toBe(201);
    const answers = [];
    for (const id of ['mine-1', 'demo-wrist', 'demo-room']) {
      const r = await api(ts.base, other, 'POST', '/api/admin/devices', { id, kind: 'room', wearerId: wearer });
      answers.push({ status: r.status, body: r.body });
    }
    expect(answers[0]!.status).toBe(409);
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
  });
});
