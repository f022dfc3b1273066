// Installable app and strict CSP in practice (issue 6.1, 6.5): the manifest and its icons are valid, the
// service worker installs and caches the app shell, the shell loads from that cache when the network is
// gone, and no page of the app trips the Content-Security-Policy (no inline script or style anywhere).
import type { ConsoleMessage } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../helpers/server.js';
import { browserSuite, signIn } from './browser.js';

const suite = browserSuite();

describe('installable app', () => {
  it('manifest, icons and service worker: the shell opens offline; no CSP violation on any screen', async () => {
    const manifest = (await (await fetch(`${suite.ts.base}/manifest.webmanifest`)).json()) as {
      start_url: string;
      display: string;
      icons: { src: string; sizes: string }[];
    };
    expect(manifest).toMatchObject({ start_url: '/#/', display: 'standalone' });
    for (const icon of manifest.icons) {
      const png = Buffer.from(await (await fetch(suite.ts.base + icon.src)).arrayBuffer());
      expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
      const size = `${png.readUInt32BE(16)}x${png.readUInt32BE(20)}`;
      expect(size).toBe(icon.sizes);
    }

    const ctx = await suite.browser.newContext({ viewport: { width: 360, height: 740 }, baseURL: suite.ts.base });
    const page = await ctx.newPage();
    const violations: string[] = [];
    page.on('console', (m: ConsoleMessage) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
    });
    await signIn(page, 'admin', DEMO_PASSWORD);
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    await page.waitForFunction(
      async () => (await caches.keys()).includes('odart-shell-v1') && (await (await caches.open('odart-shell-v1')).keys()).length >= 5,
    );
    for (const route of [
      '#/guide',
      '#/admin',
      '#/admin/wearers',
      '#/admin/wearers/demo-wearer',
      '#/admin/devices',
      '#/admin/people',
      '#/admin/alerts',
      '#/admin/service',
      '#/',
    ]) {
      await page.goto(`/${route}`);
      await page.locator('#view > *').first().waitFor();
    }
    expect(violations).toEqual([]);

    // The network is gone: the app shell still opens from the cache (and shows it is not live).
    await ctx.setOffline(true);
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'ODART responder' }).waitFor();
    expect(await page.evaluate(() => typeof (window as unknown as { fetch: unknown }).fetch)).toBe('function');
    await ctx.close();
  });
});
