// Twilio down for minutes (HTTP 500 and 503 answers and connections reset mid-request), with ten
// alerts escalating at once, in virtual time. Every alert still pages responders in the app at once,
// retries its SMS with backoff, moves along its chain, and every SMS is delivered once Twilio is back.
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeTwilio, twilioEnv, type FakeTwilio } from '../helpers/fake-twilio.js';
import { api, login, settle, startTestServer, type TestServer } from '../helpers/server.js';

let ts: TestServer | null = null;
let fake: FakeTwilio | null = null;
afterEach(async () => {
  await ts?.close();
  await fake?.close();
});

const ALEX = '+447700900101';
const SAM = '+447700900102';

describe('provider outage', () => {
  it('ten alerts during five minutes of 500s and timeouts: nothing is dropped, everything is sent after recovery', async () => {
    fake = await startFakeTwilio();
    ts = await startTestServer({
      env: { ...twilioEnv(fake), NOTIFY_RETRY_BASE_MS: '2000', NOTIFY_TIMEOUT_MS: '5000', SMS_RATE_PER_S: '20' },
    });
    const admin = await login(ts.base, 'admin');
    let outage = true;
    const delivered: { to: string; body: string }[] = [];
    fake.behave = (r, n) => {
      if (!outage) {
        delivered.push({ to: r.to, body: r.body });
        return { type: 'ok' };
      }
      return n % 3 === 0 ? { type: 'reset' } : { type: 'error', status: n % 3 === 1 ? 500 : 503, code: 20500 };
    };
    // Ten wearers, each with the demo chain and its own emergency contact.
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const w = await api<{ id: string }>(ts.base, admin, 'POST', '/api/admin/wearers', {
        alias: `P${i}`,
        consent: 'active',
        chainId: 'demo-chain',
        responderIds: ['alex', 'sam'],
        emergencyContactPhone: `+4477009003${String(i).padStart(2, '0')}`,
      });
      ids.push(w.body.id);
    }
    const live = await ts.server.alerts.handle(
      ids.map((wearerId) => ({
        kind: 'responder_alert' as const,
        wearerId,
        t: ts!.clock.now(),
        score: 90,
        reasons: ['no breathing for 30 s'],
        news2: null,
      })),
    );
    void live;
    await settle(ts);
    // Five minutes of outage, in virtual time.
    for (let s = 0; s < 300; s += 5) {
      ts.clock.advance(5000);
      await settle(ts);
    }
    expect(delivered).toEqual([]);
    outage = false;
    for (let s = 0; s < 600; s += 5) {
      ts.clock.advance(5000);
      await settle(ts);
    }
    const alerts = await api<{ id: string; wearerId: string; state: string }[]>(ts.base, admin, 'GET', '/api/alerts');
    expect(alerts.body).toHaveLength(10);
    for (const a of alerts.body) {
      expect(a.state).toBe('escalating');
      const d = await api<{ timeline: { type: string; channel?: string; target?: string }[] }>(
        ts.base,
        admin,
        'GET',
        `/api/alerts/${a.id}`,
      );
      const tl = d.body.timeline;
      // The app page never waits for the SMS provider.
      expect(
        tl
          .filter((e) => e.type === 'notified' && e.channel === 'app')
          .map((e) => e.target)
          .sort(),
      ).toEqual(['responder:alex', 'responder:sam']);
      // Every step of the chain ran despite the outage (no stall on the provider).
      expect(tl.filter((e) => e.type === 'escalation_step').length).toBeGreaterThanOrEqual(3);
      // After recovery every SMS target of this alert got its message, once.
      // A page names its notification in its link (#/p/<id>.<mac>), and so its alert.
      const mine: typeof delivered = [];
      for (const m of delivered) {
        const n = await ts.server.escalator.esc.notificationById(`ntf_${/#\/p\/([a-z0-9_]+)\./.exec(m.body)?.[1] ?? ''}`);
        if (n?.alert_id === a.id) mine.push(m);
      }
      const i = ids.indexOf(a.wearerId);
      const ec = `+4477009003${String(i).padStart(2, '0')}`;
      const pages = mine.filter((m) => !m.body.startsWith('ODART reminder:'));
      for (const to of [ALEX, SAM, ec])
        expect(
          pages.filter((m) => m.to === to),
          `${a.id} ${to}`,
        ).toHaveLength(1);
      // No app was open: alex and sam also got their step's reminder SMS, once each, the contact none.
      expect(
        mine
          .filter((m) => m.body.startsWith('ODART reminder:'))
          .map((m) => m.to)
          .sort(),
        `${a.id} reminders`,
      ).toEqual([ALEX, SAM].sort());
    }
    expect((await fetch(`${ts.base}/healthz`)).status).toBe(200);
  });
});
