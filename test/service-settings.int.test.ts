// The service's own numbers (real HTTP, real SQLite): the admin sets the emergency number and the
// service's phone line (GET/PATCH /api/admin/service); responders get both on the alert screen
// (GET /api/alerts/:id/context) to call 999 or the service. Bad values are refused with the field named.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { api, login, loginOtherServiceAdmin, settle, startTestServer, type TestServer } from './helpers/server.js';

let ts: TestServer;
let admin: string;
beforeEach(async () => {
  ts = await startTestServer();
  admin = await login(ts.base, 'admin');
});
afterEach(async () => {
  await ts.close();
});

interface ServiceJson {
  id: string;
  name: string;
  emergencyNumber: string;
  phone: string | null;
  defaultCountry: string;
}
interface ErrorJson {
  error: { code: string; message: string };
}

describe('service settings', () => {
  it('the admin sets the service phone and emergency number; responders see them on the alert', async () => {
    expect((await api<ServiceJson>(ts.base, admin, 'GET', '/api/admin/service')).body).toEqual({
      id: 'demo',
      name: 'Demo service',
      emergencyNumber: '999',
      phone: null,
      defaultCountry: 'GB',
      timeZone: 'Europe/London',
    });
    const set = await api<ServiceJson>(ts.base, admin, 'PATCH', '/api/admin/service', {
      phone: '+44 141 555 0100',
      emergencyNumber: '112',
    });
    expect(set).toEqual({
      status: 200,
      body: {
        id: 'demo',
        name: 'Demo service',
        emergencyNumber: '112',
        phone: '+44 141 555 0100',
        defaultCountry: 'GB',
        timeZone: 'Europe/London',
      },
    });

    await ts.server.alerts.handle([
      { kind: 'responder_alert', wearerId: 'demo-wearer', t: ts.clock.now(), score: 90, reasons: ['no breathing 30 s'], news2: null },
    ]);
    await settle(ts);
    const id = (await ts.server.repos.openAlertForWearer('demo-wearer'))!.id;
    const alex = await login(ts.base, 'alex');
    const ctx = await api<{ emergencyNumber: string; servicePhone: string | null; serviceName: string }>(
      ts.base,
      alex,
      'GET',
      `/api/alerts/${id}/context`,
    );
    expect(ctx.body).toMatchObject({ emergencyNumber: '112', servicePhone: '+44 141 555 0100', serviceName: 'Demo service' });

    // Cleared again: the alert screen then offers no service call.
    expect((await api<ServiceJson>(ts.base, admin, 'PATCH', '/api/admin/service', { phone: null })).body.phone).toBeNull();
    expect((await api<{ servicePhone: string | null }>(ts.base, alex, 'GET', `/api/alerts/${id}/context`)).body.servicePhone).toBeNull();
  });

  it('refuses bad numbers with the field named, and is the admin’s own service only', async () => {
    for (const [body, field] of [
      [{ phone: 'call us' }, 'phone'],
      [{ emergencyNumber: '' }, 'emergencyNumber'],
      [{ emergencyNumber: '99 9; DROP' }, 'emergencyNumber'],
      [{ name: 'x' }, '(body)'],
    ] as const) {
      const res = await api<ErrorJson>(ts.base, admin, 'PATCH', '/api/admin/service', body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('ODART_ERR_VALIDATION');
      expect(res.body.error.message).toContain(field);
    }
    const alex = await login(ts.base, 'alex');
    expect((await api<ErrorJson>(ts.base, alex, 'GET', '/api/admin/service')).status).toBe(404);
    expect((await api<ErrorJson>(ts.base, alex, 'PATCH', '/api/admin/service', { phone: '+441415550100' })).status).toBe(404);
    const other = await loginOtherServiceAdmin(ts);
    expect((await api<ServiceJson>(ts.base, other, 'PATCH', '/api/admin/service', { phone: '+441415550199' })).body).toMatchObject({
      id: 'other',
      phone: '+441415550199',
    });
    expect((await api<ServiceJson>(ts.base, admin, 'GET', '/api/admin/service')).body.phone).toBeNull();
  });
});
