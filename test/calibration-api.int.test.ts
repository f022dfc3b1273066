// The calibration view over real HTTP, MQTT and SQLite: what the running detector has learnt about
// a wearer (each room sensor's motion scale, the personal baselines), for the service's admin only.
import type { CalibrationView } from '@odart/protocol/api';
import { describe, expect, it } from 'vitest';
import type { TraceLine } from '../simulator/src/trace.js';
import { api, connectDemoDevices, disconnectAll, driveTrace, login, loginOtherServiceAdmin, serverPerTest } from './helpers/server.js';

const ts = serverPerTest();

const URL_ = '/api/admin/wearers/demo-wearer/calibration';

describe('GET /api/admin/wearers/:id/calibration', () => {
  it('shows nothing learnt before data, then the room radar scale (moving ~40, still ~3) and the baselines', async () => {
    const admin = await ts.admin();
    const before = await api<CalibrationView>(ts.base, admin, 'GET', URL_);
    expect(before.status).toBe(200);
    expect(before.body).toEqual({ wearerId: 'demo-wearer', running: false, room: [], baselines: { rr: null, spo2: null, hr: null } });

    const devices = await connectDemoDevices(ts, ['demo-wrist', 'demo-room']);
    // 16 min of an occupied room on the radar: a minute moving (20-60), a minute still (0-6)
    let x = 12345;
    const u = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
    const lines: TraceLine[] = [];
    for (let s = 0; s < 960; s++) {
      if (s < 120)
        lines.push({
          t: (s + 1) * 1000,
          device: 'demo-wrist',
          stream: 'vitals',
          data: { hr: 72, spo2: 96, rr: 14, activity: 12, onBody: true },
        });
      if (s % 2 === 0) {
        const motion = Math.floor(s / 60) % 2 === 0 ? 20 + u() * 40 : u() * 6;
        lines.push({ t: (s + 1) * 1000, device: 'demo-room', stream: 'presence', data: { occupied: true, motion: Math.round(motion) } });
      }
    }
    await driveTrace(ts, devices, lines);
    const after = await api<CalibrationView>(ts.base, admin, 'GET', URL_);
    expect(after.status).toBe(200);
    expect(after.body.running).toBe(true);
    expect(after.body.baselines).toEqual({ rr: 14, spo2: 96, hr: 72 });
    expect(after.body.room).toHaveLength(1);
    const room = after.body.room[0]!;
    expect(room).toMatchObject({ deviceId: 'demo-room', samples: 480, learnt: true, warning: null });
    expect(room.moving!).toBeGreaterThan(30);
    expect(room.moving!).toBeLessThan(50);
    expect(room.still!).toBeGreaterThan(1);
    expect(room.still!).toBeLessThan(4.5);
    expect(room.factor).toBeCloseTo(room.moving! / 25, 1);
    // nothing alerted while it learnt (a minute of stillness at a time)
    expect((await api<unknown[]>(ts.base, admin, 'GET', '/api/alerts')).body).toEqual([]);
    await disconnectAll(devices);
  });

  it('names a room sensor still on the reference prior after 60 occupied readings ("scale not learnt yet"), not before', async () => {
    const admin = await ts.admin();
    const devices = await connectDemoDevices(ts, ['demo-room']);
    // a room that was never seen empty, one person sitting still (reads 1-4): no scale can be learnt
    const reading = (i: number): TraceLine => ({
      t: (i + 1) * 2000,
      device: 'demo-room',
      stream: 'presence',
      data: { occupied: true, motion: 1 + (i % 4) },
    });
    await driveTrace(
      ts,
      devices,
      Array.from({ length: 59 }, (_, i) => reading(i)),
    );
    const early = (await api<CalibrationView>(ts.base, admin, 'GET', URL_)).body.room[0]!;
    expect(early).toMatchObject({ deviceId: 'demo-room', samples: 59, learnt: false, factor: 1, warning: null });
    await driveTrace(ts, devices, [reading(59), reading(60)]);
    const late = (await api<CalibrationView>(ts.base, admin, 'GET', URL_)).body.room[0]!;
    expect(late).toMatchObject({ deviceId: 'demo-room', samples: 61, learnt: false, factor: 1 });
    expect(late.warning).toMatch(/^scale not learnt yet/);
    await disconnectAll(devices);
  });

  it('responders, other services and unknown wearers get 404; no session gets 401', async () => {
    const other = await loginOtherServiceAdmin(ts);
    const alex = await login(ts.base, 'alex');
    const admin = await ts.admin();
    for (const cookie of [other, alex]) expect((await api(ts.base, cookie, 'GET', URL_)).status).toBe(404);
    expect((await api(ts.base, admin, 'GET', '/api/admin/wearers/nobody/calibration')).status).toBe(404);
    expect((await api(ts.base, '', 'GET', URL_)).status).toBe(401);
  });
});
