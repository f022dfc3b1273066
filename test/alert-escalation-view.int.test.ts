// The escalation clock on alerts (GET /api/alerts/:id and the open items of GET /api/alerts), from the
// stored jobs and the chain snapshot, in virtual time over real HTTP and SQLite: who is called next and
// when, the arrival timeout after an acknowledgement, and an exhausted chain.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { T0, api, login, settle, startTestServer, type TestServer } from './helpers/server.js';

interface Escalation {
  step: number;
  steps: number;
  nextAt: string | null;
  next: string[];
  ackTimeoutAt: string | null;
  exhausted: boolean;
}
interface AlertJson {
  id: string;
  state: string;
  escalation?: Escalation;
}

let ts: TestServer;
let admin: string;
beforeEach(async () => {
  ts = await startTestServer();
  admin = await login(ts.base, 'admin');
});
afterEach(async () => {
  await ts.close();
});

const iso = (ms: number) => new Date(ms).toISOString();

async function escalation(cookie: string, id: string): Promise<Escalation | undefined> {
  const res = await api<AlertJson>(ts.base, cookie, 'GET', `/api/alerts/${id}`);
  expect(res.status).toBe(200);
  return res.body.escalation;
}

async function advance(ms: number): Promise<void> {
  ts.clock.advance(ms);
  await settle(ts);
}

describe('escalation clock on alerts', () => {
  it('demo chain: Sam next in 60 s, then the emergency contact, then exhausted; the ack starts the arrival clock', async () => {
    await ts.server.alerts.handle([
      { kind: 'wearer_prompt', wearerId: 'demo-wearer', t: T0, score: 70, reasons: ['rr<=7 for 20s'], news2: null, windowMs: 15_000 },
    ]);
    await settle(ts);
    const id = (await ts.server.repos.openAlertForWearer('demo-wearer'))!.id;
    // Check-in: nobody is paged yet; Alex is first if the person does not answer (the detector decides when).
    expect(await escalation(admin, id)).toEqual({ step: 0, steps: 3, nextAt: null, next: ['Alex'], ackTimeoutAt: null, exhausted: false });

    await advance(10_000);
    await ts.server.alerts.handle([
      { kind: 'responder_alert', wearerId: 'demo-wearer', t: ts.clock.now(), score: 90, reasons: ['no breathing 30 s'], news2: null },
    ]);
    await settle(ts);
    const started = ts.clock.now();
    expect(await escalation(admin, id)).toEqual({
      step: 0,
      steps: 3,
      nextAt: iso(started + 60_000),
      next: ['Sam'],
      ackTimeoutAt: null,
      exhausted: false,
    });
    // The responder sees the same clock, in the list too.
    const alex = await login(ts.base, 'alex');
    const list = (await api<AlertJson[]>(ts.base, alex, 'GET', '/api/alerts')).body;
    expect(list.find((a) => a.id === id)?.escalation).toEqual({
      step: 0,
      steps: 3,
      nextAt: iso(started + 60_000),
      next: ['Sam'],
      ackTimeoutAt: null,
      exhausted: false,
    });

    await advance(60_000);
    expect(await escalation(alex, id)).toEqual({
      step: 1,
      steps: 3,
      nextAt: iso(started + 120_000),
      next: ['Emergency contact'],
      ackTimeoutAt: null,
      exhausted: false,
    });

    await advance(60_000);
    // The final step (wait 0) has run: no step left, nobody acknowledged.
    expect(await escalation(alex, id)).toEqual({ step: 2, steps: 3, nextAt: null, next: [], ackTimeoutAt: null, exhausted: true });

    await advance(5_000);
    const ack = await api<{ attending: boolean }>(ts.base, alex, 'POST', `/api/alerts/${id}/ack`, {});
    expect(ack.body.attending).toBe(true);
    const ackAt = ts.clock.now();
    expect(await escalation(alex, id)).toEqual({
      step: 2,
      steps: 3,
      nextAt: null,
      next: [],
      ackTimeoutAt: iso(ackAt + 600_000),
      exhausted: false,
    });

    // Not arrived in 10 min: the chain restarts from Alex, and the clock says so.
    await advance(600_000);
    expect(await escalation(alex, id)).toEqual({
      step: 0,
      steps: 3,
      nextAt: iso(ackAt + 660_000),
      next: ['Sam'],
      ackTimeoutAt: null,
      exhausted: false,
    });

    const resolved = await api(ts.base, alex, 'POST', `/api/alerts/${id}/resolve`, { outcome: 'wearer_ok' });
    expect(resolved.status).toBe(200);
    expect(await escalation(alex, id)).toEqual({ step: 0, steps: 3, nextAt: null, next: [], ackTimeoutAt: null, exhausted: false });
    // Closed items of the list carry no clock.
    const after = (await api<AlertJson[]>(ts.base, alex, 'GET', '/api/alerts')).body.find((a) => a.id === id);
    expect(after?.state).toBe('resolved');
    expect(after?.escalation).toBeUndefined();
  });

  it('labels groups and phone contacts by their names, and counts repeats and the final step', async () => {
    const g = await api<{ id: string }>(ts.base, admin, 'POST', '/api/admin/groups', { name: 'Night team', memberIds: ['sam'] });
    const c = await api<{ id: string }>(ts.base, admin, 'POST', '/api/admin/chains', {
      name: 'Nights',
      definition: {
        steps: [
          { targets: [{ type: 'responder', id: 'alex' }], channels: ['app', 'sms'], waitS: 30 },
          {
            targets: [
              { type: 'group', id: g.body.id },
              { type: 'phone', phone: '+447700900555', label: 'Hostel desk' },
            ],
            channels: ['sms'],
            waitS: 45,
          },
        ],
        repeat: 1,
        finalStep: { targets: [{ type: 'emergency_contact' }], channels: ['sms'], waitS: 0 },
      },
    });
    expect(c.status).toBe(201);
    await api(ts.base, admin, 'PUT', '/api/admin/wearers/demo-wearer/chain', { chainId: c.body.id });
    await ts.server.alerts.handle([
      { kind: 'responder_alert', wearerId: 'demo-wearer', t: ts.clock.now(), score: 90, reasons: ['no breathing 30 s'], news2: null },
    ]);
    await settle(ts);
    const id = (await ts.server.repos.openAlertForWearer('demo-wearer'))!.id;
    const t0 = ts.clock.now();
    expect(await escalation(admin, id)).toMatchObject({ step: 0, steps: 5, nextAt: iso(t0 + 30_000), next: ['Night team', 'Hostel desk'] });
    await advance(30_000);
    expect(await escalation(admin, id)).toMatchObject({ step: 1, nextAt: iso(t0 + 75_000), next: ['Alex'] });
    await advance(45_000);
    // The repeat: position 2 is the first step again; the group and the desk come next once more.
    expect(await escalation(admin, id)).toMatchObject({ step: 2, nextAt: iso(t0 + 105_000), next: ['Night team', 'Hostel desk'] });
  });
});
