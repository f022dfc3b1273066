// The detection calibration panel on the console's wearer page at 360 px: nothing learnt before data,
// then a room sensor still on the reference prior is named (scale not learnt yet), and one that shows
// no spread between moving and still after an hour is flagged (check its placement).
import { describe, expect, it } from 'vitest';
import type { TraceLine } from '../../simulator/src/trace.js';
import { DEMO_PASSWORD, connectDemoDevices, disconnectAll, driveTrace } from '../helpers/server.js';
import { expectAccessibleScreen } from './axe.js';
import { browserSuite, signIn } from './browser.js';

const suite = browserSuite();

describe('detection calibration on the wearer page', () => {
  it('shows "not learnt yet", then a room sensor on the reference prior, then still learning with a placement warning, within 360 px', async () => {
    const ctx = await suite.phone();
    const page = await ctx.newPage();
    await signIn(page, 'admin', DEMO_PASSWORD);
    await page.goto('/#/admin/wearers/demo-wearer');
    const panel = page.locator('#calibration');
    await panel.getByRole('heading', { name: 'Detection calibration' }).waitFor();
    await panel.getByText('No room sensor readings yet.').waitFor();
    expect(await panel.locator('#baselines').textContent()).toMatch(
      /Breathing: not learnt yet.*SpO2: not learnt yet.*Heart rate: not learnt yet/,
    );

    // An hour of occupied readings from a room sensor that reads 2-5 whatever the person does.
    const devices = await connectDemoDevices(suite.ts, ['demo-room']);
    const lines: TraceLine[] = Array.from({ length: 1800 }, (_, i) => ({
      t: (i + 1) * 2000,
      device: 'demo-room',
      stream: 'presence' as const,
      data: { occupied: true, motion: 2 + (i % 4) },
    }));
    // after 60 occupied readings on the reference prior the sensor is named: its scale is not learnt yet
    await driveTrace(suite.ts, devices, lines.slice(0, 61));
    await page.reload();
    await panel.locator('[data-warning="demo-room"]').waitFor();
    expect(await panel.locator('[data-warning="demo-room"]').textContent()).toMatch(/demo-room: scale not learnt yet/);
    await driveTrace(suite.ts, devices, lines.slice(61));
    await disconnectAll(devices);
    await page.reload();
    await panel.locator('[data-warning="demo-room"]').waitFor();
    expect(await panel.locator('[data-warning="demo-room"]').textContent()).toMatch(/demo-room: .*check (its|the sensor) placement/);
    const row = panel.locator('table tbody tr').first();
    expect(await row.textContent()).toMatch(/demo-room.*1800.*still learning/);
    // the page fits the phone: no horizontal scrolling
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await expectAccessibleScreen(page, 'wearer page with a calibration warning');
    await ctx.close();
  });
});
