// Rotas over real HTTP and real SQLite (issue 16.1): the service's time zone, a group's weekly rota and
// overrides, who is on call over two days across the spring-forward night with its gaps and the members
// who cannot be paged, the rota warnings of the dashboard, readiness, and chains naming "on shift".
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../server/src/clock.js';
import { addResponder, api, login, loginOtherServiceAdmin, settle, startWithAdmin, type TestServer } from './helpers/server.js';

let ts: TestServer;
let admin: string;
/** The server starts at `iso`; by default Saturday 28 March 2026, 12:00 GMT (the clocks go forward at 01:00 UTC tomorrow). */
async function start(iso = '2026-03-28T12:00:00Z') {
  ({ ts, admin } = await startWithAdmin({ clock: new VirtualClock(Date.parse(iso)) }));
  await addResponder(ts, 'kim', 'Kim');
}
afterEach(async () => {
  await ts.close();
});

interface OnCall {
  now: string[];
  hasRota: boolean;
  segments: { start: string; end: string; userIds: string[] }[];
  gaps: { start: string; end: string }[];
  unreachable: { userId: string; problem: string }[];
  names: Record<string, string>;
  timeZone: string;
}

async function nightsGroup(): Promise<string> {
  const g = await api<{ id: string }>(ts.base, admin, 'POST', '/api/admin/groups', { name: 'Nights', memberIds: ['alex', 'sam'] });
  expect(g.status).toBe(201);
  const put = await api(ts.base, admin, 'PUT', `/api/admin/groups/${g.body.id}/rota`, {
    shifts: [
      { userId: 'kim', weekday: 6, start: '08:00', end: '20:00' },
      { userId: 'alex', weekday: 6, start: '20:00', end: '08:00' },
      { userId: 'sam', weekday: 7, start: '08:00', end: '20:00' },
    ],
  });
  expect(put.status).toBe(200);
  return g.body.id;
}

describe('rotas API', () => {
  it('the time zone is a validated service setting', async () => {
    await start();
    expect((await api<{ timeZone: string }>(ts.base, admin, 'GET', '/api/admin/service')).body.timeZone).toBe('Europe/London');
    const bad = await api<{ error: { code: string; message: string } }>(ts.base, admin, 'PATCH', '/api/admin/service', {
      timeZone: 'Mars/Olympus',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/timeZone/);
    const ok = await api<{ timeZone: string }>(ts.base, admin, 'PATCH', '/api/admin/service', { timeZone: 'Europe/Dublin' });
    expect(ok.body.timeZone).toBe('Europe/Dublin');
  });

  it('a weekly rota and an override give who is on call across the spring-forward night, the gaps and who cannot be paged', async () => {
    await start();
    const gid = await nightsGroup();
    const bad = await api(ts.base, admin, 'PUT', `/api/admin/groups/${gid}/rota`, {
      shifts: [{ userId: 'alex', weekday: 8, start: '25:00', end: '08:00' }],
    });
    expect(bad.status).toBe(400);
    const stranger = await api(ts.base, admin, 'PUT', `/api/admin/groups/${gid}/rota`, {
      shifts: [{ userId: 'nobody', weekday: 1, start: '08:00', end: '20:00' }],
    });
    expect(stranger.status).toBe(400);
    // "Sam covers Alex" for one hour of the night.
    const o = await api<{ id: string; userId: string; replacesUserId: string }>(
      ts.base,
      admin,
      'POST',
      `/api/admin/groups/${gid}/rota/overrides`,
      {
        userId: 'sam',
        replacesUserId: 'alex',
        start: '2026-03-28T22:00:00Z',
        end: '2026-03-28T23:00:00Z',
        note: 'Sam covers Alex',
      },
    );
    expect(o.status).toBe(201);
    expect(o.body).toMatchObject({ userId: 'sam', replacesUserId: 'alex' });
    expect(
      (
        await api(ts.base, admin, 'POST', `/api/admin/groups/${gid}/rota/overrides`, {
          userId: 'sam',
          start: '2026-03-28T23:00:00Z',
          end: '2026-03-28T22:00:00Z',
        })
      ).status,
    ).toBe(400);

    const rota = await api<{ shifts: unknown[]; overrides: { id: string }[]; timeZone: string }>(
      ts.base,
      admin,
      'GET',
      `/api/admin/groups/${gid}/rota`,
    );
    expect(rota.body.shifts).toHaveLength(3);
    expect(rota.body.overrides.map((x) => x.id)).toEqual([o.body.id]);

    const oc = await api<OnCall>(ts.base, admin, 'GET', `/api/admin/groups/${gid}/on-call?from=2026-03-28T12:00:00Z&days=2`);
    expect(oc.status).toBe(200);
    expect(oc.body.now).toEqual(['kim']);
    expect(oc.body.segments.map((s) => [s.start.slice(5, 16), s.end.slice(5, 16), s.userIds.join('+')])).toEqual([
      ['03-28T12:00', '03-28T20:00', 'kim'],
      ['03-28T20:00', '03-28T22:00', 'alex'],
      ['03-28T22:00', '03-28T23:00', 'sam'],
      ['03-28T23:00', '03-29T07:00', 'alex'], // 08:00 BST: the night was 11 hours
      ['03-29T07:00', '03-29T19:00', 'sam'],
      ['03-29T19:00', '03-30T12:00', ''],
    ]);
    expect(oc.body.gaps).toEqual([{ start: '2026-03-29T19:00:00.000Z', end: '2026-03-30T12:00:00.000Z' }]);
    expect(oc.body.unreachable).toEqual([
      { userId: 'kim', name: 'Kim', problem: 'no phone, no push notifications and not signed in to the app' },
    ]);
    expect(oc.body.names).toMatchObject({ alex: 'Alex', sam: 'Sam', kim: 'Kim' });

    const warnings = await api<{ groupId: string; gaps: unknown[]; unreachable: { userId: string }[] }[]>(
      ts.base,
      admin,
      'GET',
      '/api/admin/rota-warnings',
    );
    expect(warnings.body).toHaveLength(1);
    expect(warnings.body[0]).toMatchObject({ groupId: gid, unreachable: [{ userId: 'kim' }] });
    expect(warnings.body[0]!.gaps.length).toBeGreaterThan(0);

    expect((await api(ts.base, admin, 'DELETE', `/api/admin/groups/${gid}/rota/overrides/${o.body.id}`)).status).toBe(204);
    const after = await api<OnCall>(ts.base, admin, 'GET', `/api/admin/groups/${gid}/on-call?from=2026-03-28T12:00:00Z&days=1`);
    expect(after.body.segments.map((s) => s.userIds.join('+'))).toEqual(['kim', 'alex', 'sam']);

    // Another service sees none of it.
    const other = await loginOtherServiceAdmin(ts);
    expect((await api(ts.base, other, 'GET', `/api/admin/groups/${gid}/on-call`)).status).toBe(404);
    expect((await api(ts.base, other, 'PUT', `/api/admin/groups/${gid}/rota`, { shifts: [] })).status).toBe(404);
    // Responders cannot read or change rotas (admin routes answer them 404).
    const alex = await login(ts.base, 'alex');
    expect((await api(ts.base, alex, 'GET', `/api/admin/groups/${gid}/rota`)).status).toBe(404);
  });

  it('a chain may page whoever is on shift; the group is then in use; readiness names the gaps; the alert pages the shift', async () => {
    // 20:30 GMT on Saturday: Alex is on the night shift.
    await start('2026-03-28T20:30:00Z');
    const gid = await nightsGroup();
    const unknown = await api(ts.base, admin, 'POST', '/api/admin/chains', {
      name: 'Rota',
      definition: { steps: [{ targets: [{ type: 'on_shift', groupId: 'grp_nope' }], channels: ['sms'], waitS: 60 }] },
    });
    expect(unknown.status).toBe(400);
    const chain = await api<{ id: string }>(ts.base, admin, 'POST', '/api/admin/chains', {
      name: 'Rota',
      definition: { steps: [{ targets: [{ type: 'on_shift', groupId: gid }], channels: ['sms'], waitS: 60 }] },
    });
    expect(chain.status).toBe(201);
    expect((await api(ts.base, admin, 'DELETE', `/api/admin/groups/${gid}`)).status).toBe(409);
    expect((await api(ts.base, admin, 'PUT', '/api/admin/wearers/demo-wearer/chain', { chainId: chain.body.id })).status).toBe(200);

    const ready = await api<{ items: { key: string; ok: boolean; detail: string }[] }>(
      ts.base,
      admin,
      'GET',
      '/api/admin/wearers/demo-wearer/readiness',
    );
    const responders = ready.body.items.find((i) => i.key === 'responders')!;
    expect(responders.ok).toBe(false);
    expect(responders.detail).toMatch(/Nights: nobody on shift/);
    expect(responders.detail).toMatch(/Kim: no phone/);

    // Alex is the one paged.
    await ts.server.alerts.handle([
      { kind: 'responder_alert', wearerId: 'demo-wearer', t: ts.clock.now(), score: 90, reasons: ['no breathing 30 s'], news2: null },
    ]);
    await settle(ts);
    const id = (await ts.server.repos.openAlertForWearer('demo-wearer'))!.id;
    const notified = (await ts.server.repos.timeline(id))
      .filter((e) => e.type === 'notified')
      .map((e) => (e.data as { target: string }).target);
    expect(notified).toEqual(['responder:alex']);
  });
});
