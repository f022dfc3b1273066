// Escalation tells what its clock found as named events on the bus; alerts/ owns what they mean for
// the alert (re-escalation after an ack timeout, an expired check-in) and the live messages.
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../clock.js';
import { InProcessBus, type Events } from '../events/index.js';
import { sequentialIds } from '../ids.js';
import { createLogger } from '../log.js';
import { createMetrics } from '../metrics.js';
import { createChannels } from '../notify/index.js';
import { createRepos, openDatabase } from '../store/index.js';
import type { ChainDefinition } from './chain.js';
import { Escalator } from './escalator.js';
import { createHarness, seedService, type Harness } from '../../../test/rigs/escalation-harness.js';

const CHAIN: ChainDefinition = {
  steps: [{ targets: [{ type: 'responder', id: 'r1' }], channels: ['app', 'sms'], waitS: 60 }],
  finalStep: { targets: [{ type: 'responder', id: 'r2' }], channels: ['sms'], waitS: 60 },
};

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close().catch(() => undefined);
});

async function rig(opts: Parameters<typeof createHarness>[0] = {}) {
  const h = await createHarness(opts);
  harnesses.push(h);
  await seedService(h, { responders: 3, wearers: 1, chain: CHAIN });
  const seen: { name: keyof Events; payload: unknown }[] = [];
  const names: (keyof Events)[] = [
    'escalation.stepRan',
    'escalation.ackTimedOut',
    'escalation.chainExhausted',
    'escalation.othersToldTaken',
    'escalation.checkinExpired',
  ];
  for (const name of names) h.bus.subscribe(name, (payload) => void seen.push({ name, payload }));
  return { h, seen };
}

describe('escalation events', () => {
  it('each step ran is told, and an exhausted chain is told once per reminder; alerts/ tells the app "unacknowledged"', async () => {
    const { h, seen } = await rig({ escalator: { reminderEveryMs: 60_000 } });
    h.connect('admin');
    const id = await h.raise('w1');
    await h.advance(3 * 60_000 + 1_000, 10_000);
    const token = (await h.repos.alertById(id))!.escalation_token;
    expect(seen.filter((e) => e.name === 'escalation.stepRan').map((e) => e.payload)).toEqual([
      { alertId: id, token, step: 0 },
      { alertId: id, token, step: 1 },
    ]);
    expect(seen.filter((e) => e.name === 'escalation.chainExhausted').map((e) => e.payload)).toEqual([
      { alertId: id, token, reminder: 1 },
      { alertId: id, token, reminder: 2 },
    ]);
    expect(h.events.get('admin')!.filter((e) => e.type === 'alert' && e.change === 'unacknowledged')).toHaveLength(2);
  });

  it('an acknowledgement tells the others paged in the app; an ack timeout is told and alerts/ re-escalates and says "retriggered"', async () => {
    const { h, seen } = await rig({ escalator: { ackTimeoutMs: 120_000 } });
    h.connect('r1');
    h.connect('admin');
    const id = await h.raise('w1');
    await h.drain();
    await h.alerts.ack(id, (await h.repos.userById('admin'))!, 'app');
    await h.drain();
    const taken = seen.filter((e) => e.name === 'escalation.othersToldTaken').map((e) => e.payload as Events['escalation.othersToldTaken']);
    expect(taken.map((t) => t.userIds)).toEqual([['r1']]);
    expect(h.events.get('r1')!.filter((e) => e.type === 'alert' && e.change === 'taken')).toHaveLength(1);
    const tokenAtAck = (await h.repos.alertById(id))!.escalation_token;

    await h.advance(121_000, 10_000);
    expect(seen.filter((e) => e.name === 'escalation.ackTimedOut').map((e) => e.payload)).toEqual([
      { alertId: id, token: tokenAtAck, afterS: 120 },
    ]);
    const alert = (await h.repos.alertById(id))!;
    expect(alert).toMatchObject({ state: 'escalating', attending_responder_id: null, acknowledged_at: null });
    const types = (await h.repos.timeline(id)).map((e) => e.type);
    // Why first, then the chain's step 0 again.
    expect(types.slice(types.indexOf('ack_timeout'))).toEqual(expect.arrayContaining(['ack_timeout', 'escalating', 'escalation_step']));
    expect(types.indexOf('escalating', types.indexOf('ack_timeout'))).toBeLessThan(types.lastIndexOf('escalation_step'));
    expect(h.events.get('admin')!.some((e) => e.type === 'alert' && e.change === 'retriggered')).toBe(true);
  });

  it('an ack timeout whose responder arrived meanwhile changes nothing', async () => {
    const { h, seen } = await rig({ escalator: { ackTimeoutMs: 120_000 } });
    const id = await h.raise('w1');
    await h.drain();
    const r1 = (await h.repos.userById('r1'))!;
    await h.alerts.ack(id, r1, 'app');
    await h.alerts.arrived(id, r1, 'app');
    await h.advance(200_000, 10_000);
    expect(seen.filter((e) => e.name === 'escalation.ackTimedOut')).toEqual([]);
    expect((await h.repos.alertById(id))!.state).toBe('acknowledged');
  });

  it('the scheduler alone never changes the alert: without alerts/ listening, an ack timeout is told and the alert stays acknowledged', async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 1, 12));
    const db = await openDatabase(':memory:');
    try {
      const repos = createRepos(db.db);
      await seedService({ repos, clock }, { responders: 1, wearers: 1, chain: CHAIN });
      const bus = new InProcessBus<Events>();
      const told: Events['escalation.ackTimedOut'][] = [];
      bus.subscribe('escalation.ackTimedOut', (e) => void told.push(e));
      const never = { send: () => Promise.reject(new Error('no provider in this test')) } as never;
      const esc = new Escalator({
        repos,
        clock,
        ids: sequentialIds(),
        channels: createChannels({
          app: { page: () => 0 },
          sms: never,
          voice: never,
          smsStatusCallback: undefined,
          voiceStatusCallback: undefined,
          voiceGatherUrl: 'https://odart.example/v',
        }),
        bus,
        log: createLogger('silent'),
        metrics: createMetrics({ defaults: false }),
        publicUrl: 'https://odart.example',
        ackTimeoutMs: 60_000,
        ratePerS: 0,
        notifyTimeoutMs: 5000,
        maxAttempts: 3,
        retryBaseMs: 2000,
      });
      const now = clock.now();
      await repos.insertOpenAlert({
        id: 'al1',
        service_id: 'svc',
        wearer_id: 'w1',
        state: 'acknowledged',
        score: 90,
        reasons: '[]',
        news2: null,
        chain_snapshot: JSON.stringify({ ...CHAIN, repeat: 0, groups: {} }),
        escalation_token: 0,
        attending_responder_id: 'r1',
        outcome: null,
        note: null,
        created_at: now,
        updated_at: now,
        closed_at: null,
      });
      await esc.acknowledged('al1', { userId: 'r1', phone: null, name: 'Responder 1' });
      clock.advanceTo(now + 61_000);
      await esc.runDue();
      expect(told).toEqual([{ alertId: 'al1', token: 1, afterS: 60 }]);
      expect(await repos.alertById('al1')).toMatchObject({ state: 'acknowledged', attending_responder_id: 'r1', escalation_token: 1 });
      esc.close();
    } finally {
      await db.close();
    }
  });
});
