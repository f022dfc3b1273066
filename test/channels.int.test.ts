// The channel list over real HTTP: the console's chain editor offers what GET /api/channels says (the
// server's registry), to admins and responders signed in; the chain schema refuses any other id.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { api, login, startTestServer, type TestServer } from './helpers/server.js';

let ts: TestServer;
beforeEach(async () => {
  ts = await startTestServer();
});
afterEach(async () => {
  await ts.close();
});

describe('GET /api/channels', () => {
  it("lists the registry's channels to anyone signed in, nobody else", async () => {
    const want = [
      { id: 'app', label: 'App' },
      { id: 'sms', label: 'SMS' },
      { id: 'voice', label: 'Phone call' },
      { id: 'push', label: 'Push notification' },
      { id: 'handoff', label: 'Alarm centre hand-off' },
    ];
    expect((await api(ts.base, await login(ts.base, 'admin'), 'GET', '/api/channels')).body).toEqual(want);
    expect((await api(ts.base, await login(ts.base, 'alex'), 'GET', '/api/channels')).body).toEqual(want);
    const anon = await api<{ error: { code: string } }>(ts.base, '', 'GET', '/api/channels');
    expect(anon.status).toBe(401);
    expect(anon.body.error.code).toBe('ODART_ERR_UNAUTHENTICATED');
  });

  it('a chain naming a channel the registry does not have is refused like any invalid field', async () => {
    const admin = await login(ts.base, 'admin');
    const res = await api<{ error: { code: string; message: string } }>(ts.base, admin, 'POST', '/api/admin/chains', {
      name: 'x',
      definition: { steps: [{ targets: [{ type: 'responder', id: 'alex' }], channels: ['pigeon'], waitS: 10 }] },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('ODART_ERR_VALIDATION');
    expect(res.body.error.message).toBe('invalid fields: definition.steps.0.channels.0');
  });
});
