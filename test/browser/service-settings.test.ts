// The service's phone line as an admin setting (console, #/admin/service): the admin saves it, and a
// responder's alarm screen then offers "Call Demo service" next to "Call 999".
import { describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, api, login } from '../helpers/server.js';
import { browserSuite, signIn } from './browser.js';

const suite = browserSuite();

describe('service settings in the console', () => {
  it('the admin sets the service phone line and emergency number', async () => {
    const ctx = await suite.phone();
    const page = await ctx.newPage();
    await signIn(page, 'admin', DEMO_PASSWORD);
    await page.goto('/#/admin/service');
    await page.getByRole('heading', { level: 2, name: 'Service settings' }).waitFor();
    expect(await page.getByLabel('Emergency number').inputValue()).toBe('999');
    await page.getByLabel('Service phone line (optional)').fill('0141 555 0100');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const admin = await login(suite.ts.base, 'admin');
    expect((await api<{ phone: string | null; emergencyNumber: string }>(suite.ts.base, admin, 'GET', '/api/admin/service')).body).toMatchObject({ phone: '0141 555 0100', emergencyNumber: '999' });
    // A bad number is refused with the API's message, nothing saved.
    await page.getByLabel('Emergency number').fill('nine');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#flash', { hasText: 'emergencyNumber' }).waitFor();
    expect((await api<{ emergencyNumber: string }>(suite.ts.base, admin, 'GET', '/api/admin/service')).body.emergencyNumber).toBe('999');
    await ctx.close();
  });
});
