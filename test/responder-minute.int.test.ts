// The service side of "the responder's minute" over real HTTP, WebSocket and SQLite in virtual time:
// on duty set in the console is honoured by the next page; an app that reports a page `seen` (live
// socket or POST) gets no reminder SMS, one that did not gets exactly one; bad socket input is refused.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { api, liveClient, login, settle, startTestServer, until, type TestServer } from './helpers/server.js';

let ts: TestServer;
let admin: string;
beforeEach(async () => {
  ts = await startTestServer();
  admin = await login(ts.base, 'admin');
});
afterEach(async () => {
  await ts.close();
});

const ALEX = '+447700900101';
const SAM = '+447700900102';

async function raise(): Promise<string> {
  await ts.server.alerts.handle([
    { kind: 'responder_alert', wearerId: 'demo-wearer', t: ts.clock.now(), score: 90, reasons: ['no breathing 30 s'], news2: null },
  ]);
  await settle(ts);
  return (await ts.server.repos.openAlertForWearer('demo-wearer'))!.id;
}
async function advance(ms: number): Promise<void> {
  for (let left = ms; left > 0; left -= 1000) {
    ts.clock.advance(Math.min(1000, left));
    await settle(ts);
  }
}
const outbox = async () => (await api<{ to: string; body: string }[]>(ts.base, admin, 'GET', '/api/outbox')).body;
const reminders = async (to: string) => (await outbox()).filter((m) => m.to === to && m.body.startsWith('ODART reminder:'));

describe('on duty, set in the console, is honoured by escalation', () => {
  it('alex off duty: sam is paged at once, and the timeline says alex was skipped', async () => {
    const off = await api<{ onDuty: boolean }>(ts.base, admin, 'PATCH', '/api/admin/users/alex', { onDuty: false });
    expect(off.body.onDuty).toBe(false);
    const id = await raise();
    expect((await outbox()).map((m) => m.to)).toEqual([SAM]);
    const detail = await api<{ timeline: { type: string; [k: string]: unknown }[] }>(ts.base, admin, 'GET', `/api/alerts/${id}`);
    expect(detail.body.timeline).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'target_skipped', target: 'responder:alex', reason: 'off_duty' }),
        expect.objectContaining({ type: 'step_failed', step: 0, reason: 'everyone in the step is off duty' }),
      ]),
    );
  });
});

describe('reminder SMS when the app did not see the page', () => {
  it('the app says "seen" on the live socket: no reminder; sam (app closed) gets one after PAGE_REMINDER_S', async () => {
    const alexCookie = await login(ts.base, 'alex');
    const alex = await liveClient(ts.base, alexCookie);
    const id = await raise();
    await until(() => alex.messages.some((m) => m.type === 'page'));
    alex.ws.send(JSON.stringify({ type: 'seen', alertId: id }));
    await until(async () => (await ts.server.repos.timeline(id)).some((e) => e.type === 'seen'));
    await advance(60_000);
    // sam's step starts at 60 s; sam has no app open.
    await advance(30_000);
    expect(await reminders(ALEX)).toHaveLength(0);
    expect(await reminders(SAM)).toHaveLength(1);
    // sam's own no-login link to this alert
    const token = /\/#\/p\/(\S+)$/.exec((await reminders(SAM))[0]!.body)?.[1] ?? '';
    expect((await fetch(`${ts.base}/api/page/${token}`).then((r) => r.json() as Promise<{ alertId: string }>)).alertId).toBe(id);
    alex.ws.close();
  });

  it('POST /api/alerts/:id/seen does the same; without it the reminder goes once, 30 s after the page', async () => {
    const id = await raise();
    await advance(29_000);
    expect(await reminders(ALEX)).toHaveLength(0);
    await advance(1_000);
    expect(await reminders(ALEX)).toHaveLength(1);
    const sam = await login(ts.base, 'sam');
    await advance(30_000);
    const seen = await api<{ seen: boolean }>(ts.base, sam, 'POST', `/api/alerts/${id}/seen`, {});
    expect(seen).toEqual({ status: 200, body: { seen: true } });
    await advance(60_000);
    expect(await reminders(SAM)).toHaveLength(0);
    expect(await reminders(ALEX)).toHaveLength(1);
  });

  it('a bad message on the live socket gets a coded error and the connection keeps working', async () => {
    const alex = await liveClient(ts.base, await login(ts.base, 'alex'));
    alex.ws.send('not json');
    alex.ws.send(JSON.stringify({ type: 'seen', alertId: 'al_nope' }));
    await until(() => alex.messages.filter((m) => m.type === 'error').length === 2);
    expect(alex.messages.filter((m) => m.type === 'error').map((m) => (m.error as { code: string }).code)).toEqual([
      'ODART_ERR_VALIDATION',
      'ODART_ERR_NOT_FOUND',
    ]);
    await raise();
    await until(() => alex.messages.some((m) => m.type === 'page'));
    alex.ws.close();
  });
});
