// Responder flow in headless Chromium at phone width (issue 6.1, 6.7, "the responder's minute"): a
// simulated overdose over MQTT in virtual time reaches alex, whose app sounds the alarm (Web Audio running,
// vibration, notification: read from the data-alarm-* attributes the alarm writes when it actually ran
// them); alex opens the one alarm screen: where to go as a maps link, how to get in, the room, I'm going /
// I can't go, Call 999 and call the service, the escalation clock (Sam is called next, counting down),
// Resolve out of the way until someone acknowledges, the vitals chart; alex acknowledges (the clock turns
// to the arrival deadline) and resolves with an outcome; sam is told "Alex got there first", no alarm.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { api, connectDemoDevices, disconnectAll, driveDemoOverdose, login } from '../helpers/server.js';
import { browserSuite } from './browser.js';

const suite = browserSuite();

const attr = (page: Page, name: string) => page.evaluate((n) => document.documentElement.getAttribute(n), name);

describe('responder app', () => {
  it('alex is alarmed, opens the alert, acknowledges, resolves with an outcome; sam sees it taken', async () => {
    const admin = await login(suite.ts.base, 'admin');
    expect((await api(suite.ts.base, admin, 'PUT', '/api/admin/devices/demo-room/room', { room: 'Bathroom' })).status).toBe(200);
    expect((await api(suite.ts.base, admin, 'PATCH', '/api/admin/service', { phone: '+44 141 555 0100' })).status).toBe(200);
    const phones = await suite.signedInPhones('alex', 'sam');
    const [alex, sam] = phones.pages;
    expect(await alex.getByText('No alerts. You will hear an alarm when one comes in.').isVisible()).toBe(true);

    const devices = await connectDemoDevices(suite.ts);
    const alexApi = await login(suite.ts.base, 'alex');
    const alertId = await driveDemoOverdose(suite.ts, devices, alexApi, 7);

    // Alex is paged by step 1 of the chain: the alarm really ran.
    await alex.locator('html[data-alarm-count="1"]').waitFor();
    expect(await attr(alex, 'data-alarm-alert')).toBe(alertId);
    expect(await attr(alex, 'data-alarm-sound')).toBe('playing');
    expect(await attr(alex, 'data-alarm-notified')).toBe('shown');
    expect(['yes', 'refused', 'unsupported']).toContain(await attr(alex, 'data-alarm-vibrate'));
    const banner = alex.getByRole('alert').filter({ hasText: 'New alert: Jo may need help' });
    await banner.waitFor();
    // Sam sees the alert in the feed, but is not called yet (step 2 comes after 60 s): no alarm.
    await sam.locator(`li.alert[data-alert-id="${alertId}"][data-state="escalating"]`).waitFor();
    expect(await attr(sam, 'data-alarm-count')).toBeNull();

    // The alert screen: everything needed on the way.
    await banner.getByRole('link', { name: 'Open' }).click();
    await alex.getByRole('heading', { level: 2, name: 'Jo may need help' }).waitFor();
    expect(await alex.locator('#address').textContent()).toBe('Flat 2, 14 Example Street, Glasgow');
    const maps = alex.getByRole('link', { name: /Flat 2, 14 Example Street, Glasgow/ });
    expect(await maps.getAttribute('href')).toBe(
      'https://www.google.com/maps/search/?api=1&query=Flat%202%2C%2014%20Example%20Street%2C%20Glasgow',
    );
    expect(await alex.locator('#access').textContent()).toBe('Key safe by the door, code from the service');
    expect(await alex.locator('#room').textContent()).toBe('Bathroom');
    expect(await alex.locator('#elapsed').textContent()).toMatch(/^\d+ min \d\d s$/);
    expect(await alex.getByRole('link', { name: 'Call 999' }).getAttribute('href')).toBe('tel:999');
    expect(await alex.getByRole('link', { name: 'Call Demo service' }).getAttribute('href')).toBe('tel:+441415550100');
    // The escalation clock, from the server's `escalation`: Sam is next, within the 60 s wait.
    expect(await alex.locator('#escalation-clock').textContent()).toMatch(/^Call step 1 of 3\. Sam is called in (1 min|[1-5]?[0-9] s)\.$/);
    // I'm going and I can't go together; Resolve is not among them until someone acknowledges.
    const actions = alex.getByRole('group', { name: 'Actions' });
    expect(await actions.getByRole('button').allTextContents()).toEqual(['Acknowledge', "I can't go"]);
    expect(await alex.locator('section.close-alert').getByRole('button', { name: 'Resolve' }).count()).toBe(1);
    const reasons = await alex.locator('.facts .reasons li').allTextContents();
    expect(reasons.join(' ')).toMatch(/breathing/);
    const chart = alex.locator('.chart-box');
    await chart.locator('svg.chart').waitFor();
    expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThan(60);
    expect(await chart.locator('polyline.line-rr').count()).toBeGreaterThan(0);
    expect(await chart.locator('line.chart-alert').count()).toBe(3);
    expect(await alex.locator('#vitals-summary').textContent()).toMatch(/^Latest: breathing \d+ per minute/);
    expect(await alex.locator('#timeline li').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining('Responders called')]),
    );
    // The first-aid guide is one tap away.
    await alex.getByText('First aid for a suspected overdose').click();
    await alex.getByRole('heading', { name: 'Naloxone', exact: true }).waitFor();

    // Acknowledge ("I'm going"): the button's accessible name stays exactly "Acknowledge".
    const ack = alex.getByRole('button', { name: 'Acknowledge', exact: true });
    expect(await ack.getAttribute('aria-describedby')).toBeTruthy();
    await ack.click();
    await alex.getByText('You are attending.', { exact: true }).waitFor();
    expect(await attr(alex, 'data-alarm-sound')).toBe('off');
    expect(await alex.locator('#escalation-clock').textContent()).toBe('The call chain starts again if you have not arrived in 10 min.');
    // The one going can still hand it back ("I can't go": the chain starts again at once).
    expect(await actions.getByRole('button').allTextContents()).toEqual(['Arrived', "I can't go", 'Resolve']);
    expect(await alex.getByRole('alert').filter({ hasText: 'New alert' }).count()).toBe(0);

    // Sam sees it taken, with no Acknowledge left on that alert.
    const samCard = sam.locator(`li.alert[data-alert-id="${alertId}"]`);
    await samCard.getByText('Alex got there first and is going.', { exact: false }).waitFor();
    expect(await samCard.getByRole('button', { name: 'Acknowledge' }).count()).toBe(0);

    // Resolve with an outcome, by keyboard-reachable controls.
    await alex.getByRole('button', { name: 'Resolve' }).click();
    await alex.getByRole('radio', { name: 'Person was OK' }).check();
    await alex.getByLabel('Note (optional)').fill('Was asleep, woke when we knocked.');
    await alex.getByRole('button', { name: 'Save outcome' }).click();
    await alex.locator('section.detail[data-state="resolved"]').waitFor();
    await alex.locator('#timeline li', { hasText: 'Resolved by Alex: Person was OK' }).waitFor();
    const done = await api<{ state: string; outcome: string; note: string }>(suite.ts.base, alexApi, 'GET', `/api/alerts/${alertId}`);
    expect(done.body).toMatchObject({ state: 'resolved', outcome: 'wearer_ok', note: 'Was asleep, woke when we knocked.' });
    await samCard.and(sam.locator('[data-state="resolved"]')).waitFor();

    // At 360 px nothing scrolls sideways.
    expect(await alex.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await disconnectAll(devices);
    await phones.close();
  });
});
