// The console's alarm-centre hand-off endpoints in Chromium at 360 px (issue 17 item 1): an admin registers
// a centre (a URL the server refuses is marked at its field; the secret comes back masked), sees it listed,
// hands a chain step to it (a step for the centre alone switches to the hand-off channel), cannot delete it
// while a chain uses it, and deletes it once the chain no longer does. axe, 44 px targets, no sideways scroll.
import { describe, expect, it } from 'vitest';
import { api, login } from '../helpers/server.js';
import { expectAccessibleScreen } from './axe.js';
import { browserSuite } from './browser.js';

const suite = browserSuite();

interface ChainAnswer {
  id: string;
  name: string;
  definition: { steps: { targets: Record<string, unknown>[]; channels: string[]; waitS: number }[] };
}

describe('alarm-centre hand-off endpoints in the console', () => {
  it('registers an endpoint, lists it, uses it as a chain step target, and deletes it once no chain uses it', async () => {
    const ts = suite.ts;
    const admin = await login(ts.base, 'admin');
    const phones = await suite.signedInPhones('admin');
    const [page] = phones.pages;
    try {
      await page.goto('/#/admin/chains');
      await page.getByRole('heading', { level: 3, name: 'Alarm centres (hand-off)' }).waitFor();
      await page.getByText('No alarm centre yet').waitFor();

      // A plain-http address off this machine is refused, and the answer is shown at the URL field.
      await page.getByLabel('Name', { exact: true }).fill('Northside alarm centre');
      await page.getByLabel('Address (URL)').fill('http://alarm.example.org/odart');
      await page.getByLabel('Shared secret').fill('a-long-shared-secret-7421');
      await page.getByLabel('Format').selectOption('cap');
      await page.getByRole('button', { name: 'Add alarm centre' }).click();
      await page.locator('input[aria-invalid="true"][type="url"]').waitFor();
      expect(await page.locator('.field-error').first().textContent()).toMatch(/https/);

      await page.getByLabel('Address (URL)').fill('https://alarm.example.org/odart');
      await page.getByLabel('Shared secret').fill('a-long-shared-secret-7421');
      await page.getByRole('button', { name: 'Add alarm centre' }).click();
      const row = page.getByRole('table', { name: 'Alarm centres (hand-off)' }).locator('tbody tr', { hasText: 'Northside alarm centre' });
      await row.waitFor();
      // listed with its address and format; the secret only as its last four characters
      expect(await row.textContent()).toBe('Northside alarm centrehttps://alarm.example.org/odartCAP••••7421Remove Northside alarm centre');
      const [ep] = (await api<{ id: string; name: string; secret: string }[]>(ts.base, admin, 'GET', '/api/admin/handoff-endpoints')).body;
      expect(ep).toMatchObject({ name: 'Northside alarm centre', secret: '••••7421' });
      await expectAccessibleScreen(page, 'call chains with an alarm centre');

      // A new chain whose one step hands the alert to the centre: the step switches to the hand-off channel.
      await page.getByRole('link', { name: 'New chain' }).click();
      await page.getByLabel('Chain name').fill('Night hand-off');
      const step = page.locator('li.step[data-step="1"]');
      await step.getByRole('checkbox', { name: 'Alarm centre: Northside alarm centre' }).check();
      expect(await step.getByRole('checkbox', { name: 'Alarm centre hand-off' }).isChecked()).toBe(true);
      expect(await step.getByRole('checkbox', { name: 'App' }).isChecked()).toBe(false);
      expect(await step.getByRole('checkbox', { name: 'SMS' }).isChecked()).toBe(false);
      await expectAccessibleScreen(page, 'chain editor with an alarm centre');
      await page.getByRole('button', { name: 'Save chain' }).click();
      await page.getByRole('heading', { level: 2, name: 'Edit chain: Night hand-off' }).waitFor();
      const chains = (await api<ChainAnswer[]>(ts.base, admin, 'GET', '/api/admin/chains')).body;
      const chain = chains.find((c) => c.name === 'Night hand-off')!;
      expect(chain.definition.steps).toEqual([
        { targets: [{ type: 'handoff', id: ep!.id }], channels: ['handoff'], fallbackChannels: [], waitS: 60 },
      ]);
      // read back, the editor shows the centre ticked
      await page.reload();
      expect(await step.getByRole('checkbox', { name: 'Alarm centre: Northside alarm centre' }).isChecked()).toBe(true);

      // While the chain hands off to it, the centre cannot be removed: the server's reason is said.
      await page.goto('/#/admin/chains');
      await page.getByRole('button', { name: 'Remove Northside alarm centre' }).click();
      await page.getByText('The chain "Night hand-off" hands off to this endpoint; change it first.').waitFor();
      expect(await row.count()).toBe(1);

      // The step goes to Alex by the app instead; then the centre can go.
      await page.goto(`/#/admin/chains/${chain.id}`);
      await step.getByRole('checkbox', { name: 'Alarm centre: Northside alarm centre' }).uncheck();
      await step.getByRole('checkbox', { name: 'Alex' }).check();
      await step.getByRole('checkbox', { name: 'Alarm centre hand-off' }).uncheck();
      await step.getByRole('checkbox', { name: 'App' }).check();
      await page.getByRole('button', { name: 'Save chain' }).click();
      await page.waitForFunction(() => (document.activeElement?.textContent ?? '').includes('Saved.'));
      await page.goto('/#/admin/chains');
      await page.getByRole('button', { name: 'Remove Northside alarm centre' }).click();
      await page.getByText('No alarm centre yet').waitFor();
      expect((await api<unknown[]>(ts.base, admin, 'GET', '/api/admin/handoff-endpoints')).body).toEqual([]);
      const after = (await api<ChainAnswer>(ts.base, admin, 'GET', `/api/admin/chains/${chain.id}`)).body;
      expect(after.definition.steps).toEqual([
        { targets: [{ type: 'responder', id: 'alex' }], channels: ['app'], fallbackChannels: [], waitS: 60 },
      ]);
    } finally {
      await phones.close();
    }
  });
});
