// On duty and the reminder SMS, in virtual time: an off-duty responder is skipped (and the timeline
// says so), a step with nobody on duty moves on at once, contacts who are not users are always paged;
// a responder whose app did not see a page gets one reminder SMS per step, never once someone acted.
import { afterEach, describe, expect, it } from 'vitest';
import type { ChainDefinition } from './chain.js';
import { createHarness, seedService, SERVICE, type Harness } from '../../../test/rigs/escalation-harness.js';

const EC = '+447700900999';
const EXTERNAL = '+447700900555';
const CHAIN: ChainDefinition = {
  steps: [
    {
      targets: [
        { type: 'responder', id: 'r1' },
        { type: 'responder', id: 'r2' },
      ],
      channels: ['app', 'sms'],
      waitS: 60,
    },
    { targets: [{ type: 'responder', id: 'r3' }], channels: ['app', 'sms'], waitS: 60 },
  ],
  finalStep: {
    targets: [{ type: 'emergency_contact' }, { type: 'phone', phone: EXTERNAL, label: 'Hostel desk' }],
    channels: ['sms'],
    waitS: 0,
  },
};

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close().catch(() => undefined);
});

async function rig(chain: ChainDefinition = CHAIN, pageReminderMs = 0) {
  const h = await createHarness({ escalator: { pageReminderMs } });
  harnesses.push(h);
  const s = await seedService(h, { responders: 3, wearers: 1, chain });
  return { h, ...s };
}
const offDuty = (h: Harness, ...ids: string[]) => h.repos.db.updateTable('users').set({ on_duty: 0 }).where('id', 'in', ids).execute();
const entries = async (h: Harness, alertId: string, type: string) =>
  (await h.repos.timeline(alertId)).filter((e) => e.type === type).map((e) => e.data);

describe('on duty', () => {
  it('an off-duty responder is not paged, and the timeline says who was skipped and why', async () => {
    const { h, phone } = await rig();
    await offDuty(h, 'r2');
    const id = await h.raise('w1');
    await h.drain();
    expect(h.sms.requests.map((r) => r.to)).toEqual([phone(1)]);
    expect(await entries(h, id, 'target_skipped')).toEqual([{ target: 'responder:r2', step: 0, reason: 'off_duty' }]);
    // The step is not failed: r1 was reached, so the chain waits its 60 s.
    await h.advance(59_000);
    expect(h.sms.requests.map((r) => r.to)).toEqual([phone(1)]);
    await h.advance(1_000);
    expect(h.sms.requests.map((r) => r.to)).toEqual([phone(1), phone(3)]);
  });

  it('a step whose responders are all off duty moves the chain on at once, not after its wait', async () => {
    const { h, phone } = await rig();
    await offDuty(h, 'r1', 'r2');
    const start = h.clock.now();
    const id = await h.raise('w1');
    await h.drain();
    expect(h.sms.requests.map((r) => [r.to, r.at - start])).toEqual([[phone(3), 0]]);
    expect(await entries(h, id, 'step_failed')).toEqual([
      expect.objectContaining({ step: 0, reason: 'everyone in the step is off duty', next: 'now' }),
    ]);
    expect((await entries(h, id, 'target_skipped')).map((d) => d.target)).toEqual(['responder:r1', 'responder:r2']);
  });

  it('the emergency contact and external numbers are always paged, even when every responder is off duty', async () => {
    const { h } = await rig();
    await offDuty(h, 'r1', 'r2', 'r3');
    // An external chain number is paged once it confirmed by SMS (docs/escalation.md).
    await h.escalator.esc.requestVerification({
      service_id: SERVICE,
      phone: EXTERNAL,
      label: 'Hostel desk',
      code: '123456',
      requested_at: h.clock.now(),
    });
    await h.escalator.esc.markVerified(SERVICE, EXTERNAL, h.clock.now());
    const start = h.clock.now();
    const id = await h.raise('w1');
    await h.drain();
    expect(h.sms.requests.map((r) => [r.to, r.at - start]).sort()).toEqual(
      [
        [EC, 0],
        [EXTERNAL, 0],
      ].sort(),
    );
    expect(await entries(h, id, 'step_failed')).toHaveLength(2);
  });

  it('group members off duty are skipped; duty is read when the step runs, not when the alert began', async () => {
    const chain: ChainDefinition = {
      steps: [
        { targets: [{ type: 'group', id: 'g1' }], channels: ['sms'], waitS: 60 },
        { targets: [{ type: 'group', id: 'g1' }], channels: ['sms'], waitS: 60 },
      ],
    };
    const { h, phone } = await rig(chain);
    await h.escalator.esc.insertGroup({ id: 'g1', service_id: 'svc', name: 'Night', created_at: 0, updated_at: 0 }, ['r1', 'r2']);
    await offDuty(h, 'r1');
    await h.raise('w1');
    await h.drain();
    expect(h.sms.requests.map((r) => r.to)).toEqual([phone(2)]);
    await h.repos.db.updateTable('users').set({ on_duty: 1 }).where('id', '=', 'r1').execute();
    await offDuty(h, 'r2');
    await h.advance(60_000);
    expect(h.sms.requests.map((r) => r.to)).toEqual([phone(2), phone(1)]);
  });
});

describe('reminder SMS when the app did not see the page', () => {
  const reminders = (h: Harness, to: string) => h.sms.to(to).filter((r) => r.body.startsWith('ODART reminder:'));

  it('an app page nobody saw is followed by one reminder SMS after the set time, once per step', async () => {
    const { h, phone } = await rig(CHAIN, 30_000);
    h.connect('r1');
    const id = await h.raise('w1');
    await h.advance(29_000);
    expect(reminders(h, phone(1))).toHaveLength(0);
    await h.advance(1_000);
    expect(reminders(h, phone(1))).toHaveLength(1);
    expect(reminders(h, phone(2))).toHaveLength(1);
    // The reminder carries the recipient's own no-login link to this alert.
    for (const [n, user] of [
      [1, 'r1'],
      [2, 'r2'],
    ] as const) {
      const link = /\/#\/p\/(\S+)$/.exec(reminders(h, phone(n))[0]!.body)?.[1] ?? '';
      const ntf = await h.escalator.esc.notificationById(h.escalator.links.verify(link) ?? '');
      expect(ntf).toMatchObject({ alert_id: id, user_id: user });
    }
    expect(reminders(h, phone(1))[0]!.body.length).toBeLessThanOrEqual(160);
    // Step 2 (r3) gets its own reminder 30 s after it starts; step 1 never a second one.
    await h.advance(60_000);
    expect(reminders(h, phone(3))).toHaveLength(1);
    await h.advance(5 * 60_000, 10_000);
    expect(reminders(h, phone(1))).toHaveLength(1);
    expect(reminders(h, phone(3))).toHaveLength(1);
    expect((await entries(h, id, 'reminder_sms')).map((d) => d.target).sort()).toEqual(['responder:r1', 'responder:r2', 'responder:r3']);
  });

  it('no reminder to a responder whose app said it saw the page (over the live socket or POST .../seen)', async () => {
    const { h, phone } = await rig(CHAIN, 30_000);
    h.connect('r1');
    const id = await h.raise('w1');
    await h.drain();
    expect(await h.alerts.seen(id, (await h.repos.userById('r1'))!, 'live')).toBe(true);
    await h.advance(40_000);
    expect(reminders(h, phone(1))).toHaveLength(0);
    expect(reminders(h, phone(2))).toHaveLength(1);
    expect(await entries(h, id, 'seen')).toEqual([expect.objectContaining({ by: 'r1', via: 'live', step: 0 })]);
  });

  it('never after the responder acknowledged or someone else took it', async () => {
    const { h, phone } = await rig(CHAIN, 30_000);
    const id = await h.raise('w1');
    await h.advance(10_000);
    await h.alerts.ack(id, (await h.repos.userById('r2'))!, 'app');
    await h.advance(60_000);
    expect(reminders(h, phone(1))).toHaveLength(0);
    expect(reminders(h, phone(2))).toHaveLength(0);
  });

  it('not for a step without the app channel, and not when the setting is 0', async () => {
    const smsOnly: ChainDefinition = { steps: [{ targets: [{ type: 'responder', id: 'r1' }], channels: ['sms'], waitS: 60 }] };
    const { h, phone } = await rig(smsOnly, 30_000);
    await h.raise('w1');
    await h.advance(60_000);
    expect(reminders(h, phone(1))).toHaveLength(0);
    const off = await rig(CHAIN, 0);
    await off.h.raise('w1');
    await off.h.advance(60_000);
    expect(reminders(off.h, phone(1))).toHaveLength(0);
  });
});
