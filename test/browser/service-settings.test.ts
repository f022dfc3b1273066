// The service settings in the console (#/admin/service): the phone line and emergency number offered on
// the alarm screen, errors at the field, and the country national phone numbers are read in (defaultCountry).
import { describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, api, login } from '../helpers/server.js';
import { expectAccessibleScreen } from './axe.js';
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
    expect(
      (await api<{ phone: string | null; emergencyNumber: string }>(suite.ts.base, admin, 'GET', '/api/admin/service')).body,
    ).toMatchObject({ phone: '0141 555 0100', emergencyNumber: '999' });
    // A bad number is refused with the API's message at the field (and said under the button), nothing saved.
    const emergency = page.getByLabel('Emergency number');
    await emergency.fill('nine');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('.field-error', { hasText: 'a number of 2 to 15 digits' }).waitFor();
    expect(await emergency.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#view form [role="status"]').textContent()).toMatch(/emergencyNumber.*Check the fields marked below/);
    await expectAccessibleScreen(page, 'service settings with an error');
    expect((await api<{ emergencyNumber: string }>(suite.ts.base, admin, 'GET', '/api/admin/service')).body.emergencyNumber).toBe('999');
    await emergency.fill('999');
    await ctx.close();
  });

  it('the admin sets the country national phone numbers are read in, and enrolment reads them so', async () => {
    const ctx = await suite.phone();
    const page = await ctx.newPage();
    await signIn(page, 'admin', DEMO_PASSWORD);
    await page.goto('/#/admin/service');
    const country = page.getByLabel('Country for phone numbers');
    await country.waitFor();
    // Every country the server accepts, by name; the service's own one chosen.
    expect(await country.inputValue()).toBe('GB');
    expect(await country.locator('option:checked').textContent()).toBe('United Kingdom (GB)');
    expect(await country.locator('option').count()).toBeGreaterThan(200);
    expect(await page.locator(`#${await country.getAttribute('aria-describedby')}`).textContent()).toMatch(/07700 900123/);
    await expectAccessibleScreen(page, 'service settings');
    await country.selectOption('IE');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const admin = await login(suite.ts.base, 'admin');
    expect((await api<{ defaultCountry: string }>(suite.ts.base, admin, 'GET', '/api/admin/service')).body.defaultCountry).toBe('IE');
    await page.reload();
    await page.getByLabel('Country for phone numbers').waitFor();
    expect(await page.getByLabel('Country for phone numbers').inputValue()).toBe('IE');

    // An Irish mobile typed as dialled is now read as one.
    await page.goto('/#/admin/wearers');
    await page.getByLabel('Name or alias').fill('Niamh');
    await page.getByLabel('Mobile phone').fill('087 123 4567');
    await page.getByRole('button', { name: 'Enrol' }).click();
    await page.getByRole('heading', { level: 2, name: 'Niamh' }).waitFor();
    expect(await page.getByLabel('Mobile phone').inputValue()).toBe('+353871234567');
    await ctx.close();
  });
});
