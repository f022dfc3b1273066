// The no-login page behind an alert SMS link (responder's minute): opened on a phone that is not signed
// in, it shows the alert (alias, full address with a maps link, access notes, reason, state) and lets
// that recipient say they are going or cannot go. Real server, fake SMS outbox, headless Chromium.
import { describe, expect, it } from 'vitest';
import { settle } from '../helpers/server.js';
import { expectAccessibleScreen } from './axe.js';
import { browserSuite } from './browser.js';

const suite = browserSuite();
const linkTo = async (phone: string) => {
  const rows = await suite.ts.server.repos.listOutbox('demo');
  const body = rows.find((r) => r.to === phone && r.body.includes('may need help'))!.body;
  return new URL(/(http\S+#\/p\/\S+)$/.exec(body)![1]!).hash;
};

describe('alert link page', () => {
  it("shows the alert without an account; Alex can't go, Sam is going", async () => {
    const ts = suite.ts;
    await ts.server.alerts.handle([
      { kind: 'responder_alert', wearerId: 'demo-wearer', t: ts.clock.now(), score: 90, reasons: ['no breathing for 30 s'], news2: null },
    ]);
    await settle(ts);
    const alexCtx = await suite.phone();
    const alex = await alexCtx.newPage();
    await alex.goto(`/${await linkTo('+447700900101')}`);
    await alex.getByRole('heading', { level: 2, name: 'Jo may need help' }).waitFor();
    expect(await alex.getByText('Flat 2, 14 Example Street, Glasgow').count()).toBe(1);
    expect(await alex.getByRole('link', { name: 'Open in maps' }).getAttribute('href')).toContain(
      encodeURIComponent('Flat 2, 14 Example Street, Glasgow'),
    );
    expect(await alex.getByText('Key safe by the door, code from the service').count()).toBe(1);
    expect(await alex.getByText('no breathing detected').count()).toBe(1);
    expect(await alex.locator('#login-view').isHidden()).toBe(true);
    await expectAccessibleScreen(alex, 'page-link page');
    await alex.getByRole('button', { name: "I can't go" }).click();
    await alex.getByText('You said you cannot go.', { exact: false }).waitFor();
    await expectAccessibleScreen(alex, "page-link page after I can't go");
    await settle(ts);

    const samCtx = await suite.phone();
    const sam = await samCtx.newPage();
    await sam.goto(`/${await linkTo('+447700900102')}`);
    await sam.getByRole('button', { name: "I'm going" }).click();
    await sam.getByText('You are going. Call 999 if they are not breathing.').waitFor();
    await expectAccessibleScreen(sam, 'page-link page after I am going');
    const alert = await ts.server.repos.openAlertForWearer('demo-wearer');
    expect(alert).toMatchObject({ state: 'acknowledged', attending_responder_id: 'sam' });
    await alex.reload();
    await alex.getByText('Sam is going.').waitFor();

    await sam.goto('/#/p/abcdefghijkm.0123456789abcdef');
    await sam.getByRole('alert').filter({ hasText: 'This link is not valid any more.' }).waitFor();
    await expectAccessibleScreen(sam, 'page-link page with a bad link');
    await alexCtx.close();
    await samCtx.close();
  });
});
