// A group's rota in the console at 360 px (issue 16.1): who is on shift now, the next 7 days, gaps and
// members who cannot be paged, adding and removing a shift, adding and removing an override; and the
// dashboard's rota warnings. The server's clock is
// Thursday 1 January 2026, 12:00 in Europe/London.
import { describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, addResponder, api, login } from '../helpers/server.js';
import { expectAccessibleScreen } from './axe.js';
import { browserSuite, signIn } from './browser.js';

const suite = browserSuite();

describe('rota page in the console', () => {
  it('shows who is on now, the next 7 days, the gaps and the unreachable; adds and removes a shift and an override', async () => {
    const admin = await login(suite.ts.base, 'admin');
    await addResponder(suite.ts, 'kim', 'Kim');
    const g = await api<{ id: string }>(suite.ts.base, admin, 'POST', '/api/admin/groups', { name: 'Nights', memberIds: ['alex', 'sam'] });
    await api(suite.ts.base, admin, 'PUT', `/api/admin/groups/${g.body.id}/rota`, {
      shifts: [
        { userId: 'alex', weekday: 4, start: '08:00', end: '20:00' },
        { userId: 'kim', weekday: 4, start: '20:00', end: '08:00' },
      ],
    });

    const ctx = await suite.phone();
    const page = await ctx.newPage();
    await signIn(page, 'admin', DEMO_PASSWORD);
    // The dashboard names the group with its gaps and who cannot be paged.
    await page.goto('/#/admin');
    const summary = page.locator('#rota-summary');
    await summary.waitFor();
    expect(await summary.textContent()).toMatch(/Nights: Nobody on shift from Fri 2 Jan, 08:00 to .*Kim: no phone/);
    await summary.getByRole('link', { name: 'Nights' }).click();

    await page.getByRole('heading', { level: 2, name: 'Rota: Nights' }).waitFor();
    expect(await page.locator('#rota-now').textContent()).toBe('Alex');
    expect(await page.locator('#rota-warnings').textContent()).toMatch(/Nobody on shift from Fri 2 Jan, 08:00 to Thu 8 Jan, 08:00/);
    expect(await page.locator('#rota-warnings').textContent()).toMatch(/Kim: no phone, no push notifications and not signed in to the app/);
    const next = page.getByRole('table', { name: 'Next 7 days' });
    expect(await next.locator('tbody tr').first().textContent()).toMatch(/Thu 1 Jan, 12:00.*Thu 1 Jan, 20:00.*Alex/);
    // Nothing wider than the phone.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await expectAccessibleScreen(page, 'rota page');

    // Sam takes Friday days: the gap shrinks.
    await page.getByLabel('Person', { exact: true }).first().selectOption('sam');
    await page.getByLabel('Day', { exact: true }).selectOption('5');
    await page.getByLabel('Starts (local time)').fill('08:00');
    await page.getByLabel(/^Ends \(local time/).fill('20:00');
    await page.getByRole('button', { name: 'Add shift' }).click();
    await page.locator('#rota-warnings', { hasText: 'Nobody on shift from Fri 2 Jan, 20:00' }).waitFor();
    const rota = await api<{ shifts: { userId: string; weekday: number }[] }>(
      suite.ts.base,
      admin,
      'GET',
      `/api/admin/groups/${g.body.id}/rota`,
    );
    expect(rota.body.shifts).toContainEqual({ userId: 'sam', weekday: 5, start: '08:00', end: '20:00' });

    // Kim's Thursday night goes by the Remove button named for its row: Kim is off the rota's warnings.
    await page.getByRole('button', { name: 'Remove: Thursday 20:00 Kim' }).click();
    await page.locator('#rota-warnings:not(:has-text("Kim"))').waitFor();
    const shifts = page.getByRole('table', { name: 'Weekly shifts' });
    expect(await shifts.locator('tbody tr').allTextContents()).toEqual(['Thursday08:0020:00AlexRemove', 'Friday08:0020:00SamRemove']);

    // An override: Sam covers Alex next Thursday's day shift, listed, then removed by its named button.
    const overrides = page.getByRole('table', { name: 'Overrides' });
    await page.getByLabel('Person', { exact: true }).last().selectOption('sam');
    await page.getByLabel('Replaces (optional)').selectOption('alex');
    await page.getByLabel('From', { exact: true }).fill('2026-01-08T08:00');
    await page.getByLabel('To', { exact: true }).fill('2026-01-08T20:00');
    await page.getByRole('button', { name: 'Add override' }).click();
    await overrides.locator('tbody tr', { hasText: 'Sam covers Alex' }).waitFor();
    const added = await api<{ overrides: { userId: string; replacesUserId: string | null; start: string; end: string }[] }>(
      suite.ts.base,
      admin,
      'GET',
      `/api/admin/groups/${g.body.id}/rota`,
    );
    expect(added.body.overrides).toMatchObject([
      { userId: 'sam', replacesUserId: 'alex', start: '2026-01-08T08:00:00.000Z', end: '2026-01-08T20:00:00.000Z' },
    ]);
    await page.getByRole('button', { name: 'Remove: Sam covers Alex' }).click();
    await overrides.locator('tbody tr').first().waitFor({ state: 'detached' });
    const removed = await api<{ overrides: unknown[] }>(suite.ts.base, admin, 'GET', `/api/admin/groups/${g.body.id}/rota`);
    expect(removed.body.overrides).toEqual([]);
    await ctx.close();
  });

  it("reads an override's times in the service's time zone, not the browser's (a phone in New York, a service in London)", async () => {
    const admin = await login(suite.ts.base, 'admin');
    const g = await api<{ id: string }>(suite.ts.base, admin, 'POST', '/api/admin/groups', { name: 'Weekend', memberIds: ['alex', 'sam'] });
    const ctx = await suite.phone({ timezoneId: 'America/New_York' });
    const page = await ctx.newPage();
    await signIn(page, 'admin', DEMO_PASSWORD);
    expect(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone)).toBe('America/New_York');
    await page.goto(`/#/admin/rota/${g.body.id}`);
    await page.getByRole('heading', { level: 2, name: 'Rota: Weekend' }).waitFor();
    // "Sam covers Alex on Sat 3 Jan 20:00-08:00", typed as the service's clock shows it.
    await page.getByLabel('Person', { exact: true }).last().selectOption('sam');
    await page.getByLabel('Replaces (optional)').selectOption('alex');
    await page.getByLabel('From', { exact: true }).fill('2026-01-03T20:00');
    await page.getByLabel('To', { exact: true }).fill('2026-01-04T08:00');
    await page.getByRole('button', { name: 'Add override' }).click();
    const overrides = page.getByRole('table', { name: 'Overrides' });
    await overrides.locator('tbody tr').first().waitFor();
    expect(await overrides.locator('tbody tr').first().textContent()).toMatch(/Sat 3 Jan, 20:00.*Sun 4 Jan, 08:00.*Sam/);
    const rota = await api<{ overrides: { userId: string; start: string; end: string }[] }>(
      suite.ts.base,
      admin,
      'GET',
      `/api/admin/groups/${g.body.id}/rota`,
    );
    // London is on GMT in January: 20:00 there is 20:00 UTC (the browser's reading would have been 01:00 UTC).
    expect(rota.body.overrides).toEqual([
      expect.objectContaining({ userId: 'sam', start: '2026-01-03T20:00:00.000Z', end: '2026-01-04T08:00:00.000Z' }),
    ]);
    await ctx.close();
  });
});
