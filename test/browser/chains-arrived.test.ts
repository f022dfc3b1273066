// Chain editor and Arrived (issue 6.2, 6.7), written against the escalation branch's contract
// (GET|PUT /api/admin/chains/:id, POST /api/alerts/:id/arrived): the admin swaps alex and sam in the demo
// chain in the console; the next alert pages sam first (alarm on sam's phone, none on alex's); sam
// acknowledges and records arriving, which the timeline shows. Needs the escalation branch merged.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateScenario } from '../../simulator/src/scenarios.js';
import { DEMO_PASSWORD, api, connectDemoDevices, disconnectAll, driveTrace, login, startTestServer, type TestServer } from '../helpers/server.js';
import { launch, phone, signIn } from './browser.js';

let ts: TestServer;
let browser: Browser;
beforeAll(async () => {
  ts = await startTestServer();
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await ts?.close();
});

interface ChainJson { definition: { steps: { targets: { type: string; id?: string }[] }[] } }

describe('chain editor and arrival', () => {
  it('after the admin puts sam first in the chain, the next alert pages sam; sam acknowledges and arrives', async () => {
    const adminCtx = await phone(browser, ts.base);
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
    const adminApi = await login(ts.base, 'admin');
    const chain = await api<ChainJson>(ts.base, adminApi, 'GET', '/api/admin/chains/demo-chain');
    expect(chain.body.definition.steps.map((s) => s.targets.map((x) => x.id ?? x.type))).toEqual([['sam'], ['alex'], ['emergency_contact']]);

    const samCtx = await phone(browser, ts.base);
    const alexCtx = await phone(browser, ts.base);
    const sam = await samCtx.newPage();
    const alex = await alexCtx.newPage();
    await signIn(sam, 'sam', DEMO_PASSWORD);
    await signIn(alex, 'alex', DEMO_PASSWORD);
    const devices = await connectDemoDevices(ts);
    const samApi = await login(ts.base, 'sam');
    await driveTrace(ts, devices, generateScenario('overdose', { seed: 5, wearer: 'demo-wearer', wrist: 'demo-wrist', room: 'demo-room' }).lines, {
      stopWhen: async () => (await api<{ state: string }[]>(ts.base, samApi, 'GET', '/api/alerts')).body.some((a) => a.state === 'escalating'),
    });
    const alertId = (await api<{ id: string }[]>(ts.base, samApi, 'GET', '/api/alerts')).body[0]!.id;
    await sam.locator('html[data-alarm-count="1"]').waitFor();
    expect(await alex.evaluate(() => document.documentElement.dataset.alarmCount ?? null)).toBeNull();

    await sam.goto(`/#/alerts/${alertId}`);
    await sam.getByRole('button', { name: 'Acknowledge', exact: true }).click();
    await sam.getByText('You are attending.').waitFor();
    await sam.getByRole('button', { name: 'Arrived' }).click();
    await sam.locator('#timeline li', { hasText: 'Sam arrived' }).waitFor();
    const detail = await api<{ timeline: { type: string; by?: string }[] }>(ts.base, samApi, 'GET', `/api/alerts/${alertId}`);
    expect(detail.body.timeline.filter((e) => e.type === 'arrived').map((e) => e.by)).toEqual(['sam']);
    await disconnectAll(devices);
    await adminCtx.close();
    await samCtx.close();
    await alexCtx.close();
  });
});
