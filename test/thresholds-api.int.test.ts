// Per-wearer thresholds over real HTTP, MQTT and SQLite: the service's admin reads and replaces
// them (validated), others get 404, and the running detector applies a change at once.
import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS } from '../server/src/detection/index.js';
import type { TraceLine } from '../simulator/src/trace.js';
import {
  api,
  connectDemoDevices,
  disconnectAll,
  driveTrace,
  login,
  loginOtherServiceAdmin,
  serverPerTest,
  until,
} from './helpers/server.js';

const ts = serverPerTest();

interface View {
  wearerId: string;
  defaults: Record<string, number>;
  overrides: Record<string, number>;
  effective: Record<string, number>;
}
interface ErrorJson {
  error: { code: string; message: string };
}
const URL_ = '/api/admin/wearers/demo-wearer/thresholds';

describe('GET|PUT /api/admin/wearers/:id/thresholds', () => {
  it('shows defaults, stores validated overrides in wearers.thresholds, refuses bad values with 400', async () => {
    const admin = await ts.admin();
    const first = await api<View>(ts.base, admin, 'GET', URL_);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ wearerId: 'demo-wearer', overrides: {}, effective: { ...DEFAULT_THRESHOLDS } });

    const put = await api<View>(ts.base, admin, 'PUT', URL_, { apneaSeconds: 20, checkinWindowMs: 10_000 });
    expect(put.status).toBe(200);
    expect(put.body.overrides).toEqual({ apneaSeconds: 20, checkinWindowMs: 10_000 });
    expect(put.body.effective.apneaSeconds).toBe(20);
    expect(put.body.effective.lowRr).toBe(DEFAULT_THRESHOLDS.lowRr);
    const row = await ts.server.repos.wearerById('demo-wearer');
    expect(JSON.parse(row!.thresholds!)).toEqual({ apneaSeconds: 20, checkinWindowMs: 10_000 });
    expect((await api<View>(ts.base, admin, 'GET', URL_)).body.overrides).toEqual({ apneaSeconds: 20, checkinWindowMs: 10_000 });

    for (const bad of [{ apneaSeconds: 2 }, { lowRr: 'seven' }, { noSuchKey: 1 }, { lowRr: 6, criticalRr: 7 }, [1, 2]]) {
      const r = await api<ErrorJson>(ts.base, admin, 'PUT', URL_, bad);
      expect(r.status, JSON.stringify(bad)).toBe(400);
      expect(r.body.error.code).toBe('ODART_ERR_VALIDATION');
    }
    // a refused PUT changed nothing
    expect((await api<View>(ts.base, admin, 'GET', URL_)).body.overrides).toEqual({ apneaSeconds: 20, checkinWindowMs: 10_000 });
    // an empty object returns the wearer to the defaults
    const reset = await api<View>(ts.base, admin, 'PUT', URL_, {});
    expect(reset.body.overrides).toEqual({});
    expect((await ts.server.repos.wearerById('demo-wearer'))!.thresholds).toBeNull();
  });

  it('responders, other services and unknown wearers get 404; no session gets 401', async () => {
    const other = await loginOtherServiceAdmin(ts);
    const alex = await login(ts.base, 'alex');
    const admin = await ts.admin();
    for (const [cookie, method] of [
      [other, 'GET'],
      [other, 'PUT'],
      [alex, 'GET'],
      [alex, 'PUT'],
    ] as const) {
      const r = await api<ErrorJson>(ts.base, cookie, method, URL_, method === 'PUT' ? { apneaSeconds: 60 } : undefined);
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe('ODART_ERR_NOT_FOUND');
    }
    expect((await api(ts.base, admin, 'GET', '/api/admin/wearers/nobody/thresholds')).status).toBe(404);
    expect((await api(ts.base, '', 'GET', URL_)).status).toBe(401);
    expect((await ts.server.repos.wearerById('demo-wearer'))!.thresholds).toBeNull();
  });

  it('the running detector takes new thresholds at once (apnea persistence 40 s, then back to 15 s)', async () => {
    const admin = await ts.admin();
    const devices = await connectDemoDevices(ts, ['demo-wrist']);
    // each drive continues one second after the previous one ended (driveTrace times are relative)
    const vitals = (n: number, rr: number): TraceLine[] =>
      Array.from({ length: n }, (_, i) => ({
        t: (i + 1) * 1000,
        device: 'demo-wrist',
        stream: 'vitals' as const,
        data: { hr: 75, spo2: 97, rr, activity: 2, onBody: true },
      }));
    await driveTrace(ts, devices, vitals(20, 14));
    expect((await api(ts.base, admin, 'PUT', URL_, { apneaSeconds: 40, criticalApneaSeconds: 60 })).status).toBe(200);
    // 25 s without breathing: with the default 15 s this would have prompted the wearer
    await driveTrace(ts, devices, vitals(25, 0));
    expect(devices.get('demo-wrist')!.commands).toEqual([]);
    expect((await api<unknown[]>(ts.base, admin, 'GET', '/api/alerts')).body).toEqual([]);
    // back to the defaults: the apnea already seen now counts, the next sample prompts
    expect((await api(ts.base, admin, 'PUT', URL_, {})).status).toBe(200);
    await driveTrace(ts, devices, vitals(1, 0));
    expect(devices.get('demo-wrist')!.commands.map((c) => c.type)).toEqual(['checkin']);
    const alerts = await api<{ state: string; reasons: string[] }[]>(ts.base, admin, 'GET', '/api/alerts');
    expect(alerts.body).toHaveLength(1);
    expect(alerts.body[0]!.state).toBe('pending_checkin');
    expect(alerts.body[0]!.reasons.join(' ')).toMatch(/no breathing for 2[45] s/);
    await disconnectAll(devices);
  });

  it("the wearable's check-in countdown and the timeline use the wearer's own window (checkinWindowMs 30 s), not the server default", async () => {
    const admin = await ts.admin();
    expect((await api(ts.base, admin, 'PUT', URL_, { checkinWindowMs: 30_000 })).status).toBe(200);
    const devices = await connectDemoDevices(ts, ['demo-wrist']);
    const vitals = (n: number, rr: number): TraceLine[] =>
      Array.from({ length: n }, (_, i) => ({
        t: (i + 1) * 1000,
        device: 'demo-wrist',
        stream: 'vitals' as const,
        data: { hr: 75, spo2: 97, rr, activity: 2, onBody: true },
      }));
    await driveTrace(ts, devices, vitals(20, 14));
    await driveTrace(ts, devices, vitals(17, 0));
    // The command travels back over MQTT: wait for it to arrive (I/O, no timer).
    await until(() => devices.get('demo-wrist')!.commands.length > 0, 1_000_000);
    expect(devices.get('demo-wrist')!.commands).toEqual([expect.objectContaining({ type: 'checkin', expiresInS: 30 })]);
    const alerts = await api<{ id: string }[]>(ts.base, admin, 'GET', '/api/alerts');
    const timeline = await ts.server.repos.db
      .selectFrom('alert_timeline')
      .select(['type', 'data'])
      .where('alert_id', '=', alerts.body[0]!.id)
      .execute();
    expect(JSON.parse(timeline.find((e) => e.type === 'wearer_prompt')!.data)).toMatchObject({ windowS: 30 });
    await disconnectAll(devices);
  });
});
