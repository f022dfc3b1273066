// Headless Chromium for the app tests: the system chromium (or CHROME_PATH) through playwright-core,
// a phone-sized context (360 px wide) with notifications allowed, and small helpers to sign in.
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { DEMO_PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';

export const CHROME = process.env.CHROME_PATH ?? '/usr/bin/chromium';

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROME,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // Lets the alarm's Web Audio start without a click, as it does on a phone after the sign-in tap.
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

/** `timezoneId`: the phone's own time zone (IANA), when a test needs one other than the machine's. */
export async function phone(browser: Browser, base: string, o: { timezoneId?: string } = {}): Promise<BrowserContext> {
  const ctx = await browser.newContext({
    ...(o.timezoneId ? { timezoneId: o.timezoneId } : {}),
    viewport: { width: 360, height: 740 },
    deviceScaleFactor: 1,
    baseURL: base,
    serviceWorkers: 'block',
  });
  await ctx.grantPermissions(['notifications'], { origin: base });
  return ctx;
}

/** Signs in through the form by its accessible names, as a person would. */
export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('html[data-live="online"]').waitFor();
}

/** One test file's server and browser: started before its tests, closed after them (`ts` may be replaced, e.g. by a restart). */
export interface BrowserSuite {
  ts: TestServer;
  browser: Browser;
  /** a new phone-sized context on this suite's server (in its own time zone when given) */
  phone(o?: { timezoneId?: string }): Promise<BrowserContext>;
  /** one phone per username, each signed in with the demo password; `close` closes them all */
  signedInPhones<N extends string[]>(...usernames: N): Promise<{ pages: { [K in keyof N]: Page }; close(): Promise<void> }>;
}

/** `env`: settings of the suite's server made once before it starts (e.g. the local Twilio server's, twilioEnv). */
export function browserSuite(o: { env?: () => Promise<Record<string, string>> } = {}): BrowserSuite {
  const suite: BrowserSuite = {
    ts: undefined as unknown as TestServer,
    browser: undefined as unknown as Browser,
    phone: (o) => phone(suite.browser, suite.ts.base, o),
    async signedInPhones<N extends string[]>(...usernames: N) {
      const contexts: BrowserContext[] = [];
      const pages: Page[] = [];
      for (const name of usernames) {
        const ctx = await suite.phone();
        contexts.push(ctx);
        const page = await ctx.newPage();
        await signIn(page, name, DEMO_PASSWORD);
        pages.push(page);
      }
      return {
        pages: pages as { [K in keyof N]: Page },
        async close() {
          for (const c of contexts) await c.close();
        },
      };
    },
  };
  beforeAll(async () => {
    suite.ts = await startTestServer(o.env ? { env: await o.env() } : {});
    suite.browser = await launch();
  });
  afterAll(async () => {
    await suite.browser?.close();
    await suite.ts?.close();
  });
  return suite;
}
