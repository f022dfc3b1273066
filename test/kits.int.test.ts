// Naloxone kits over real HTTP: the console keeps them (validated, per service), an alert's context shows the
// three nearest unexpired kits to the wearer's home and who carries one, and a responder can say they have
// naloxone when acknowledging (timeline).
import { describe, expect, it } from 'vitest';
import type { AlertContext, KitView, WearerView } from '@odart/protocol/api';
import {
  api,
  connectDemoDevices,
  disconnectAll,
  driveDemoOverdose,
  login,
  loginOtherServiceAdmin,
  serverPerTest,
} from './helpers/server.js';

const ts = serverPerTest();

const HOME = { latitude: 55.8642, longitude: -4.2518 };
const box = (name: string, latitude: number, longitude: number, expiresOn = '2027-01-01') => ({
  name,
  holder: 'box',
  latitude,
  longitude,
  address: `${name} street`,
  expiresOn,
});

describe('naloxone kits', () => {
  it('the console adds, lists, changes and removes kits; a bad kit is refused with the field named; other services see 404', async () => {
    const admin = await ts.admin();
    const bad: [unknown, RegExp][] = [
      [{ name: 'No place', holder: 'box', expiresOn: '2027-01-01' }, /latitude, longitude.*place/],
      [{ name: 'Half', holder: 'pharmacy', latitude: 55, expiresOn: '2027-01-01' }, /both or neither/],
      [{ name: 'Nobody', holder: 'responder', expiresOn: '2027-01-01' }, /holderUserId/],
      [{ name: 'Stranger', holder: 'responder', holderUserId: 'other-admin', expiresOn: '2027-01-01' }, /holderUserId/],
      [{ ...box('Feb 30', 55, -4), expiresOn: '2026-02-30' }, /expiresOn/],
      [{ ...box('Far north', 91, -4) }, /latitude/],
      [{ ...box('Extra', 55, -4), colour: 'red' }, /invalid fields/],
    ];
    await loginOtherServiceAdmin(ts);
    for (const [body, why] of bad) {
      const r = await api<{ error: { code: string; message: string } }>(ts.base, admin, 'POST', '/api/admin/kits', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.message).toMatch(why);
    }

    const made = await api<KitView>(ts.base, admin, 'POST', '/api/admin/kits', box('Library box', 55.8652, -4.2518, '2026-01-20'));
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ name: 'Library box', holder: 'box', daysLeft: 19, expiring: true, holderName: null });
    const carried = await api<KitView>(ts.base, admin, 'POST', '/api/admin/kits', {
      name: "Alex's kit",
      holder: 'responder',
      holderUserId: 'alex',
      expiresOn: '2026-09-30',
    });
    expect(carried.body).toMatchObject({ holderUserId: 'alex', holderName: 'Alex', latitude: null, expiring: false });

    const list = await api<KitView[]>(ts.base, admin, 'GET', '/api/admin/kits');
    expect(list.body.map((k) => k.name)).toEqual(['Library box', "Alex's kit"]); // soonest expiry first

    // A renewed kit: new date; a carried kit moved to a box needs a place and drops its carrier.
    const renewed = await api<KitView>(ts.base, admin, 'PUT', `/api/admin/kits/${made.body.id}`, { expiresOn: '2027-06-01' });
    expect(renewed.body).toMatchObject({ expiresOn: '2027-06-01', expiring: false });
    expect((await api(ts.base, admin, 'PUT', `/api/admin/kits/${carried.body.id}`, { holder: 'box' })).status).toBe(400);
    const moved = await api<KitView>(ts.base, admin, 'PUT', `/api/admin/kits/${carried.body.id}`, {
      holder: 'box',
      latitude: 55.87,
      longitude: -4.25,
    });
    expect(moved.body).toMatchObject({ holder: 'box', holderUserId: null, holderName: null });

    const other = await login(ts.base, 'otheradmin', 'other-password-1');
    expect((await api<KitView[]>(ts.base, other, 'GET', '/api/admin/kits')).body).toEqual([]);
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const r = await api(ts.base, other, method, `/api/admin/kits/${made.body.id}`, method === 'PUT' ? { name: 'Mine' } : undefined);
      expect(r.status, method).toBe(404);
    }
    const responder = await login(ts.base, 'alex');
    expect((await api(ts.base, responder, 'GET', '/api/admin/kits')).status).toBe(404);

    expect((await api(ts.base, admin, 'DELETE', `/api/admin/kits/${made.body.id}`)).status).toBe(204);
    expect((await api(ts.base, admin, 'GET', `/api/admin/kits/${made.body.id}`)).status).toBe(404);
  });

  it("an alert's context lists the three nearest unexpired kits to the wearer's home and who carries one; ack says 'has naloxone'", async () => {
    const admin = await ts.admin();
    for (const k of [
      box('Far box', 55.9642, -4.2518), // 11.1 km
      box('North box', 55.8742, -4.2518), // 1112 m
      box('Old box', 55.8643, -4.2518, '2025-12-31'), // 11 m, expired
      { ...box('East pharmacy', 55.8642, -4.2418), holder: 'pharmacy', accessNotes: 'Ask at the counter' }, // 624 m
      box('Corner box', 55.8652, -4.2518), // 111 m
      { name: "Sam's kit", holder: 'responder', holderUserId: 'sam', expiresOn: '2026-12-01' },
      { name: 'Old carried kit', holder: 'responder', holderUserId: 'alex', expiresOn: '2025-01-01' },
    ]) {
      expect((await api(ts.base, admin, 'POST', '/api/admin/kits', k)).status).toBe(201);
    }
    const devices = await connectDemoDevices(ts);
    const alex = await login(ts.base, 'alex');
    try {
      const alertId = await driveDemoOverdose(ts, devices, alex, 1);
      // Before the home has a point: no distances, but carriers are known.
      let ctx = (await api<AlertContext>(ts.base, alex, 'GET', `/api/alerts/${alertId}/context`)).body;
      expect(ctx).toMatchObject({ located: false, nearestKits: [], kitCarriers: [{ userId: 'sam', name: 'Sam', kitName: "Sam's kit" }] });

      const w = await api<WearerView>(ts.base, admin, 'PATCH', '/api/admin/wearers/demo-wearer', { location: HOME });
      expect(w.body.location).toEqual(HOME);
      expect(
        (await api(ts.base, admin, 'PATCH', '/api/admin/wearers/demo-wearer', { location: { latitude: 100, longitude: 0 } })).status,
      ).toBe(400);

      ctx = (await api<AlertContext>(ts.base, alex, 'GET', `/api/alerts/${alertId}/context`)).body;
      expect(ctx.located).toBe(true);
      expect(ctx.nearestKits.map((k) => [k.name, k.distanceM])).toEqual([
        ['Corner box', 111],
        ['East pharmacy', 624],
        ['North box', 1112],
      ]);
      expect(ctx.nearestKits[1]).toMatchObject({
        holder: 'pharmacy',
        accessNotes: 'Ask at the counter',
        directions: 'geo:55.864200,-4.241800',
      });

      expect((await api(ts.base, alex, 'POST', `/api/alerts/${alertId}/ack`, { naloxone: 'yes' })).status).toBe(400);
      const ack = await api<{ attending: boolean }>(ts.base, alex, 'POST', `/api/alerts/${alertId}/ack`, { naloxone: true });
      expect(ack.body.attending).toBe(true);
      const sam = await login(ts.base, 'sam');
      await api(ts.base, sam, 'POST', `/api/alerts/${alertId}/ack`, {});
      const detail = await api<{ timeline: { type: string; by?: string; naloxone?: boolean }[] }>(
        ts.base,
        admin,
        'GET',
        `/api/alerts/${alertId}`,
      );
      const acks = detail.body.timeline.filter((e) => e.type === 'acknowledged');
      expect(acks.map((e) => [e.by, e.naloxone ?? false])).toEqual([
        ['alex', true],
        ['sam', false],
      ]);
    } finally {
      await disconnectAll(devices);
    }
  });
});
