// Takes the rota page screenshot (phone width, 360 px) into docs/img, without retaking the others.
// Run: npm run build:app && npx tsx test/browser/screenshots-rota.ts
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_PASSWORD, addResponder, api, login, startTestServer } from '../helpers/server.js';
import { launch, phone, signIn } from './browser.js';

const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/img');
const ts = await startTestServer();
const browser = await launch();
try {
  const admin = await login(ts.base, 'admin');
  await addResponder(ts, 'kim', 'Kim');
  const g = await api<{ id: string }>(ts.base, admin, 'POST', '/api/admin/groups', { name: 'Nights', memberIds: ['alex', 'sam'] });
  await api(ts.base, admin, 'PUT', `/api/admin/groups/${g.body.id}/rota`, {
    shifts: [1, 2, 3, 4, 5].flatMap((weekday) => [
      { userId: 'alex', weekday, start: '08:00', end: '20:00' },
      { userId: weekday === 5 ? 'kim' : 'sam', weekday, start: '20:00', end: '08:00' },
    ]),
  });
  await api(ts.base, admin, 'POST', `/api/admin/groups/${g.body.id}/rota/overrides`, {
    userId: 'sam',
    replacesUserId: 'alex',
    start: '2026-01-02T08:00:00Z',
    end: '2026-01-02T20:00:00Z',
    note: 'Sam covers Alex',
  });
  const ctx = await phone(browser, ts.base);
  const page = await ctx.newPage();
  await signIn(page, 'admin', DEMO_PASSWORD);
  await page.goto(`/#/admin/rota/${g.body.id}`);
  await page.locator('#rota-now').waitFor();
  await page.screenshot({ path: path.join(out, 'console-rota.png'), fullPage: true });
  process.stdout.write(`rota screenshot written to ${out}\n`);
} finally {
  await browser.close();
  await ts.close();
}
