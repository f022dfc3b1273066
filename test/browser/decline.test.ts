// "I can't go" in the app (issue "the responder's minute"), Chromium at 360 px: the alarm stops for the
// responder who declined and only for them, the chain moves on at once (the server's virtual clock is not
// advanced: Sam is paged by app and SMS in the same instant), the alarm screen says so and the timeline
// says it in words. A decline made outside the app (the SMS page link) stops the app's alarm too, and a
// reload does not ring again for an alert this responder declined.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { api, connectDemoDevices, disconnectAll, driveDemoOverdose, login, settle } from '../helpers/server.js';
import { expectNoAxeViolations, smallTargets } from './axe.js';
import { browserSuite } from './browser.js';

const suite = browserSuite();

const data = (page: Page) => page.evaluate(() => ({ ...document.documentElement.dataset }));
const smsTo = async (phone: string, alertCode?: string) =>
  (await suite.ts.server.repos.listOutbox('demo')).filter(
    (r) => r.to === phone && r.body.includes('may need help') && (!alertCode || r.body.includes(alertCode)),
  );

/** Resolves every open alert of the demo wearer, so the next test starts from a quiet service. */
async function closeOpenAlerts(): Promise<void> {
  const admin = await login(suite.ts.base, 'admin');
  for (;;) {
    const open = await suite.ts.server.repos.openAlertForWearer('demo-wearer');
    if (!open) return;
    expect((await api(suite.ts.base, admin, 'POST', `/api/alerts/${open.id}/resolve`, { outcome: 'false_alarm_sensor' })).status).toBe(200);
    await settle(suite.ts);
  }
}

describe("I can't go", () => {
  it("alex declines on the alarm screen: alex's alarm stops, sam is paged at once, the timeline says why", async () => {
    const ts = suite.ts;
    const phones = await suite.signedInPhones('alex', 'sam');
    const [alex, sam] = phones.pages;
    const devices = await connectDemoDevices(ts);
    const alertId = await driveDemoOverdose(ts, devices, await login(ts.base, 'alex'), 11);
    await alex.locator('html[data-alarm-count="1"]').waitFor();
    // Step 1 is alex alone: sam's phone is quiet and sam has had no SMS.
    expect((await data(sam)).alarmCount).toBeUndefined();
    expect(await smsTo('+447700900102')).toEqual([]);

    await alex.locator('#alarm-banner').getByRole('link', { name: /Open/ }).click();
    await alex.getByRole('heading', { level: 2, name: 'Jo may need help' }).waitFor();
    const t0 = ts.clock.now();
    await alex.getByRole('button', { name: "I can't go" }).click();
    await alex.locator('html[data-alarm-sound="off"]').waitFor();
    await settle(ts);
    expect(ts.clock.now(), 'the server clock was not moved').toBe(t0);

    // The chain moved on in the same instant: sam's app rings for this alert, and sam has the SMS.
    await sam.locator(`html[data-alarm-alert="${alertId}"][data-alarm-count="1"]`).waitFor();
    expect((await data(sam)).alarmSound).toBe('playing');
    expect((await smsTo('+447700900102')).length).toBe(1);

    // Alex: told, no banner, no way to decline twice, and the timeline in words.
    await alex.locator('#announce', { hasText: "You said you can't go." }).waitFor();
    await alex.locator('section.detail p.attending', { hasText: "You said you can't go." }).waitFor();
    expect(await alex.locator('#alarm-banner').isHidden()).toBe(true);
    expect(await alex.getByRole('button', { name: "I can't go" }).count()).toBe(0);
    await alex.locator('#timeline li[data-type="declined"]', { hasText: "Alex can't go" }).waitFor();
    expect(await alex.locator('#timeline li[data-type="step_declined"]').textContent()).toMatch(
      /Nobody in step 1 can go: the next step is called now$/,
    );
    expect(await alex.locator('#timeline').textContent()).not.toMatch(/step declined|declined/);
    await expectNoAxeViolations(alex, "alarm screen after I can't go");
    expect(await smallTargets(alex), 'tap targets after declining').toEqual([]);

    // Sam's alarm screen shows the same entries; sam's alarm keeps going.
    await sam.goto(`/#/alerts/${alertId}`);
    await sam.locator('#timeline li[data-type="declined"]', { hasText: "Alex can't go" }).waitFor();
    expect(await sam.getByRole('button', { name: "I can't go" }).count()).toBe(1);
    expect((await data(sam)).alarmSound).toBe('playing');

    // A reload (or a reconnect) does not ring again for an alert alex declined, and still says so.
    await alex.reload();
    await alex.locator('html[data-live="online"][data-alerts]').waitFor();
    await alex.locator('section.detail p.attending', { hasText: "You said you can't go." }).waitFor();
    expect((await data(alex)).alarmCount).toBeUndefined();
    expect(await alex.locator('#alarm-banner').isHidden()).toBe(true);

    await disconnectAll(devices);
    await closeOpenAlerts();
    await phones.close();
  });

  it('a decline by one of two in a step stops only that phone; a decline by SMS link stops the app too', async () => {
    const ts = suite.ts;
    const adminApi = await login(ts.base, 'admin');
    // One step with both responders: the chain waits for sam after alex says no.
    const chain = {
      name: 'Both at once',
      definition: {
        steps: [
          {
            targets: [
              { type: 'responder', id: 'alex' },
              { type: 'responder', id: 'sam' },
            ],
            channels: ['app', 'sms'],
            waitS: 60,
          },
          { targets: [{ type: 'emergency_contact' }], channels: ['sms'], waitS: 0 },
        ],
      },
    };
    expect((await api(ts.base, adminApi, 'PUT', '/api/admin/chains/demo-chain', chain)).status).toBe(200);

    const phones = await suite.signedInPhones('alex', 'sam');
    const [alex, sam] = phones.pages;
    const earlier = new Set((await ts.server.repos.listOutbox('demo')).map((r) => r.sid));
    await ts.server.alerts.handle([
      { kind: 'responder_alert', wearerId: 'demo-wearer', t: ts.clock.now(), score: 90, reasons: ['no breathing for 30 s'], news2: null },
    ]);
    await settle(ts);
    const alertId = (await ts.server.repos.openAlertForWearer('demo-wearer'))!.id;
    await alex.locator(`html[data-alarm-alert="${alertId}"]`).waitFor();
    await sam.locator(`html[data-alarm-alert="${alertId}"]`).waitFor();

    // Alex says no through the link in the SMS, not the app: the app hears it and stops ringing. Texts
    // leave at the sending number's rate (escalation/rate.ts), after the last test's: a few seconds on.
    const alexSms = async () =>
      (await ts.server.repos.listOutbox('demo')).find((r) => r.to === '+447700900101' && !earlier.has(r.sid) && r.body.includes('#/p/'));
    for (let i = 0; i < 10 && !(await alexSms()); i++) {
      ts.clock.advance(1000);
      await settle(ts);
    }
    const sms = (await alexSms())!;
    const token = /#\/p\/(\S+)$/.exec(sms.body)![1]!;
    const res = await fetch(`${ts.base}/api/page/${token}/decline`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-odart-csrf': '1' },
      body: '{}',
    });
    expect(res.status).toBe(200);
    await settle(ts);
    await alex.locator('html[data-alarm-sound="off"]').waitFor();
    expect(await alex.locator('#alarm-banner').isHidden()).toBe(true);
    await alex.goto(`/#/alerts/${alertId}`);
    await alex.locator('section.detail p.attending', { hasText: "You said you can't go." }).waitFor();

    // Sam was paged in the same step and is still wanted: sam's alarm goes on, the banner stays.
    const s = await data(sam);
    expect(s.alarmSound).toBe('playing');
    expect(s.alarmAlert).toBe(alertId);
    expect(await sam.locator('#alarm-banner').isVisible()).toBe(true);
    await sam.goto(`/#/alerts/${alertId}`);
    await sam.locator('#timeline li[data-type="declined"]', { hasText: "Alex can't go" }).waitFor();
    // Nobody else was called: one of two declining does not move the chain on.
    expect(await sam.locator('#timeline li[data-type="step_declined"]').count()).toBe(0);
    expect((await data(sam)).alarmSound).toBe('playing');
    await closeOpenAlerts();
    await phones.close();
  });

  it('the one going can still say they cannot: the chain starts again at once without them', async () => {
    const ts = suite.ts;
    const adminApi = await login(ts.base, 'admin');
    const demo = {
      name: 'Demo chain',
      definition: {
        steps: [
          { targets: [{ type: 'responder', id: 'alex' }], channels: ['app'], waitS: 60 },
          { targets: [{ type: 'responder', id: 'sam' }], channels: ['app'], waitS: 60 },
          { targets: [{ type: 'emergency_contact' }], channels: ['sms'], waitS: 0 },
        ],
      },
    };
    expect((await api(ts.base, adminApi, 'PUT', '/api/admin/chains/demo-chain', demo)).status).toBe(200);
    const phones = await suite.signedInPhones('alex', 'sam');
    const [alex, sam] = phones.pages;
    await ts.server.alerts.handle([
      { kind: 'responder_alert', wearerId: 'demo-wearer', t: ts.clock.now(), score: 90, reasons: ['no breathing for 30 s'], news2: null },
    ]);
    await settle(ts);
    const alertId = (await ts.server.repos.openAlertForWearer('demo-wearer'))!.id;
    await alex.locator(`html[data-alarm-alert="${alertId}"]`).waitFor();
    await alex.goto(`/#/alerts/${alertId}`);
    await alex.getByRole('button', { name: 'Acknowledge', exact: true }).click();
    await alex.getByText('You are attending.', { exact: true }).waitFor();
    const t0 = ts.clock.now();
    const cannot = alex.getByRole('button', { name: "I can't go" });
    expect(await cannot.getAttribute('aria-describedby')).toBe('decline-hint');
    expect(await alex.locator('#decline-hint').textContent()).toBe('The call chain starts again at once');
    await expectNoAxeViolations(alex, "acknowledged alert with I can't go");
    await cannot.click();
    await alex.locator('section.detail[data-state="escalating"] p.attending', { hasText: "You said you can't go." }).waitFor();
    await settle(ts);
    expect(ts.clock.now()).toBe(t0);
    // Step 1 again, without alex: sam is paged now, not after the 10 min arrival timer.
    await sam.locator(`html[data-alarm-alert="${alertId}"][data-alarm-count="1"]`).waitFor();
    await alex.locator('#timeline li[data-type="declined"]', { hasText: "Alex can't go after all" }).waitFor();
    await alex.locator('#timeline li[data-type="escalating"]', { hasText: 'Responders called again' }).waitFor();
    expect((await data(alex)).alarmSound).toBe('off');
    await closeOpenAlerts();
    await phones.close();
  });
});
