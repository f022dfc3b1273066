// The service console as a new admin uses it, in Chromium at 360 px (issue "the responder's minute",
// service side): enrolment traps (national phone numbers, errors at the field, Saved announced and
// focused, new devices listed at once, both one-time secrets kept, the consent-link warning, a chain made
// and assigned from the wearer, the emergency contact's step by SMS), the readiness checklist, the live
// view with the chain-exhausted alarm and stored notices; on every console screen axe-core finds no
// violation, targets are at least 44 px (axe.ts smallTargets) and nothing scrolls sideways.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, settle } from '../helpers/server.js';
import { expectAccessibleScreen, expectNoAxeViolations } from './axe.js';
import { browserSuite, signIn } from './browser.js';

const suite = browserSuite();

const focusedText = (page: Page) => page.evaluate(() => document.activeElement?.textContent ?? '');

describe('service console at 360 px', () => {
  it('enrolment: field errors, Saved announced, devices listed at once with both secrets, link warning, chain from the wearer, readiness', async () => {
    const ctx = await suite.phone();
    const page = await ctx.newPage();
    await signIn(page, 'admin', DEMO_PASSWORD);
    await page.goto('/#/admin/wearers');
    await page.getByRole('button', { name: 'Enrol' }).waitFor();
    await page.locator('#view table').waitFor();
    await expectAccessibleScreen(page, 'people monitored');

    await page.getByLabel('Name or alias').fill('Robin');
    await page.getByLabel('Mobile phone').fill('12345');
    await page.getByRole('checkbox', { name: 'Alex' }).check();
    await page.getByRole('button', { name: 'Enrol' }).click();
    const phone = page.getByLabel('Mobile phone');
    await page.locator('.field-error').first().waitFor();
    expect(await phone.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('.field-error').first().textContent()).toMatch(/not a valid phone number in GB/);
    // The error is also said under the button, in the status line.
    expect(await page.locator('form [role="status"]').first().textContent()).toMatch(/Check the fields marked below/);
    await expectNoAxeViolations(page, 'enrol form with errors');

    await phone.fill('07700 900150');
    await page.getByRole('button', { name: 'Enrol' }).click();
    await page.getByRole('heading', { level: 2, name: 'Robin' }).waitFor();
    await page.waitForFunction(() => (document.activeElement?.textContent ?? '').includes('Robin is enrolled'));
    expect(await page.getByLabel('Mobile phone').inputValue()).toBe('+447700900150');

    // Readiness: not ready, and says why.
    await page.locator('#readiness').waitFor();
    expect(await page.locator('#readiness-state').textContent()).toBe('not ready');
    expect(await page.locator('#readiness li[data-item="chain"]').textContent()).toMatch(/Missing: Call chain assigned/);
    expect(await page.locator('#readiness li[data-item="consent"]').textContent()).toMatch(/Missing: Consent/);
    expect(await page.locator('#readiness li[data-item="monitoring"]').textContent()).toMatch(
      /Missing: Monitored now.*NOT MONITORED: the core has not told their devices yet/,
    );

    // Two devices: both listed at once, both secrets kept with copy buttons.
    await page.getByLabel('Device id').fill('robin-wrist');
    await page.getByRole('button', { name: 'Register' }).click();
    await page.locator('#view table', { hasText: 'robin-wrist' }).waitFor();
    await page.getByLabel('Device id').fill('robin-room');
    await page.getByLabel('Type').selectOption('room');
    await page.getByRole('button', { name: 'Register' }).click();
    await page.locator('#view table', { hasText: 'robin-room' }).waitFor();
    expect(await page.locator('code[data-secret-for]').count()).toBe(2);
    expect(await page.getByRole('button', { name: 'Copy the secret for robin-wrist' }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Copy the secret for robin-room' }).count()).toBe(1);
    await expectAccessibleScreen(page, 'wearer page');

    // A second consent link is a choice, with a warning.
    await page.getByRole('button', { name: 'Show consent link' }).click();
    const first = await page.locator('#consent-url').textContent();
    await page.getByRole('button', { name: 'Show consent link' }).click();
    await page.locator('#link-warning').waitFor();
    expect(await page.locator('#consent-url').count()).toBe(0);
    expect(await focusedText(page)).toMatch(/A new link stops that one working/);
    await page.getByRole('button', { name: 'Make a new link anyway' }).click();
    await page.locator('#consent-url').waitFor();
    expect(await page.locator('#consent-url').textContent()).not.toBe(first);

    // Save the details: "Saved." is announced where focus goes.
    await page.getByLabel('Address').fill('3 Hill Road');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.waitForFunction(() => document.activeElement?.textContent === 'Saved.');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('role'))).toBe('status');

    // A chain for Robin from the wearer page: prefilled, the contact's step by SMS, assigned on save.
    await page.getByRole('link', { name: 'Create a call chain for Robin' }).first().click();
    await page.getByRole('heading', { level: 2, name: 'Create a call chain for Robin' }).waitFor();
    const step2 = page.locator('li.step[data-step="2"]');
    expect(await step2.getByRole('checkbox', { name: "The person's emergency contact" }).isChecked()).toBe(true);
    expect(await step2.getByRole('checkbox', { name: 'App' }).isChecked()).toBe(false);
    expect(await step2.getByRole('checkbox', { name: 'SMS' }).isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Add step' }).click();
    const step3 = page.locator('li.step[data-step="3"]');
    expect(await step3.getByRole('checkbox', { name: 'App' }).isChecked()).toBe(true);
    await step3.getByRole('checkbox', { name: "The person's emergency contact" }).check();
    expect(await step3.getByRole('checkbox', { name: 'App' }).isChecked()).toBe(false);
    expect(await step3.getByRole('checkbox', { name: 'SMS' }).isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Remove step Step 3' }).click();
    await expectAccessibleScreen(page, 'chain editor');
    await page.getByRole('button', { name: 'Save chain' }).click();
    await page.getByRole('heading', { level: 2, name: 'Robin' }).waitFor();
    await page.waitForFunction(() => (document.activeElement?.textContent ?? '').includes('Chain saved and assigned to Robin'));
    await page.locator('#readiness li[data-item="chain"]', { hasText: 'OK: Call chain assigned' }).waitFor();

    // Devices page: both new devices, no sideways scroll, no axe violation.
    await page.goto('/#/admin/devices');
    await page.locator('#view table', { hasText: 'robin-room' }).waitFor();
    await expectAccessibleScreen(page, 'devices');
    await ctx.close();
  });

  it("live view: a chain that runs out sounds the admins' alarm with a banner; the notice stays after a reload until dismissed", async () => {
    const ctx = await suite.phone();
    const page = await ctx.newPage();
    await signIn(page, 'admin', DEMO_PASSWORD);
    await page.goto('/#/admin');
    await page.locator('#open-alerts').waitFor();
    await page.locator('#readiness-summary').waitFor();
    await expectAccessibleScreen(page, 'dashboard');

    const ts = suite.ts;
    await ts.server.alerts.handle([
      { kind: 'responder_alert', wearerId: 'demo-wearer', t: ts.clock.now(), score: 90, reasons: ['no breathing 30 s'], news2: null },
    ]);
    await settle(ts);
    const id = (await ts.server.repos.openAlertForWearer('demo-wearer'))!.id;
    await page.locator(`#open-alerts li[data-alert="${id}"]`, { hasText: 'Nobody has acknowledged yet.' }).waitFor();
    expect(await page.locator(`#open-alerts li[data-alert="${id}"]`).textContent()).toMatch(/Started .*12:00/);
    expect(await page.locator(`#open-alerts li[data-alert="${id}"] .exhausted`).count()).toBe(0);
    for (let i = 0; i < 125; i++) {
      ts.clock.advance(1000);
      await settle(ts);
    }
    await page.locator(`html[data-alarm-alert="${id}"]`).waitFor();
    expect(await page.locator('#alarm-banner').textContent()).toMatch(
      /Nobody has acknowledged: everyone in Jo's call chain has been called/,
    );
    await page.locator(`#open-alerts li[data-alert="${id}"] .exhausted`).waitFor();
    await page.locator('#notices li.chain_exhausted').waitFor();
    await expectAccessibleScreen(page, 'dashboard with the alarm, an open alert and a notice');

    await page.reload();
    await page.locator('#notices li.chain_exhausted').waitFor();
    await page.locator(`#open-alerts li[data-alert="${id}"] .exhausted`).waitFor();
    await page.getByRole('button', { name: /Dismiss: Jo: everyone in the call chain was called/ }).click();
    await page.locator('#notices li', { hasText: 'No notices.' }).waitFor();
    await page.reload();
    await page.locator('#notices li', { hasText: 'No notices.' }).waitFor();
    await ctx.close();
  });

  it('every console screen, with the data the tests above left: no axe violation, 44 px targets, no sideways scroll', async () => {
    const ctx = await suite.phone();
    const page = await ctx.newPage();
    await signIn(page, 'admin', DEMO_PASSWORD);
    const screens: [string, string, string][] = [
      ['dashboard', '#/admin', '#open-alerts li[data-alert]'],
      ['people monitored', '#/admin/wearers', '#view table'],
      ['wearer with readiness', '#/admin/wearers/demo-wearer', '#readiness'],
      ['devices', '#/admin/devices', '#view table'],
      ['responders and groups with the account controls', '#/admin/people', '#view button:text("Disable")'],
      ['call chains', '#/admin/chains', '#view a[href="#/admin/chains/demo-chain"]'],
      ['chain editor', '#/admin/chains/demo-chain', 'li.step[data-step="1"]'],
      ['alert history', '#/admin/alerts', '#view table tbody tr'],
      ['service settings', '#/admin/service', '#view form'],
    ];
    for (const [label, route, ready] of screens) {
      await page.goto(`/${route}`);
      await page.locator(ready).first().waitFor();
      await expectAccessibleScreen(page, label);
    }
    await ctx.close();
  });
});
