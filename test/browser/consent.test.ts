// Wearer consent in the browser (issue 6.3, 6.7): an admin enrols a person and registers their wearable
// in the console (secret shown once), makes their personal link; the person opens it, reads the consent
// text and opts in, and their device's data starts flowing; they stop monitoring and it stops at once,
// and the admin's dashboard is told live. Each state of the person's page passes axe and the 44 px check.
import { describe, expect, it } from 'vitest';
import { connectDevice, disconnectDevice, type VirtualDevice } from '../../simulator/src/devices.js';
import { VirtualClock } from '../../server/src/clock.js';
import { DEMO_PASSWORD, api, login, startTestServer, until } from '../helpers/server.js';
import { expectAccessibleScreen } from './axe.js';
import { browserSuite, signIn } from './browser.js';

const suite = browserSuite();

async function publish(device: VirtualDevice): Promise<void> {
  const before = suite.ts.server.ingest.handled;
  await device.client.publishAsync(`odart/v1/devices/${device.id}/vitals`, JSON.stringify({ hr: 72, spo2: 97, rr: 14, onBody: true }), {
    qos: 1,
  });
  await until(() => suite.ts.server.ingest.handled > before);
  await suite.ts.server.vitals.flush();
}
const counter = async (name: string) =>
  Number(new RegExp(`${name} (\\d+)`).exec(await (await fetch(`${suite.ts.base}/metrics`)).text())?.[1] ?? 0);

describe('wearer consent', () => {
  it('enrolled in the console, opts in by link and data flows; opts out and it stops; the service is told', async () => {
    const adminCtx = await suite.phone();
    const admin = await adminCtx.newPage();
    await signIn(admin, 'admin', DEMO_PASSWORD);
    await admin.goto('/#/admin/wearers');
    await admin.getByLabel('Name or alias').fill('Robin');
    await admin.getByLabel('Address').fill('3 Hill Road');
    await admin.getByLabel('How to get in').fill('Side door');
    await admin.getByRole('checkbox', { name: 'Alex' }).check();
    await admin.getByRole('button', { name: 'Enrol' }).click();
    await admin.getByRole('heading', { level: 2, name: 'Robin' }).waitFor();
    expect(await admin.locator('#consent-state').textContent()).toBe('waiting for their choice');

    await admin.getByLabel('Device id').fill('robin-wrist');
    await admin.getByRole('button', { name: 'Register' }).click();
    const secret = (await admin.locator('code[data-secret-for="robin-wrist"]').textContent())!;
    expect(secret.length).toBeGreaterThanOrEqual(20);
    await admin.getByRole('button', { name: 'Show consent link' }).click();
    const url = (await admin.locator('#consent-url').textContent())!;
    const link = new URL(url);

    const device = await connectDevice({ id: 'robin-wrist', secret }, { url: suite.ts.mqttUrl });
    const dropped = await counter('odart_mqtt_dropped_total\\{reason="no_consent"\\}');
    await publish(device);
    expect(await counter('odart_mqtt_dropped_total\\{reason="no_consent"\\}')).toBe(dropped + 1);
    await admin.goto('/#/admin');

    // The person's own page: no account, the link is the key.
    const wearerCtx = await suite.phone();
    const me = await wearerCtx.newPage();
    await me.goto(`/${link.hash}`);
    await me.getByText('Hello Robin. Demo service offers you overdose monitoring.').waitFor();
    expect(await me.getByText('It is your choice.', { exact: false }).count()).toBeGreaterThan(0);
    expect(await me.getByText('Version 2026-01').count()).toBe(1);
    await expectAccessibleScreen(me, 'consent page');
    await me.getByRole('button', { name: 'Yes, monitor me' }).click();
    await me.getByText('Thank you. Monitoring is on.').waitFor();
    // Opted in is not yet watched: no monitoring command has reached their device, and the page says so.
    expect(await me.locator('#consent-monitoring').getAttribute('data-monitored')).toBe('no');
    expect(await me.locator('#consent-monitoring').textContent()).toMatch(/^NOT MONITORED right now/);
    await expectAccessibleScreen(me, 'consent page, monitoring on');
    // A monitoring round tells the device (the core is healthy): on the next look the page says monitored.
    expect(await suite.ts.server.monitoring.send()).toBeGreaterThan(0);
    await me.reload();
    await me
      .locator('#consent-monitoring[data-monitored="yes"]', { hasText: /^Monitored: the system checked in with your devices at / })
      .waitFor();
    await admin.locator('#notices li', { hasText: 'Robin: opted in (web)' }).waitFor();

    const before = await counter('odart_mqtt_messages_total\\{stream="vitals"\\}');
    await publish(device);
    expect(await counter('odart_mqtt_messages_total\\{stream="vitals"\\}')).toBe(before + 1);
    expect(
      await suite.ts.server.vitals.window(
        (await suite.ts.server.consent.wearerByToken(link.hash.split('/').pop()!))!.id,
        0,
        Number.MAX_SAFE_INTEGER,
      ),
    ).toHaveLength(1);

    await me.getByRole('button', { name: 'Stop monitoring' }).click();
    await me.getByText('Monitoring is off. The service has been told.').waitFor();
    await expectAccessibleScreen(me, 'consent page, monitoring off');
    await admin.locator('#notices li', { hasText: 'Robin: opted out (web)' }).waitFor();
    const droppedBefore = await counter('odart_mqtt_dropped_total\\{reason="no_consent"\\}');
    await publish(device);
    expect(await counter('odart_mqtt_dropped_total\\{reason="no_consent"\\}')).toBe(droppedBefore + 1);
    expect(await counter('odart_mqtt_messages_total\\{stream="vitals"\\}')).toBe(before + 1);

    await disconnectDevice(device);
    await adminCtx.close();
    await wearerCtx.close();
  });

  it('a link past its lifetime (7 days) says it has expired and offers no choice', async () => {
    const admin = await login(suite.ts.base, 'admin');
    const w = await api<{ id: string }>(suite.ts.base, admin, 'POST', '/api/admin/wearers', { alias: 'Sky' });
    const link = await api<{ url: string }>(suite.ts.base, admin, 'POST', `/api/admin/wearers/${w.body.id}/consent-link`, {});
    // The same data a week on (a restart on a virtual clock set there).
    const { dataDir } = suite.ts;
    const later = suite.ts.clock.now() + 7 * 24 * 3600_000;
    await suite.ts.close({ keepData: true });
    suite.ts = await startTestServer({ dataDir, clock: new VirtualClock(later) });
    const ctx = await suite.phone();
    const me = await ctx.newPage();
    await me.goto(`/${new URL(link.body.url).hash}`);
    await me.getByRole('alert').filter({ hasText: 'This link has expired' }).waitFor();
    expect(await me.getByRole('alert').textContent()).toBe('This link has expired. Ask your service for a new one.');
    expect(await me.getByRole('button', { name: 'Yes, monitor me' }).count()).toBe(0);
    await expectAccessibleScreen(me, 'consent page, expired link');
    await ctx.close();
  });
});
