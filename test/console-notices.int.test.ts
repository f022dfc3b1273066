// Admin notices kept server-side per service (real HTTP, WebSocket, SQLite, virtual time): a chain that
// runs out, consent changes and device problems are stored, listed after a restart, told live to the
// service's admins, and dismissed by an admin; other services and responders see nothing (404).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { api, liveClient, login, loginOtherServiceAdmin, settle, startTestServer, until, type TestServer } from './helpers/server.js';

let ts: TestServer;
let admin: string;
beforeEach(async () => {
  ts = await startTestServer();
  admin = await login(ts.base, 'admin');
});
afterEach(async () => {
  await ts?.close();
});

interface NoticeJson {
  id: string;
  at: string;
  kind: string;
  alertId: string | null;
  wearerId: string | null;
  alias: string | null;
  count: number;
  data: Record<string, unknown>;
}

async function exhaustChain(): Promise<string> {
  await ts.server.alerts.handle([
    { kind: 'responder_alert', wearerId: 'demo-wearer', t: ts.clock.now(), score: 90, reasons: ['no breathing 30 s'], news2: null },
  ]);
  await settle(ts);
  for (let i = 0; i < 130; i++) {
    ts.clock.advance(1000);
    await settle(ts);
  }
  return (await ts.server.repos.openAlertForWearer('demo-wearer'))!.id;
}
const notices = async (cookie = admin) => api<NoticeJson[]>(ts.base, cookie, 'GET', '/api/admin/notices');

describe('admin notices', () => {
  it('a chain that runs out is a notice, told live to admins, kept across a restart, and dismissed by an admin', async () => {
    const live = await liveClient(ts.base, admin);
    const id = await exhaustChain();
    await until(() => live.messages.some((m) => m.type === 'notice'));
    const live1 = live.messages.find((m) => m.type === 'notice') as unknown as { notice: NoticeJson };
    expect(live1.notice).toMatchObject({ kind: 'chain_exhausted', alertId: id, wearerId: 'demo-wearer', alias: 'Jo' });
    // The admins' live feed also carried the alert change the app sounds its alarm for.
    expect(live.messages.some((m) => m.type === 'alert' && m.change === 'unacknowledged')).toBe(true);
    live.ws.close();

    // Five more minutes: the reminder repeats, the notice is the same one, counted.
    for (let i = 0; i < 300; i += 10) {
      ts.clock.advance(10_000);
      await settle(ts);
    }
    const list = await notices();
    expect(list.status).toBe(200);
    expect(list.body.filter((n) => n.kind === 'chain_exhausted')).toEqual([expect.objectContaining({ alertId: id, count: 2 })]);

    const dataDir = ts.dataDir;
    await ts.close({ keepData: true });
    ts = await startTestServer({ dataDir, clock: ts.clock });
    admin = await login(ts.base, 'admin');
    const after = await notices();
    expect(after.body.map((n) => n.id)).toEqual(list.body.map((n) => n.id));

    const noticeId = after.body[0]!.id;
    const other = await loginOtherServiceAdmin(ts);
    expect((await notices(other)).body).toEqual([]);
    expect((await api(ts.base, other, 'POST', `/api/admin/notices/${noticeId}/dismiss`, {})).status).toBe(404);
    const alex = await login(ts.base, 'alex');
    expect((await notices(alex)).status).toBe(404);
    const dismissed = await api<NoticeJson>(ts.base, admin, 'POST', `/api/admin/notices/${noticeId}/dismiss`, {});
    expect(dismissed.status).toBe(200);
    expect((await notices()).body.map((n) => n.id)).not.toContain(noticeId);
    expect((await api(ts.base, admin, 'POST', '/api/admin/notices/nope/dismiss', {})).status).toBe(404);
  });

  it('consent changes and device problems are notices too; erasing the wearer erases them', async () => {
    await ts.server.consent.pause('demo-wearer', 30 * 60_000, 'admin');
    await ts.server.alerts.handle([
      {
        kind: 'technical',
        wearerId: 'demo-wearer',
        t: ts.clock.now(),
        deviceId: 'demo-wrist',
        issue: 'off_body',
        detail: 'no skin contact 60 s',
      },
    ]);
    await settle(ts);
    const list = (await notices()).body;
    expect(list.map((n) => n.kind).sort()).toEqual(['consent', 'technical']);
    expect(list.find((n) => n.kind === 'consent')!.data).toMatchObject({ change: 'paused', via: 'admin' });
    expect(list.find((n) => n.kind === 'technical')!.data).toMatchObject({ deviceId: 'demo-wrist', issue: 'off_body' });
    expect((await api(ts.base, admin, 'DELETE', '/api/admin/wearers/demo-wearer')).status).toBe(204);
    expect((await notices()).body).toEqual([]);
  });
});
