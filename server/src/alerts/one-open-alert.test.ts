// One open alert per wearer, also across connections: two nodes (here two AlertServices on two
// SQLite connections to one file) deciding the same wearer's alert at the same instant store one.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChainDefinition } from '../escalation/chain.js';
import { createHarness, seedService, type Harness } from '../../../test/rigs/escalation-harness.js';

const CHAIN: ChainDefinition = { steps: [{ targets: [{ type: 'responder', id: 'r1' }], channels: ['sms'], waitS: 60 }] };

const harnesses: Harness[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close().catch(() => undefined);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function twoNodes() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'odart-one-open-'));
  dirs.push(dataDir);
  const a = await createHarness({ dataDir });
  harnesses.push(a);
  await seedService(a, { responders: 1, wearers: 1, chain: CHAIN });
  const b = await createHarness({ dataDir, clock: a.clock });
  harnesses.push(b);
  return { a, b };
}

const openAlerts = async (h: Harness) => (await h.repos.openAlerts()).filter((x) => x.wearer_id === 'w1');

describe('one open alert per wearer', () => {
  it('two connections raising the same wearer at the same instant store one alert, and both apply to it', async () => {
    const { a, b } = await twoNodes();
    const t = a.clock.now();
    const raise = { kind: 'responder_alert' as const, wearerId: 'w1', t, score: 90, reasons: ['test: no breathing 30 s'], news2: null };
    await Promise.all([a.alerts.handle([raise]), b.alerts.handle([{ ...raise, score: 95 }])]);
    const open = await openAlerts(a);
    expect(open).toHaveLength(1);
    expect(open[0]!.state).toBe('escalating');
    // The node that lost the insert re-read the open alert and applied its decision to that one.
    expect((await a.repos.timeline(open[0]!.id)).filter((e) => e.type === 'created')).toHaveLength(1);
  });

  it('two check-in prompts at once: one pending alert', async () => {
    const { a, b } = await twoNodes();
    const prompt = {
      kind: 'wearer_prompt' as const,
      wearerId: 'w1',
      t: a.clock.now(),
      score: 60,
      reasons: ['test: slow breathing'],
      news2: null,
      windowMs: 15_000,
    };
    await Promise.all([a.alerts.handle([prompt]), b.alerts.handle([prompt])]);
    const open = await openAlerts(a);
    expect(open.map((x) => x.state)).toEqual(['pending_checkin']);
  });
});
