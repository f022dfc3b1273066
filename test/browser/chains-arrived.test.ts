// Chain editor and Arrived (issue 6.2, 6.7), written against the escalation branch's contract
// (GET|PUT /api/admin/chains/:id, POST /api/alerts/:id/arrived): the admin swaps alex and sam in the demo
// chain in the console; the next alert pages sam first (alarm on sam's phone, none on alex's); sam
// acknowledges and records arriving, which the timeline shows. Needs the escalation branch merged.
import { describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, api, connectDemoDevices, disconnectAll, driveDemoOverdose, login } from '../helpers/server.js';
import { browserSuite, signIn } from './browser.js';

const suite = browserSuite();

interface ChainJson {
  definition: { steps: { targets: { type: string; id?: string }[] }[] };
}

describe('chain editor and arrival', () => {
  it('after the admin puts sam first in the chain, the next alert pages sam; sam acknowledges and arrives', async () => {
    const adminCtx = await suite.phone();
    const admin = await adminCtx.newPage();
    await signIn(admin, 'admin', DEMO_PASSWORD);
    await admin.goto('/#/admin/chains');
    await admin.getByRole('link', { name: 'Demo chain' }).click();
    await admin.getByRole('heading', { level: 2, name: 'Edit chain: Demo chain' }).waitFor();
    const step1 = admin.locator('li.step[data-step="1"]');
    const step2 = admin.locator('li.step[data-step="2"]');
    await step1.getByRole('checkbox', { name: 'Alex' }).uncheck();
    await step1.getByRole('checkbox', { name: 'Sam' }).check();
    await step2.getByRole('checkbox', { name: 'Sam' }).uncheck();
    await step2.getByRole('checkbox', { name: 'Alex' }).check();
    await admin.getByRole('button', { name: 'Save chain' }).click();
    await admin.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const adminApi = await login(suite.ts.base, 'admin');
    const chain = await api<ChainJson>(suite.ts.base, adminApi, 'GET', '/api/admin/chains/demo-chain');
    expect(chain.body.definition.steps.map((s) => s.targets.map((x) => x.id ?? x.type))).toEqual([
      ['sam'],
      ['alex'],
      ['emergency_contact'],
    ]);

    const samCtx = await suite.phone();
    const alexCtx = await suite.phone();
    const sam = await samCtx.newPage();
    const alex = await alexCtx.newPage();
    await signIn(sam, 'sam', DEMO_PASSWORD);
    await signIn(alex, 'alex', DEMO_PASSWORD);
    const devices = await connectDemoDevices(suite.ts);
    const samApi = await login(suite.ts.base, 'sam');
    const alertId = await driveDemoOverdose(suite.ts, devices, samApi, 5);
    await sam.locator('html[data-alarm-count="1"]').waitFor();
    expect(await alex.evaluate(() => document.documentElement.dataset.alarmCount ?? null)).toBeNull();

    await sam.goto(`/#/alerts/${alertId}`);
    await sam.getByRole('button', { name: 'Acknowledge', exact: true }).click();
    await sam.getByText('You are attending.', { exact: true }).waitFor();
    await sam.getByRole('button', { name: 'Arrived' }).click();
    await sam.locator('#timeline li', { hasText: 'Sam arrived' }).waitFor();
    const detail = await api<{ timeline: { type: string; by?: string }[] }>(suite.ts.base, samApi, 'GET', `/api/alerts/${alertId}`);
    expect(detail.body.timeline.filter((e) => e.type === 'arrived').map((e) => e.by)).toEqual(['sam']);
    await disconnectAll(devices);
    await adminCtx.close();
    await samCtx.close();
    await alexCtx.close();
  });
});
