// Naloxone kits in Chromium at 360 px (issue 17 item 2): the admin adds kits on the console (a box without a
// place is refused at the field), sees which need replacing and who carries one, and gives the home a map
// point; the responder's alert screen lists the nearest kits with distance and a geo: directions link, and
// "I have naloxone with me" goes with the acknowledgement onto the timeline. axe and 44 px targets on both.
import { describe, expect, it } from 'vitest';
import { connectDemoDevices, disconnectAll, driveDemoOverdose, login } from '../helpers/server.js';
import { expectAccessibleScreen, expectNoAxeViolations, smallTargets } from './axe.js';
import { browserSuite } from './browser.js';

const suite = browserSuite();

describe('naloxone kits', () => {
  it('the console keeps kits and the home point; the alarm screen shows the nearest and takes "I have naloxone"', async () => {
    const ts = suite.ts;
    const phones = await suite.signedInPhones('admin', 'alex');
    const [admin, alex] = phones.pages;
    const devices = await connectDemoDevices(ts);
    try {
      await admin.goto('/#/admin/kits');
      await admin.getByRole('heading', { level: 2, name: 'Naloxone kits' }).waitFor();
      await admin.getByText('No kits yet').waitFor();

      // A box needs its place: the server's answer is shown at the field.
      await admin.getByLabel('Name', { exact: true }).fill('Library box');
      await admin.getByLabel('Expiry date').fill('2026-01-20');
      await admin.getByRole('button', { name: 'Add kit' }).click();
      await admin.locator('.field-error').first().waitFor();
      expect(await admin.locator('form [role="status"]').textContent()).toMatch(/latitude, longitude/);

      await admin.getByLabel('Latitude').fill('55.8652');
      await admin.getByLabel('Longitude').fill('-4,2518'); // a decimal comma is read too
      await admin.getByRole('button', { name: 'Add kit' }).click();
      await admin.locator('#view table', { hasText: 'Library box' }).waitFor();
      await admin.locator('#kit-warnings', { hasText: 'Library box expires in 19 days (2026-01-20)' }).waitFor();

      await admin.getByLabel('Name', { exact: true }).fill("Sam's kit");
      await admin.getByLabel('Where it is').selectOption('responder');
      await admin.getByLabel('Who carries it').selectOption({ label: 'Sam' });
      await admin.getByLabel('Expiry date').fill('2026-11-30');
      await admin.getByRole('button', { name: 'Add kit' }).click();
      await admin.locator('#kit-carriers', { hasText: "Sam: Sam's kit (until 2026-11-30)" }).waitFor();
      await expectAccessibleScreen(admin, 'naloxone kits');

      // Edit the box: a renewed kit leaves the warnings.
      await admin.getByRole('button', { name: 'Edit Library box' }).click();
      await admin.getByLabel('Expiry date').fill('2027-06-30');
      await admin.getByRole('button', { name: 'Save' }).click();
      await admin.locator('#view table', { hasText: '2027-06-30' }).waitFor();
      expect(await admin.locator('#kit-warnings').count()).toBe(0);

      // The home's map point, on the wearer's page.
      await admin.goto('/#/admin/wearers/demo-wearer');
      await admin.getByRole('heading', { level: 2, name: 'Jo' }).waitFor();
      await admin
        .getByRole('group', { name: /Home location/ })
        .getByLabel('Latitude')
        .fill('55.8642');
      await admin
        .getByRole('group', { name: /Home location/ })
        .getByLabel('Longitude')
        .fill('-4.2518');
      await admin.getByRole('button', { name: 'Save' }).first().click();
      await admin.waitForFunction(() => (document.activeElement?.textContent ?? '').includes('Saved'));

      const alertId = await driveDemoOverdose(ts, devices, await login(ts.base, 'alex'), 21);
      await alex.goto(`/#/alerts/${alertId}`);
      await alex.getByRole('heading', { level: 3, name: 'Naloxone nearby' }).waitFor();
      const first = alex.locator('#nearest-kits li').first();
      expect(await first.textContent()).toMatch(/Library box · 110 m · Box/);
      expect(await first.getByRole('link', { name: 'Directions Library box' }).getAttribute('href')).toBe('geo:55.865200,-4.251800');
      expect(await alex.locator('#kit-carriers').textContent()).toBe('Carrying naloxone: Sam');

      await alex.locator('section.detail').getByLabel('I have naloxone with me').check();
      await alex.locator('section.detail').getByRole('button', { name: 'Acknowledge' }).click();
      await alex.locator('#timeline li[data-type="acknowledged"]', { hasText: 'Alex is going (has naloxone)' }).waitFor();
      await expectNoAxeViolations(alex, 'alarm screen with naloxone');
      expect(await smallTargets(alex), 'tap targets on the alarm screen').toEqual([]);
    } finally {
      await disconnectAll(devices);
      await phones.close();
    }
  });
});
