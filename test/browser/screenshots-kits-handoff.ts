// Takes the console's naloxone kits and alarm-centre hand-off screenshots (phone width, 360 px) into
// docs/img, without retaking the others. Run: npm run build:app && npx tsx test/browser/screenshots-kits-handoff.ts
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_PASSWORD, api, login, startTestServer } from '../helpers/server.js';
import { launch, phone, signIn } from './browser.js';

const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/img');
const ts = await startTestServer();
const browser = await launch();
try {
  const admin = await login(ts.base, 'admin');
  // The server's clock is 1 January 2026: the library box expires within 30 days.
  const kits = [
    { name: 'Library box', holder: 'box', address: '1 Library Lane', latitude: 55.8652, longitude: -4.2518, expiresOn: '2026-01-20' },
    {
      name: 'Station pharmacy',
      holder: 'pharmacy',
      address: '4 Station Road',
      latitude: 55.8609,
      longitude: -4.2571,
      expiresOn: '2027-03-31',
    },
    { name: "Alex's kit", holder: 'responder', holderUserId: 'alex', expiresOn: '2026-09-30' },
  ];
  for (const k of kits) await api(ts.base, admin, 'POST', '/api/admin/kits', k);
  const ep = await api<{ id: string }>(ts.base, admin, 'POST', '/api/admin/handoff-endpoints', {
    name: 'Northside alarm centre',
    url: 'https://alarm.example.org/odart',
    secret: 'a-long-shared-secret-7421',
    format: 'cap',
  });
  const chain = await api<{ id: string }>(ts.base, admin, 'POST', '/api/admin/chains', {
    name: 'Nights, then the alarm centre',
    definition: {
      steps: [
        { targets: [{ type: 'responder', id: 'alex' }], channels: ['app', 'sms'], waitS: 120 },
        { targets: [{ type: 'handoff', id: ep.body.id }], channels: ['handoff'], waitS: 300 },
      ],
    },
  });

  const ctx = await phone(browser, ts.base);
  const page = await ctx.newPage();
  await signIn(page, 'admin', DEMO_PASSWORD);
  await page.goto('/#/admin/kits');
  await page.locator('#kit-warnings').waitFor();
  await page.screenshot({ path: path.join(out, 'console-kits.png'), fullPage: true });

  await page.goto('/#/admin/chains');
  await page.getByRole('table', { name: 'Alarm centres (hand-off)' }).waitFor();
  await page.screenshot({ path: path.join(out, 'console-handoff.png'), fullPage: true });

  await page.goto(`/#/admin/chains/${chain.body.id}`);
  const step = page.locator('li.step[data-step="2"]');
  await step.waitFor();
  await step.screenshot({ path: path.join(out, 'console-chain-handoff.png') });
  process.stdout.write(`kits and hand-off screenshots written to ${out}\n`);
} finally {
  await browser.close();
  await ts.close();
}
