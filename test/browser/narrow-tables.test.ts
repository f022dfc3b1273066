// The console's tables at 360 px (review leftover): a narrow screen shows each row as a card of labelled
// fields instead of a table wider than its frame, so nothing hides behind a sideways scroll. Kits, alarm
// centres (hand-off) and people are checked with real long content; the desktop width keeps the table.
import { describe, expect, it } from 'vitest';
import { api, login } from '../helpers/server.js';
import { expectAccessibleScreen } from './axe.js';
import { browserSuite } from './browser.js';

const suite = browserSuite();

/** Every console table on screen: its frame's scrollWidth and clientWidth. */
const widths = (page: import('playwright-core').Page) =>
  page.locator('.table-wrap').evaluateAll((els) => els.map((e) => ({ scroll: e.scrollWidth, client: e.clientWidth })));

describe('console tables at 360 px', () => {
  it('kits, alarm centres and people fit their frame as labelled cards, and stay tables at desktop width', async () => {
    const admin = await login(suite.ts.base, 'admin');
    await api(suite.ts.base, admin, 'POST', '/api/admin/kits', {
      name: 'Station pharmacy, north entrance',
      holder: 'pharmacy',
      address: '4 Station Road, Glasgow G1 1AA',
      latitude: 55.8609,
      longitude: -4.2571,
      expiresOn: '2027-03-31',
    });
    await api(suite.ts.base, admin, 'POST', '/api/admin/handoff-endpoints', {
      name: 'Northside alarm centre',
      url: 'https://alarm-centre.northside.example.org/odart/handoff/v1',
      secret: 'a-long-shared-secret-7421',
      format: 'cap',
    });
    const { pages, close } = await suite.signedInPhones('admin');
    const [page] = pages;
    const screens: [string, string][] = [
      ['/#/admin/kits', 'Station pharmacy, north entrance'],
      ['/#/admin/chains', 'Northside alarm centre'],
      ['/#/admin/people', 'Sam'],
    ];
    for (const [route, text] of screens) {
      await page.goto(route);
      await page.locator('.table-wrap td', { hasText: text }).first().waitFor();
      const w = await widths(page);
      expect(w.length, route).toBeGreaterThan(0);
      for (const x of w) expect(x.scroll, `${route}: a table scrolls sideways`).toBeLessThanOrEqual(x.client);
    }
    // Each cell says what it is, since the column headings are not shown above it.
    await page.goto('/#/admin/kits');
    const cell = page.locator('.table-wrap td', { hasText: '4 Station Road' });
    expect(await cell.evaluate((td) => getComputedStyle(td, '::before').content)).toMatch(/[A-Za-z]/);
    // Still a table to assistive technology: its rows and column headings are named as such.
    expect(await page.getByRole('table').first().getByRole('columnheader').count()).toBeGreaterThan(1);
    await expectAccessibleScreen(page, 'kits as cards at 360 px');

    // At desktop width the rows are table rows again.
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(
      await page
        .locator('.table-wrap tbody tr')
        .first()
        .evaluate((tr) => getComputedStyle(tr).display),
    ).toBe('table-row');
    await close();
  });
});
