// Enrolment traps over real HTTP and SQLite: national phone numbers read in the service's country and
// stored as E.164, field-level validation errors, the consent link's age, and the readiness checklist
// (consent, devices online, chain, every responder reachable and on duty).
import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEMO_DEVICE_SECRET,
  api,
  login,
  loginOtherServiceAdmin,
  settle,
  startTestServer,
  until,
  type TestServer,
} from './helpers/server.js';

let ts: TestServer;
let admin: string;
beforeEach(async () => {
  ts = await startTestServer();
  admin = await login(ts.base, 'admin');
});
afterEach(async () => {
  await ts.close();
});

interface ErrJson {
  error: { code: string; message: string; fields?: Record<string, string> };
}
interface Readiness {
  wearerId: string;
  ready: boolean;
  items: { key: string; ok: boolean; detail: string }[];
}

describe('phone numbers in the service country', () => {
  it('a national number is read in the service country (GB by default) and stored as E.164', async () => {
    const w = await api<{ id: string; phone: string; emergencyContactPhone: string }>(ts.base, admin, 'POST', '/api/admin/wearers', {
      alias: 'Robin',
      phone: '07700 900150',
      emergencyContactPhone: '+44 7700 900151',
    });
    expect(w.status).toBe(201);
    expect(w.body).toMatchObject({ phone: '+447700900150', emergencyContactPhone: '+447700900151' });
    const u = await api<{ phone: string }>(ts.base, admin, 'POST', '/api/admin/users', {
      username: 'kim',
      password: 'long-password-1',
      role: 'responder',
      displayName: 'Kim',
      phone: '07700 900152',
    });
    expect(u.body.phone).toBe('+447700900152');
    const p = await api<{ phone: string }>(ts.base, admin, 'PATCH', '/api/admin/users/alex', { phone: '(07700) 900-153' });
    expect(p.body.phone).toBe('+447700900153');
  });

  it('another country set for the service reads national numbers there', async () => {
    const s = await api<{ defaultCountry: string }>(ts.base, admin, 'GET', '/api/admin/service');
    expect(s.body.defaultCountry).toBe('GB');
    const set = await api<{ defaultCountry: string }>(ts.base, admin, 'PATCH', '/api/admin/service', { defaultCountry: 'IE' });
    expect(set.body.defaultCountry).toBe('IE');
    const w = await api<{ phone: string }>(ts.base, admin, 'PATCH', '/api/admin/wearers/demo-wearer', { phone: '087 123 4567' });
    expect(w.body.phone).toBe('+353871234567');
    const bad = await api<ErrJson>(ts.base, admin, 'PATCH', '/api/admin/service', { defaultCountry: 'XX' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields).toHaveProperty('defaultCountry');
  });

  it('a number that is not valid is refused with a message for that field', async () => {
    const r = await api<ErrJson>(ts.base, admin, 'POST', '/api/admin/wearers', {
      alias: 'Robin',
      phone: '12345',
      emergencyContactPhone: 'call me',
    });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('ODART_ERR_VALIDATION');
    expect(r.body.error.message).toMatch(/phone/);
    expect(Object.keys(r.body.error.fields ?? {}).sort()).toEqual(['emergencyContactPhone', 'phone']);
    expect(r.body.error.fields!.phone).toMatch(/not a valid phone number/i);
    // Schema errors name their fields too, in the same shape.
    const z = await api<ErrJson>(ts.base, admin, 'POST', '/api/admin/wearers', { alias: '' });
    expect(z.status).toBe(400);
    expect(Object.keys(z.body.error.fields ?? {})).toEqual(['alias']);
    expect((await api<{ id: string }[]>(ts.base, admin, 'GET', '/api/admin/wearers')).body).toHaveLength(1);
  });
});

describe('consent link', () => {
  it('the consent state says when the live link was made, so the console can warn before replacing it', async () => {
    const before = await api<{ linkIssuedAt: string | null }>(ts.base, admin, 'GET', '/api/admin/wearers/demo-wearer/consent');
    expect(before.body.linkIssuedAt).toBeNull();
    await api(ts.base, admin, 'POST', '/api/admin/wearers/demo-wearer/consent-link', { send: false });
    const after = await api<{ linkIssuedAt: string | null }>(ts.base, admin, 'GET', '/api/admin/wearers/demo-wearer/consent');
    expect(after.body.linkIssuedAt).toBe(new Date(ts.clock.now()).toISOString());
  });
});

describe('readiness checklist', () => {
  const readiness = async (id = 'demo-wearer', cookie = admin) =>
    api<Readiness>(ts.base, cookie, 'GET', `/api/admin/wearers/${id}/readiness`);
  const item = (r: Readiness, key: string) => r.items.find((i) => i.key === key)!;

  it('names each gap: devices offline, a responder off duty or unreachable, no chain, no consent', async () => {
    let r = (await readiness()).body;
    expect(r.items.map((i) => i.key)).toEqual(['consent', 'monitoring', 'devices', 'chain', 'responders']);
    expect(item(r, 'consent').ok).toBe(true);
    // Consent on is not being watched: no `monitoring` command has gone to their devices yet.
    expect(item(r, 'monitoring')).toMatchObject({ ok: false, detail: 'NOT MONITORED: the core has not told their devices yet' });
    expect(item(r, 'chain').ok).toBe(true);
    expect(item(r, 'responders').ok).toBe(true);
    expect(item(r, 'devices')).toMatchObject({ ok: false });
    expect(item(r, 'devices').detail).toMatch(/demo-wrist/);
    expect(r.ready).toBe(false);

    // Both devices online: ready.
    const clients = await Promise.all(
      ['demo-wrist', 'demo-room'].map((id) =>
        mqtt.connectAsync(ts.mqttUrl, { clientId: id, username: id, password: DEMO_DEVICE_SECRET, reconnectPeriod: 0 }),
      ),
    );
    for (const [i, c] of clients.entries()) {
      const id = i === 0 ? 'demo-wrist' : 'demo-room';
      await c.publishAsync(`odart/v1/devices/${id}/status`, JSON.stringify({ state: 'online', battery: 80 }), { qos: 1, retain: true });
    }
    await until(async () => item((await readiness()).body, 'devices').ok);
    expect((await readiness()).body.ready).toBe(false);
    // A monitoring round (the minutely command; the core is healthy): now they are watched, and ready.
    expect(await ts.server.monitoring.send()).toBeGreaterThan(0);
    await until(async () => (await readiness()).body.ready);
    await settle(ts);

    await api(ts.base, admin, 'PATCH', '/api/admin/users/sam', { onDuty: false });
    await api(ts.base, admin, 'PATCH', '/api/admin/users/alex', { phone: null });
    r = (await readiness()).body;
    expect(r.ready).toBe(false);
    expect(item(r, 'responders').ok).toBe(false);
    expect(item(r, 'responders').detail).toMatch(/Sam: off duty/);
    expect(item(r, 'responders').detail).toMatch(/Alex: no phone and not signed in to the app/);

    await api(ts.base, admin, 'PUT', '/api/admin/wearers/demo-wearer/chain', { chainId: null });
    await ts.server.consent.pause('demo-wearer', 30 * 60_000, 'admin');
    r = (await readiness()).body;
    expect(item(r, 'chain').ok).toBe(false);
    expect(item(r, 'consent')).toMatchObject({ ok: false });
    for (const c of clients) await c.endAsync();
  });

  it('the dashboard summary lists every wearer with their gaps; other services and responders get 404', async () => {
    await api(ts.base, admin, 'POST', '/api/admin/wearers', { alias: 'Robin' });
    const all = await api<{ wearerId: string; alias: string; ready: boolean; problems: string[] }[]>(
      ts.base,
      admin,
      'GET',
      '/api/admin/readiness',
    );
    expect(all.status).toBe(200);
    expect(all.body.map((x) => x.alias).sort()).toEqual(['Jo', 'Robin']);
    expect(all.body.find((x) => x.alias === 'Robin')!.problems.sort()).toEqual(['chain', 'consent', 'devices', 'monitoring'].sort());
    const other = await loginOtherServiceAdmin(ts);
    expect((await readiness('demo-wearer', other)).status).toBe(404);
    expect((await api<unknown[]>(ts.base, other, 'GET', '/api/admin/readiness')).body).toEqual([]);
    expect((await readiness('demo-wearer', await login(ts.base, 'alex'))).status).toBe(404);
  });
});
