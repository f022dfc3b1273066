// Account controls in the service console (security review 2027-01, item 8): an admin disables and
// re-enables a responder, gives one a new password shown once, and signs one out everywhere; the
// server's state follows each click; each state of the screen passes axe and the 44 px check at 360 px.
import { describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, login } from '../helpers/server.js';
import { expectAccessibleScreen } from './axe.js';
import { browserSuite, signIn } from './browser.js';

const suite = browserSuite();
const signInApi = (username: string, password: string) =>
  fetch(`${suite.ts.base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-odart-csrf': '1' },
    body: JSON.stringify({ username, password }),
  });

describe('console: people accounts', () => {
  it('disable and enable, a new password shown once, sign out everywhere', async () => {
    const ctx = await suite.phone();
    const page = await ctx.newPage();
    page.on('dialog', (d) => void d.accept());
    await signIn(page, 'admin', DEMO_PASSWORD);
    await page.goto('/#/admin/people');
    await page.getByRole('button', { name: 'Disable Alex' }).waitFor();
    await expectAccessibleScreen(page, 'responders and groups');

    await page.getByRole('button', { name: 'Disable Alex' }).click();
    await page.getByRole('button', { name: 'Enable Alex' }).waitFor();
    await expectAccessibleScreen(page, 'responders and groups with a disabled account');
    expect((await suite.ts.server.repos.userById('alex'))!.disabled_at).not.toBeNull();
    expect((await signInApi('alex', DEMO_PASSWORD)).status).toBe(401);
    await page.getByRole('button', { name: 'Enable Alex' }).click();
    await page.getByRole('button', { name: 'Disable Alex' }).waitFor();
    expect((await signInApi('alex', DEMO_PASSWORD)).status).toBe(200);

    const sam = await login(suite.ts.base, 'sam');
    await page.getByRole('button', { name: 'Sign out everywhere Sam' }).click();
    await page.getByText('Sam is signed out on every device.').waitFor();
    expect((await fetch(`${suite.ts.base}/api/me`, { headers: { cookie: sam } })).status).toBe(401);

    await page.getByRole('button', { name: 'New password Sam' }).click();
    const code = page.locator('code[data-password-for="sam"]');
    await code.waitFor();
    const password = (await code.textContent())!;
    expect(password.length).toBeGreaterThanOrEqual(16);
    await expectAccessibleScreen(page, 'responders and groups with a new password shown');
    expect((await signInApi('sam', DEMO_PASSWORD)).status).toBe(401);
    expect((await signInApi('sam', password)).status).toBe(200);
    await ctx.close();
  });
});
