// Service console API over real HTTP and MQTT: enrol a wearer and device, the device connects with
// the secret shown once; rotation and deletion cut it off; other services and responders see 404.
import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { api, login, loginOtherServiceAdmin, settle, startTestServer, until, type TestServer } from './helpers/server.js';

let ts: TestServer;
beforeEach(async () => {
  ts = await startTestServer();
});
afterEach(async () => {
  await ts.close();
});

async function connect(url: string, id: string, secret: string): Promise<{ ok: boolean; code?: number; client: mqtt.MqttClient }> {
  const client = mqtt.connect(url, { clientId: id, username: id, password: secret, reconnectPeriod: 0, connectTimeout: 5000 });
  return new Promise((resolve) => {
    client.once('connect', () => resolve({ ok: true, client }));
    client.once('error', (err) => {
      client.end(true);
      resolve({ ok: false, code: (err as { code?: number }).code, client });
    });
  });
}

describe('admin API', () => {
  it('enrols a wearer and a device whose one-time secret works over MQTT; data flows only once consent is active', async () => {
    const admin = await login(ts.base, 'admin');
    const w = await api<{ id: string; consent: string }>(ts.base, admin, 'POST', '/api/admin/wearers', {
      alias: 'Robin',
      responderIds: ['alex'],
      chainId: 'demo-chain',
    });
    expect(w.status).toBe(201);
    expect(w.body.consent).toBe('pending');
    const dev = await api<{ id: string; secret: string }>(ts.base, admin, 'POST', '/api/admin/devices', {
      id: 'robin-wrist',
      kind: 'wearable',
      wearerId: w.body.id,
    });
    expect(dev.status).toBe(201);
    expect(dev.body.secret.length).toBeGreaterThanOrEqual(20);
    // the secret is never shown again
    const listed = await api<Record<string, unknown>[]>(ts.base, admin, 'GET', '/api/admin/devices');
    expect(listed.body.find((x) => x.id === 'robin-wrist')).not.toHaveProperty('secret');

    const c = await connect(ts.mqttUrl, 'robin-wrist', dev.body.secret);
    expect(c.ok).toBe(true);
    const before = ts.server.ingest.handled;
    await c.client.publishAsync('odart/v1/devices/robin-wrist/vitals', JSON.stringify({ hr: 70, spo2: 97, rr: 14 }), { qos: 1 });
    await until(() => ts.server.ingest.handled > before);
    const metrics = async () => await (await fetch(`${ts.base}/metrics`)).text();
    expect(await metrics()).toMatch(/odart_mqtt_dropped_total\{reason="no_consent"\} 1/);

    const patched = await api<{ consent: string }>(ts.base, admin, 'PATCH', `/api/admin/wearers/${w.body.id}`, { consent: 'active' });
    expect(patched.body.consent).toBe('active');
    await c.client.publishAsync('odart/v1/devices/robin-wrist/vitals', JSON.stringify({ hr: 70, spo2: 97, rr: 14 }), { qos: 1 });
    await until(async () => /odart_mqtt_messages_total\{stream="vitals"\} 1/.test(await metrics()));
    await c.client.endAsync();
  });

  it('rotating a secret cuts the old one off; deleting the wearer removes its devices', async () => {
    const admin = await login(ts.base, 'admin');
    const w = await api<{ id: string }>(ts.base, admin, 'POST', '/api/admin/wearers', { alias: 'Kai', consent: 'active' });
    const dev = await api<{ secret: string }>(ts.base, admin, 'POST', '/api/admin/devices', {
      id: 'kai-room',
      kind: 'room',
      wearerId: w.body.id,
    });
    const first = await connect(ts.mqttUrl, 'kai-room', dev.body.secret);
    expect(first.ok).toBe(true);
    const closed = new Promise<void>((r) => first.client.once('close', () => r()));
    const rot = await api<{ secret: string }>(ts.base, admin, 'POST', '/api/admin/devices/kai-room/rotate');
    expect(rot.status).toBe(200);
    await closed; // the live connection was dropped
    const old = await connect(ts.mqttUrl, 'kai-room', dev.body.secret);
    expect(old.ok).toBe(false);
    expect(old.code).toBe(5);
    const fresh = await connect(ts.mqttUrl, 'kai-room', rot.body.secret);
    expect(fresh.ok).toBe(true);
    await fresh.client.endAsync();

    const del = await api(ts.base, admin, 'DELETE', `/api/admin/wearers/${w.body.id}`);
    expect(del.status).toBe(204);
    expect((await api(ts.base, admin, 'GET', `/api/admin/wearers/${w.body.id}`)).status).toBe(404);
    const gone = await connect(ts.mqttUrl, 'kai-room', rot.body.secret);
    expect(gone.ok).toBe(false);
  });

  it('deleting a wearer erases their alerts with every notification and attempt', async () => {
    const admin = await login(ts.base, 'admin');
    await ts.server.alerts.handle(
      ts.server.engine.ingest('demo-wearer', {
        t: ts.clock.now(),
        deviceId: 'demo-wrist',
        message: { stream: 'button', data: { action: 'help' } },
      }),
    );
    await settle(ts);
    const db = ts.server.repos.db;
    expect((await db.selectFrom('notification_attempts').selectAll().execute()).length).toBeGreaterThan(0);
    expect((await api(ts.base, admin, 'DELETE', '/api/admin/wearers/demo-wearer')).status).toBe(204);
    for (const table of ['alerts', 'alert_timeline', 'notifications', 'notification_attempts', 'escalation_jobs', 'devices'] as const) {
      const left =
        table === 'devices'
          ? await db.selectFrom('devices').selectAll().where('wearer_id', '=', 'demo-wearer').execute()
          : await db.selectFrom(table).selectAll().execute();
      expect(left, table).toEqual([]);
    }
  });

  it('validates bodies and refuses duplicates', async () => {
    const admin = await login(ts.base, 'admin');
    const bad = await api<{ error: { code: string; message: string } }>(ts.base, admin, 'POST', '/api/admin/wearers', {
      alias: '',
      phone: '07700',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('ODART_ERR_VALIDATION');
    expect(bad.body.error.message).toMatch(/alias/);
    const dup = await api<{ error: { code: string } }>(ts.base, admin, 'POST', '/api/admin/devices', {
      id: 'demo-wrist',
      kind: 'wearable',
    });
    expect(dup.status).toBe(409);
    const badRef = await api(ts.base, admin, 'POST', '/api/admin/wearers', { alias: 'X', responderIds: ['nobody'] });
    expect(badRef.status).toBe(400);
  });

  it('responders and other services get 404 for every admin route', async () => {
    const other = await loginOtherServiceAdmin(ts);
    const alex = await login(ts.base, 'alex');
    for (const [cookie, who] of [
      [other, 'other'],
      [alex, 'alex'],
    ] as const) {
      expect((await api(ts.base, cookie, 'GET', '/api/admin/wearers/demo-wearer')).status, who).toBe(404);
      expect((await api(ts.base, cookie, 'PATCH', '/api/admin/wearers/demo-wearer', { alias: 'x' })).status, who).toBe(404);
      expect((await api(ts.base, cookie, 'POST', '/api/admin/devices/demo-wrist/rotate')).status, who).toBe(404);
      expect((await api(ts.base, cookie, 'DELETE', '/api/admin/devices/demo-wrist')).status, who).toBe(404);
    }
    expect((await api<unknown[]>(ts.base, other, 'GET', '/api/admin/wearers')).body).toEqual([]);
    expect((await api(ts.base, alex, 'GET', '/api/admin/wearers')).status).toBe(404);
    await settle(ts);
  });
});
