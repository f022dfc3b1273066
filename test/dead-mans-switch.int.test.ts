// The dead man's switch (HEARTBEAT_URL, HEARTBEAT_S) and the `monitoring` command, end to end in virtual time:
// a local HTTP server receives the pings; the real broker carries the commands to virtual devices over TCP.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../server/src/log.js';
import { connectDevice, type VirtualDevice } from '../simulator/src/devices.js';
import { CSRF, DEMO_DEVICE_SECRET, disconnectAll, login, settle, startTestServer, type TestServer } from './helpers/server.js';

interface Ping {
  path: string;
  body: string;
}

let ts: TestServer | null = null;
let receiver: http.Server | null = null;
let devices: Map<string, VirtualDevice> | null = null;
afterEach(async () => {
  if (devices) await disconnectAll(devices);
  devices = null;
  await ts?.close();
  ts = null;
  await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
  receiver = null;
});

/** A healthchecks-style endpoint: records every ping (path and body) and answers 200 OK. */
async function pingReceiver(): Promise<{ url: string; pings: Ping[] }> {
  const pings: Ping[] = [];
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      pings.push({ path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
      res.end('OK');
    });
  });
  await new Promise<void>((r) => receiver!.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`, pings };
}

/** Moves virtual time on one second at a time, letting every loop pass, ping and command round finish. */
async function step(t: TestServer, seconds: number): Promise<void> {
  for (let i = 0; i < seconds; i++) {
    t.clock.advance(1000);
    await settle(t);
    await t.server.heartbeat?.idle();
    await t.server.monitoring.idle();
    // a few turns of the event loop with its I/O phase: commands on their way over TCP arrive
    for (let k = 0; k < 5; k++) await new Promise<void>((r) => setImmediate(r));
  }
}

const TOKEN = '5bf66975-d4c7-4bf5-bcc8-b8d8a82068ac';

describe("dead man's switch (HEARTBEAT_URL)", () => {
  it('pings every HEARTBEAT_S while healthy; the check token never reaches the log', async () => {
    const { url, pings } = await pingReceiver();
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    ts = await startTestServer({
      env: { HEARTBEAT_URL: `${url}/ping/${TOKEN}`, HEARTBEAT_S: '10' },
      server: { log: createLogger('info', sink) },
    });
    await step(ts, 9);
    expect(pings).toEqual([]);
    await step(ts, 1);
    expect(pings).toEqual([{ path: `/ping/${TOKEN}`, body: 'ok' }]);
    await step(ts, 20);
    expect(pings.map((p) => p.path)).toEqual([`/ping/${TOKEN}`, `/ping/${TOKEN}`, `/ping/${TOKEN}`]);
    const log = lines.join('');
    expect(log).toContain('heartbeat on');
    expect(log).not.toContain(TOKEN);
  });

  it('an escalation loop that stops passing turns the pings into /fail with the reason, and they resume when it recovers', async () => {
    const { url, pings } = await pingReceiver();
    ts = await startTestServer({ env: { HEARTBEAT_URL: `${url}/ping/${TOKEN}`, HEARTBEAT_S: '10' } });
    await step(ts, 10);
    expect(pings.map((p) => p.path)).toEqual([`/ping/${TOKEN}`]);
    // A wedged pass (a job that never returns): the loop keeps firing but no pass finishes.
    const escalator = ts.server.escalator;
    const realTick = escalator.tick.bind(escalator);
    let release: () => void = () => undefined;
    const wedged = new Promise<void>((r) => (release = r));
    escalator.tick = () => wedged;
    await step(ts, 40);
    // passes stop after 10 s; the ping at 50 s finds the last one 40 s old (> 30 s)
    expect(pings.map((p) => p.path)).toEqual([...Array<string>(4).fill(`/ping/${TOKEN}`), `/ping/${TOKEN}/fail`]);
    expect(pings.at(-1)!.body).toBe('escalation: no loop pass for 40 s');
    escalator.tick = realTick;
    release();
    await step(ts, 10);
    expect(pings.at(-1)).toEqual({ path: `/ping/${TOKEN}`, body: 'ok' });
  });

  it('a node that is not the active core (a standby, or one that stepped down) pings neither the URL nor /fail and sends no monitoring command', async () => {
    const { url, pings } = await pingReceiver();
    ts = await startTestServer({ env: { HEARTBEAT_URL: `${url}/ping/${TOKEN}`, HEARTBEAT_S: '10' } });
    await step(ts, 10);
    expect(pings.map((p) => p.path)).toEqual([`/ping/${TOKEN}`]);
    // Stepping down stops ingest, detection and escalation here: that is another node's job now, not a failure
    // of this one to report (a /fail from a standby would page the operators while the active core is fine).
    await ts.server.core.stop();
    expect(ts.server.core.active).toBe(false);
    await step(ts, 60);
    expect(pings.map((p) => p.path)).toEqual([`/ping/${TOKEN}`]);
    expect(await ts.server.monitoring.send()).toBe(0);
  });

  it('a broker that is down turns the pings into /fail', async () => {
    const { url, pings } = await pingReceiver();
    ts = await startTestServer({ env: { HEARTBEAT_URL: `${url}/hc/${TOKEN}?rid=1`, HEARTBEAT_S: '10' } });
    await ts.server.broker.close();
    await step(ts, 10);
    expect(pings).toEqual([{ path: `/hc/${TOKEN}/fail?rid=1`, body: 'ingest: the broker is down' }]);
  });
});

describe('the monitoring command', () => {
  it('reaches the devices of an active wearer every minute; a paused wearer\'s device shows "not monitored" after 3 minutes, "monitored" on the next', async () => {
    ts = await startTestServer();
    const t = ts;
    // The virtual devices run on the server's virtual clock: their 3-minute watchdog is virtual time too.
    devices = new Map();
    for (const id of ['demo-wrist', 'demo-room']) {
      devices.set(id, await connectDevice({ id, secret: DEMO_DEVICE_SECRET }, { url: t.mqttUrl, clock: t.clock }));
    }
    const wrist = devices.get('demo-wrist')!;
    const room = devices.get('demo-room')!;
    expect(wrist.monitoring).toBe('starting');
    await step(t, 60);
    await until(() => wrist.monitoringBeats === 1 && room.monitoringBeats === 1);
    expect(wrist.monitoring).toBe('monitored');
    expect(wrist.commands).toEqual([]);
    await step(t, 60);
    await until(() => wrist.monitoringBeats === 2);

    // The wearer pauses: their devices hear nothing, and after 3 minutes show "not monitored".
    const wearerId = (await t.server.repos.deviceById('demo-wrist'))!.wearer_id!;
    const cookie = await login(t.base, 'admin');
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${t.base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie, ...CSRF },
        body: JSON.stringify(body),
      });
      expect(res.status, await res.text()).toBe(200);
    };
    await post(`/api/admin/wearers/${wearerId}/pause`, { minutes: 60 });
    await step(t, 179);
    expect(wrist.monitoringBeats).toBe(2);
    expect(wrist.monitoring).toBe('monitored');
    await step(t, 1);
    expect(wrist.monitoring).toBe('not_monitored');
    expect(room.monitoring).toBe('not_monitored');
    expect(wrist.events.filter((e) => e.type === 'monitored' || e.type === 'not_monitored').map((e) => e.type)).toEqual([
      'monitored',
      'not_monitored',
    ]);

    // Resumed: the next round tells them again.
    await post(`/api/admin/wearers/${wearerId}/resume`, {});
    await step(t, 60);
    await until(() => wrist.monitoringBeats === 3 && room.monitoringBeats === 3);
    expect(wrist.monitoring).toBe('monitored');
  });

  it('an unhealthy core sends none: the devices, the wearer\'s page and the console show "not monitored"', async () => {
    ts = await startTestServer();
    const t = ts;
    devices = new Map([
      ['demo-wrist', await connectDevice({ id: 'demo-wrist', secret: DEMO_DEVICE_SECRET }, { url: t.mqttUrl, clock: t.clock })],
    ]);
    const wrist = devices.get('demo-wrist')!;
    // The wearer's own page (their personal link) and the console's readiness say what the device shows.
    const cookie = await login(t.base, 'admin');
    const call = async <T>(path: string, body?: unknown, c: string | null = cookie): Promise<T> => {
      const res = await fetch(`${t.base}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { 'content-type': 'application/json', ...(c ? { cookie: c } : {}), ...CSRF },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      expect(res.status).toBe(200);
      return (await res.json()) as T;
    };
    const { url } = await call<{ url: string }>('/api/admin/wearers/demo-wearer/consent-link', {});
    const token = new URL(url).hash.split('/').at(-1)!;
    const wearerPage = () => call<{ monitoring: { monitored: boolean; lastAt: string | null } }>('/api/consent/lookup', { token }, null);
    type R = { ready: boolean; items: { key: string; ok: boolean; detail: string }[] };
    const readiness = async () => (await call<R>('/api/admin/wearers/demo-wearer/readiness')).items.find((i) => i.key === 'monitoring')!;
    // Nothing told yet: not monitored, although consent is on.
    expect((await wearerPage()).monitoring).toEqual({ monitored: false, lastAt: null });
    expect(await readiness()).toMatchObject({ ok: false, detail: 'NOT MONITORED: the core has not told their devices yet' });
    await step(t, 60);
    await until(() => wrist.monitoringBeats === 1);
    const told = new Date(t.clock.now()).toISOString();
    expect((await wearerPage()).monitoring).toEqual({ monitored: true, lastAt: told });
    expect(await readiness()).toMatchObject({ ok: true });
    t.server.escalator.tick = () => new Promise<void>(() => undefined);
    await step(t, 179);
    expect((await wearerPage()).monitoring.monitored).toBe(true);
    await step(t, 1);
    expect(wrist.monitoringBeats).toBe(1);
    expect(wrist.monitoring).toBe('not_monitored');
    // The same instant the device gives up, so do the wearer's page and the console.
    expect((await wearerPage()).monitoring).toEqual({ monitored: false, lastAt: told });
    expect(await readiness()).toMatchObject({ ok: false, detail: `NOT MONITORED: no word from the core to their devices since ${told}` });
  });
});

async function until(cond: () => boolean, turns = 100_000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (cond()) return;
    await new Promise<void>((r) => setImmediate(r));
  }
  throw new Error('condition not reached');
}
