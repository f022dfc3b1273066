// Virtual device hardware behaviours against a real server (real aedes over TCP, mqtt.js devices):
// Last Will on abrupt loss, reconnect with backoff, QoS 1 redelivery, battery, removal, skew, and
// commands obeyed. Device timers run on a virtual clock, so no test waits for a real timer.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../server/src/clock.js';
import { connectDevice, type DeviceProfile, type VirtualDevice } from '../simulator/src/devices.js';
import { generateScenario } from '../simulator/src/scenarios.js';
import {
  api,
  DEMO_DEVICE_SECRET,
  driveTrace,
  login,
  settle,
  startTestServer,
  T0,
  until as untilTurns,
  type TestServer,
} from './helpers/server.js';

// Waits on network I/O (no timers): generous in event-loop turns, because CI machines are busy.
const until = (cond: () => boolean | Promise<boolean>) => untilTurns(cond, 1_000_000);

let ts: TestServer;
let admin: string;
const opened: VirtualDevice[] = [];

beforeEach(async () => {
  ts = await startTestServer();
  admin = await login(ts.base, 'admin');
});
afterEach(async () => {
  for (const d of opened.splice(0)) await d.end().catch(() => undefined);
  await ts.close();
});

async function device(id: string, profile: DeviceProfile, clock?: VirtualClock): Promise<VirtualDevice> {
  const dev = await connectDevice({ id, secret: DEMO_DEVICE_SECRET }, { url: ts.mqttUrl, profile, ...(clock ? { clock } : {}) });
  opened.push(dev);
  return dev;
}

interface DeviceJson {
  id: string;
  online: boolean;
  battery: number | null;
}
const deviceRow = async (id: string) => (await api<DeviceJson>(ts.base, admin, 'GET', `/api/admin/devices/${id}`)).body;

/** Every device publish the broker accepts, as it arrived (topic, dup flag, parsed payload). */
function capture(): { topic: string; dup: boolean; payload: Record<string, unknown> }[] {
  const seen: { topic: string; dup: boolean; payload: Record<string, unknown> }[] = [];
  ts.server.embeddedBroker!.aedes.on('publish', (packet, client) => {
    if (!client) return;
    seen.push({ topic: packet.topic, dup: packet.dup, payload: JSON.parse(packet.payload.toString()) as Record<string, unknown> });
  });
  return seen;
}

const vitals = { hr: 72, spo2: 97, rr: 14, activity: 10, onBody: true };

describe('virtual device behaviours', () => {
  it('[MQTT-3.1.2-8] an abrupt loss publishes the Last Will: the server marks the device offline', async () => {
    const dev = await device('demo-wrist', { reconnect: { baseMs: 0, maxMs: 0 } });
    await until(async () => (await deviceRow('demo-wrist')).online);
    dev.dropConnection();
    await until(async () => !(await deviceRow('demo-wrist')).online);
    expect(dev.state).toBe('closed');
  });

  it('connects over MQTT over WebSocket too (the HTTP port, MQTT_WS_PATH), and its Last Will works there', async () => {
    const dev = await connectDevice(
      { id: 'demo-room', secret: DEMO_DEVICE_SECRET },
      {
        url: `${ts.base.replace('http', 'ws')}/mqtt`,
        profile: { kind: 'room', reconnect: { baseMs: 0, maxMs: 0 } },
      },
    );
    opened.push(dev);
    await dev.publish('presence', { occupied: true, motion: 20 });
    await until(async () => (await deviceRow('demo-room')).online);
    dev.dropConnection();
    await until(async () => !(await deviceRow('demo-room')).online);
  });

  it('reconnects with exponential backoff and jitter, on the device clock, and resets after success', async () => {
    const clock = new VirtualClock(T0);
    const dev = await device('demo-wrist', { reconnect: { baseMs: 1000, maxMs: 4000 } }, clock);
    const connects = () => dev.events.filter((e) => e.type === 'connected').length;

    // 1. a network drop: first delay within [base/2, base]; nothing happens until the device clock gets there
    dev.dropConnection();
    await until(() => dev.state === 'waiting');
    const d1 = dev.backoffs[0]!;
    expect(d1).toBeGreaterThanOrEqual(500);
    expect(d1).toBeLessThanOrEqual(1000);
    clock.advance(d1 - 1);
    expect(dev.state).toBe('waiting');
    clock.advance(1);
    await until(() => dev.state === 'online' && connects() === 2);

    // 2. the secret is rotated: the server cuts the device off, and every retry is refused,
    //    so the delay doubles (with jitter) up to the cap
    const rotated = await api(ts.base, admin, 'POST', '/api/admin/devices/demo-wrist/rotate');
    expect(rotated.status).toBe(200);
    await until(() => dev.state === 'waiting' && dev.backoffs.length === 2);
    for (let i = 2; i <= 5; i++) {
      clock.advance(dev.backoffs.at(-1)!);
      await until(() => dev.state === 'waiting' && dev.backoffs.length === i + 1);
    }
    // attempt counter reset after the successful reconnect: 1000, then 2000, 4000, 4000 (cap), 4000
    const [, b2, b3, b4, b5, b6] = dev.backoffs as [number, number, number, number, number, number];
    expect(b2).toBeGreaterThanOrEqual(500);
    expect(b2).toBeLessThanOrEqual(1000);
    expect(b3).toBeGreaterThanOrEqual(1000);
    expect(b3).toBeLessThanOrEqual(2000);
    for (const b of [b4, b5, b6]) {
      expect(b).toBeGreaterThanOrEqual(2000);
      expect(b).toBeLessThanOrEqual(4000);
    }
    const refused = /odart_mqtt_auth_failures_total\{kind="connect"\} (\d+)/.exec(await (await fetch(`${ts.base}/metrics`)).text());
    expect(Number(refused?.[1])).toBe(4);
    dev.kill();
  });

  it('[MQTT-3.3.1-1] a lost PUBACK makes the device redeliver with DUP and the same packet: the server sees it twice', async () => {
    const clock = new VirtualClock(T0);
    const seen = capture();
    const dev = await device('demo-wrist', { network: { ackLoss: 1, retryMs: 2000 } }, clock);
    let acked = false;
    const p = dev.publish('vitals', vitals).then(() => {
      acked = true;
    });
    const copies = () => seen.filter((s) => s.topic.endsWith('/vitals'));
    await until(() => copies().length === 1);
    expect(acked).toBe(false);
    clock.advance(2000);
    await p;
    expect(copies().map((c) => c.dup)).toEqual([false, true]);
    expect(copies()[1]!.payload).toEqual(copies()[0]!.payload);
    // the retained status message sent on connect lost its PUBACK too
    expect(dev.linkStats).toMatchObject({ acksLost: 2, redelivered: 2 });
  });

  it('a lost PUBLISH is redelivered with DUP and arrives once; lost QoS 0 vitals never arrive', async () => {
    const clock = new VirtualClock(T0);
    const seen = capture();
    const dev = await device('demo-wrist', { network: { loss: 1, retryMs: 1000 } }, clock);
    const p = dev.publish('button', { action: 'help' });
    // the status message on connect, then the button press, were lost on the way
    await until(() => dev.linkStats.publishesLost === 2);
    clock.advance(1000);
    await p;
    const buttons = seen.filter((s) => s.topic.endsWith('/button'));
    expect(buttons.map((b) => b.dup)).toEqual([true]);

    const q0 = await device('demo-room', { network: { loss: 1 }, vitalsQos: 0 }, clock);
    await q0.publish('vitals', vitals);
    const door = q0.publish('door', { open: true });
    await until(() => q0.linkStats.publishesLost === 2); // its status on connect and the door change
    clock.advance(5000);
    await door;
    await until(() => seen.some((s) => s.topic.endsWith('demo-room/door')));
    expect(seen.filter((s) => s.topic.endsWith('demo-room/vitals'))).toEqual([]);
    expect(q0.linkStats.qos0Lost).toBe(1);
  });

  it('device clock skew, model without RR, and removal (off-body) shape the payload', async () => {
    const clock = new VirtualClock(T0);
    const seen = capture();
    const dev = await device('demo-wrist', { skewMs: -90_000, model: 'spo2' }, clock);
    await dev.publish('vitals', vitals);
    dev.remove();
    await dev.publish('vitals', { ...vitals, activity: 3 });
    const v = seen.filter((s) => s.topic.endsWith('/vitals')).map((s) => s.payload);
    expect(v[0]).toEqual({ hr: 72, spo2: 97, activity: 10, onBody: true, seq: 1, ts: T0 - 90_000 });
    expect(v[1]).toEqual({ hr: null, spo2: null, activity: 3, onBody: false, seq: 2, ts: T0 - 90_000 });
  });

  it('battery drains: a low-battery status at 15 %, then the device dies and its Last Will marks it offline', async () => {
    const clock = new VirtualClock(T0);
    // 20 % draining 1 % per second of device time
    const dev = await device(
      'demo-wrist',
      { battery: { startPct: 20, drainPctPerHour: 3600 }, reconnect: { baseMs: 1000, maxMs: 1000 } },
      clock,
    );
    await until(async () => (await deviceRow('demo-wrist')).battery === 20);
    for (let s = 1; s <= 6; s++) {
      clock.advance(1000);
      await dev.publish('vitals', vitals);
    }
    await until(async () => (await deviceRow('demo-wrist')).battery === 15);
    expect(dev.events.filter((e) => e.type === 'low_battery').map((e) => e.detail)).toEqual([15]);
    clock.advance(14_000);
    await expect(dev.publish('vitals', vitals)).rejects.toThrow(/dead/);
    expect(dev.state).toBe('dead');
    await until(async () => !(await deviceRow('demo-wrist')).online);
    // dead devices do not come back
    clock.advance(60_000);
    expect(dev.backoffs).toEqual([]);
  });

  it('obeys commands: the check-in prompt vibrates the wearable, the scripted wearer presses OK, the alert is cancelled', async () => {
    const clock = ts.clock; // device timers on the server's virtual clock: the wearer answers in trace time
    const wrist = await device('demo-wrist', { wearer: { answers: 'ok', afterS: 5 } }, clock);
    const room = await device('demo-room', { kind: 'room' }, clock);
    const alex = await login(ts.base, 'alex');
    const alerts = async () => (await api<{ id: string; state: string }[]>(ts.base, alex, 'GET', '/api/alerts')).body;
    const sc = generateScenario('overdose', { seed: 7, wearer: 'demo-wearer', wrist: 'demo-wrist', room: 'demo-room' });
    await driveTrace(
      ts,
      new Map([
        ['demo-wrist', wrist],
        ['demo-room', room],
      ]),
      sc.lines,
      {
        stopWhen: async () => (await alerts()).some((a) => a.state !== 'pending_checkin'),
      },
    );
    await settle(ts);
    await until(() => wrist.commands.some((c) => c.type === 'cancel'));
    const list = await alerts();
    expect(list.map((a) => a.state)).toEqual(['cancelled']);
    const types = wrist.events.map((e) => e.type).filter((t) => ['vibrate', 'answered', 'vibrate_stop'].includes(t));
    expect(types).toEqual(['vibrate', 'answered', 'vibrate_stop']);
    expect(wrist.commands.map((c) => c.type)).toEqual(['checkin', 'cancel']);
    const detail = await api<{ timeline: { type: string; by?: string }[] }>(ts.base, alex, 'GET', `/api/alerts/${list[0]!.id}`);
    expect(detail.body.timeline.find((e) => e.type === 'cancelled')?.by).toBe('wearer_ok');
    // the wearer answered within the check-in window: no responder was paged
    expect((await api<unknown[]>(ts.base, admin, 'GET', '/api/outbox')).body).toEqual([]);
  });
});
