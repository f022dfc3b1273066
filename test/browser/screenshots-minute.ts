// Takes the screenshots of the responder's-minute screens into docs/img (phone width, 360 px) without
// retaking the others: the page behind an SMS link, the alarm screen after "I can't go" and its
// timeline, the acknowledged screen with "I can't go", and the service settings.
// Run: npm run build:app && npx tsx test/browser/screenshots-minute.ts
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import {
  DEMO_PASSWORD,
  api,
  connectDemoDevices,
  disconnectAll,
  driveDemoOverdose,
  login,
  settle,
  startTestServer,
} from '../helpers/server.js';
import { launch, phone, signIn } from './browser.js';

const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/img');
const ts = await startTestServer();
const browser = await launch();
const shot = (p: Page, name: string) => p.screenshot({ path: path.join(out, `${name}.png`) });
try {
  const admin = await login(ts.base, 'admin');
  await api(ts.base, admin, 'PUT', '/api/admin/devices/demo-room/room', { room: 'Bathroom' });
  await api(ts.base, admin, 'PATCH', '/api/admin/service', { phone: '+44 141 555 0100' });
  const alexCtx = await phone(browser, ts.base);
  const samCtx = await phone(browser, ts.base);
  const alex = await alexCtx.newPage();
  const sam = await samCtx.newPage();
  await signIn(alex, 'alex', DEMO_PASSWORD);
  await signIn(sam, 'sam', DEMO_PASSWORD);
  const devices = await connectDemoDevices(ts);
  const id = await driveDemoOverdose(ts, devices, await login(ts.base, 'alex'), 9);
  await alex.locator('html[data-alarm-count="1"]').waitFor();

  // The page behind alex's SMS link, on a phone that is not signed in.
  const sms = (await ts.server.repos.listOutbox('demo')).find((r) => r.to === '+447700900101' && r.body.includes('#/p/'))!;
  const linkCtx = await phone(browser, ts.base);
  const link = await linkCtx.newPage();
  await link.goto(`/${new URL(/(http\S+)$/.exec(sms.body)![1]!).hash}`);
  await link.getByRole('button', { name: "I can't go" }).waitFor();
  await shot(link, 'page-link');

  // Alex cannot go: the chain moves on to sam at once.
  await alex.goto(`/#/alerts/${id}`);
  await alex.getByRole('button', { name: "I can't go" }).click();
  await alex.locator('section.detail p.attending', { hasText: "You said you can't go." }).waitFor();
  await settle(ts);
  await alex.locator('#timeline li[data-type="step_declined"]').waitFor();
  await shot(alex, 'alarm-declined');
  await alex.locator('section[aria-labelledby="tl-h"]').screenshot({ path: path.join(out, 'timeline-declined.png') });

  // Sam takes it: Arrived, I can't go (the chain starts again at once) and Resolve.
  await sam.locator(`html[data-alarm-alert="${id}"]`).waitFor();
  await sam.goto(`/#/alerts/${id}`);
  await sam.getByRole('button', { name: 'Acknowledge', exact: true }).click();
  await sam.getByText('You are attending.', { exact: true }).waitFor();
  await sam.getByRole('button', { name: "I can't go" }).waitFor();
  await shot(sam, 'alarm-acknowledged');

  const adminCtx = await phone(browser, ts.base);
  const con = await adminCtx.newPage();
  await signIn(con, 'admin', DEMO_PASSWORD);
  await con.goto('/#/admin/service');
  await con.getByLabel('Country for phone numbers').waitFor();
  await con.screenshot({ path: path.join(out, 'console-service.png'), fullPage: true });
  await disconnectAll(devices);
  process.stdout.write(`screenshots written to ${out}\n`);
} finally {
  await browser.close();
  await ts.close();
}
