// A chain step "on shift in group X" in virtual time across the daylight-saving changes of Europe/London
// (2026: forward at 01:00 UTC on 29 March, back at 01:00 UTC on 25 October): the alert pages whoever is on
// shift when it starts, keeps them, and a repeat pass adds whoever has come on shift since.
import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, seedService, type Harness } from '../../../test/rigs/escalation-harness.js';
import type { ChainDefinition } from './chain.js';

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close().catch(() => undefined);
});

const CHAIN: ChainDefinition = {
  steps: [{ targets: [{ type: 'on_shift', groupId: 'g1' }], channels: ['sms'], waitS: 1800 }],
  repeat: 1,
};

/** r1 on Saturday nights 20:00-08:00, r2 on Sundays 08:00-20:00; r3 is in the group but not on the rota. */
async function rig(startIso: string) {
  const h = await createHarness({ start: Date.parse(startIso) });
  harnesses.push(h);
  const s = await seedService(h, { responders: 4, wearers: 1, chain: CHAIN });
  await h.repos.services.updateService('svc', { time_zone: 'Europe/London' });
  await h.escalator.esc.insertGroup({ id: 'g1', service_id: 'svc', name: 'Night', created_at: 0, updated_at: 0 }, ['r1', 'r2', 'r3']);
  await h.repos.rotas.replaceShifts('g1', [
    { id: 's1', group_id: 'g1', user_id: 'r1', weekday: 6, start_min: 20 * 60, end_min: 8 * 60, created_at: 0 },
    { id: 's2', group_id: 'g1', user_id: 'r2', weekday: 7, start_min: 8 * 60, end_min: 20 * 60, created_at: 0 },
  ]);
  return { h, ...s };
}

/** Phones texted so far, in order. */
const texted = (h: Harness) => h.sms.requests.map((r) => r.to);

/** Raises an alert for w1 and lets the 30-minute wait run out: whom the first pass and the repeat texted. */
async function passes(h: Harness): Promise<{ first: string[]; repeat: string[] }> {
  await h.raise('w1');
  await h.drain();
  const first = texted(h);
  await h.advance(30 * 60_000, 60_000);
  return { first, repeat: texted(h).slice(first.length).sort() };
}

describe('chain step on shift in a group, across daylight saving', () => {
  it('spring forward: an alert at 07:40 BST pages the night shift; the repeat at 08:10 BST adds the day shift', async () => {
    const { h, phone } = await rig('2026-03-29T06:40:00Z');
    const id = await h.raise('w1');
    await h.drain();
    expect(texted(h)).toEqual([phone(1)]);
    // The day shift starts at 08:00 BST = 07:00 UTC (the shift that began at 20:00 GMT lasted 11 hours).
    await h.advance(29 * 60_000, 60_000);
    expect(texted(h)).toEqual([phone(1)]);
    await h.advance(60_000, 60_000);
    expect(texted(h).slice(1).sort()).toEqual([phone(1), phone(2)]);
    const snap = JSON.parse((await h.repos.alertById(id))!.chain_snapshot) as { onShift: Record<string, string[]> };
    expect(snap.onShift).toEqual({ g1: ['r1'] });
  });

  it('fall back: at 07:30 GMT the night shift (20:00 BST to 08:00 GMT, 13 hours) is still on', async () => {
    const { h, phone } = await rig('2026-10-25T07:30:00Z');
    expect(await passes(h)).toEqual({ first: [phone(1)], repeat: [phone(1), phone(2)] });
  });

  it('an override puts the cover on instead of the person they replace, for its interval only', async () => {
    const { h, phone } = await rig('2026-03-29T06:40:00Z');
    await h.repos.rotas.insertOverride({
      id: 'o1',
      group_id: 'g1',
      user_id: 'r4',
      replaces_user_id: 'r1',
      start_at: Date.parse('2026-03-29T06:00:00Z'),
      end_at: Date.parse('2026-03-29T07:00:00Z'),
      note: 'Sam covers Alex',
      created_at: 0,
    });
    // The repeat keeps the cover (snapshot) and adds the day shift; r1's shift is over by then.
    expect(await passes(h)).toEqual({ first: [phone(4)], repeat: [phone(2), phone(4)] });
  });

  it('with nobody on shift the step reaches no one and the chain moves on at once', async () => {
    const { h } = await rig('2026-03-29T19:30:00Z'); // 20:30 BST on Sunday: no shift
    const id = await h.raise('w1');
    await h.drain();
    expect(h.sms.requests).toEqual([]);
    expect((await h.repos.timeline(id)).map((e) => e.type)).toContain('step_failed');
  });
});
