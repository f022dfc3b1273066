// Takes the service-console screenshots added with the live view and the readiness checklist (phone
// width, 360 px) into docs/img, without retaking the others. Run: npm run build:app && npx tsx test/browser/screenshots-console.ts
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_PASSWORD, api, login, settle, startTestServer } from '../helpers/server.js';
import { launch, phone, signIn } from './browser.js';

const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/img');
const ts = await startTestServer();
const browser = await launch();
try {
  const admin = await login(ts.base, 'admin');
  await api(ts.base, admin, 'PATCH', '/api/admin/users/sam', { onDuty: false });
  const ctx = await phone(browser, ts.base);
  const page = await ctx.newPage();
  await signIn(page, 'admin', DEMO_PASSWORD);

  await page.goto('/#/admin/wearers');
  await page.getByLabel('Name or alias').fill('Robin');
  await page.getByLabel('Mobile phone').fill('12345');
  await page.getByRole('button', { name: 'Enrol' }).click();
  await page.locator('.field-error').waitFor();
  await page
    .locator('form')
    .last()
    .screenshot({ path: path.join(out, 'console-enrol-error.png') });
  await page.getByLabel('Mobile phone').fill('07700 900150');
  await page.getByRole('button', { name: 'Enrol' }).click();
  await page.getByRole('heading', { level: 2, name: 'Robin' }).waitFor();
  for (const id of ['robin-wrist', 'robin-room']) {
    await page.getByLabel('Device id').fill(id);
    await page.getByRole('button', { name: 'Register' }).click();
    await page.locator('#view table', { hasText: id }).waitFor();
  }
  await page.locator('#readiness').waitFor();
  await page.screenshot({ path: path.join(out, 'console-readiness.png'), fullPage: true });

  await page.goto('/#/admin');
  await page.locator('#open-alerts').waitFor();
  await ts.server.alerts.handle([
    { kind: 'responder_alert', wearerId: 'demo-wearer', t: ts.clock.now(), score: 90, reasons: ['no breathing 30 s'], news2: null },
  ]);
  await settle(ts);
  for (let i = 0; i < 125; i++) {
    ts.clock.advance(1000);
    await settle(ts);
  }
  await page.locator('#open-alerts .exhausted').waitFor();
  await page.locator('#notices li.chain_exhausted').waitFor();
  await page.screenshot({ path: path.join(out, 'console-live.png'), fullPage: true });
  process.stdout.write(`console screenshots written to ${out}\n`);
} finally {
  await browser.close();
  await ts.close();
}
