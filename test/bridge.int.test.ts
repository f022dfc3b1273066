// Firmware bridge end to end (issue 7), real parts only: frames over the bridge's TCP intake ->
// real Bridge (SQLite store-and-forward) -> real MQTT over TCP as demo-gateway -> real aedes with
// the gateway ACL -> ingest -> detection -> alert, all in virtual time.
import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateScenario } from '../simulator/src/scenarios.js';
import { openBridgeTarget, sendTraceViaBridge } from '../simulator/src/via-bridge.js';
import type { SampleLine, TraceLine } from '../simulator/src/trace.js';
import {
  frameSender,
  sampleToBody,
  spyDeviceMessages,
  startProxy,
  startTestBridge,
  type TestBridge,
  type UplinkProxy,
} from './helpers/bridge.js';
import { api, DEMO_DEVICE_SECRET, login, settle, startTestServer, T0, until, type TestServer } from './helpers/server.js';

interface AlertJson {
  id: string;
  state: string;
  score: number;
  reasons: string[];
  createdAt: string;
}

let ts: TestServer;
let proxy: UplinkProxy;
let tb: TestBridge;
let seen: ReturnType<typeof spyDeviceMessages>;

beforeEach(async () => {
  cookie = null;
  ts = await startTestServer();
  seen = spyDeviceMessages(ts);
  proxy = await startProxy(ts.server.mqttPort);
  tb = await startTestBridge(ts, { mqttPort: proxy.port });
});
afterEach(async () => {
  await tb.close();
  await proxy.close();
  await ts.close();
});

const LONG = 500_000;
const frameMessages = () => seen.filter((m) => typeof m.data.seq === 'number');

/**
 * Sends a trace through the bridge in virtual time: before each trace second the shared clock moves
 * to T0 + t (server and bridge timers fire); frames carry the device time T0 + t. With `cut`, the
 * uplink proxy drops the bridge's connection at cut[0] and lets it back at cut[1].
 */
async function drive(lines: TraceLine[], o: { cut?: [number, number]; stopWhen?: () => Promise<boolean> } = {}) {
  const sender = await frameSender(tb.tcpPort);
  const samples = lines.filter((l): l is SampleLine => 'device' in l);
  const start = ts.clock.now();
  let i = 0;
  while (i < samples.length) {
    const t = samples[i]!.t;
    if (o.cut && t >= o.cut[0] && t < o.cut[1] && tb.bridge.connected) {
      proxy.cut();
      await until(() => !tb.bridge.connected, LONG);
    }
    if (o.cut && t >= o.cut[1]) proxy.restore();
    ts.clock.advanceTo(start + t);
    await until(() => !tb.bridge.connecting, LONG);
    if (tb.bridge.connected) await until(() => tb.bridge.ready, LONG);
    while (i < samples.length && samples[i]!.t === t) {
      const s = samples[i++]!;
      sender.send(s.device, start + s.t, sampleToBody(s));
    }
    await until(() => tb.bridge.stats().frames >= sender.sent, LONG);
    if (tb.bridge.ready) await until(() => tb.bridge.stats().backlog === 0 && frameMessages().length >= sender.sent, LONG);
    await settle(ts);
    if (o.stopWhen && (await o.stopWhen())) break;
  }
  sender.close();
  return sender.sent;
}

let cookie: string | null = null;
async function alerts(): Promise<AlertJson[]> {
  cookie ??= await login(ts.base, 'alex');
  return (await api<AlertJson[]>(ts.base, cookie, 'GET', '/api/alerts')).body;
}

const overdose = () => generateScenario('overdose', { seed: 7, wearer: 'demo-wearer', wrist: 'demo-wrist', room: 'demo-room' });

/** A 60 s apnea from 70 s that ends by itself at 130 s; normal breathing after. */
function selfLimitingApnea(): TraceLine[] {
  const lines: TraceLine[] = [];
  for (let s = 0; s < 240; s++) {
    const apnea = s >= 70 && s < 130;
    lines.push({
      t: s * 1000,
      device: 'demo-wrist',
      stream: 'vitals',
      data: { hr: 76, spo2: apnea ? Math.max(80, Math.min(97, 97 - (s - 85) * 0.3)) : 97, rr: apnea ? 0 : 14, activity: 10, onBody: true },
    });
  }
  return lines;
}

describe('gateway ACL: a gateway publishes only for the devices registered to it (0002_gateways)', () => {
  it('demo-gateway is told its devices, may publish for demo-wrist, and is cut off when it publishes for a device not registered to it', async () => {
    const now = ts.clock.now();
    await ts.server.repos.insertDevice({
      id: 'other-wrist',
      service_id: 'demo',
      wearer_id: 'demo-wearer',
      kind: 'wearable',
      secret_hash: 'x',
      last_seen_at: null,
      battery: null,
      online: 0,
      created_at: now,
    });
    // one session per device: the test takes the gateway's place
    await tb.close();
    const gw = await mqtt.connectAsync(`mqtt://127.0.0.1:${ts.server.mqttPort}`, {
      clientId: 'demo-gateway',
      username: 'demo-gateway',
      password: DEMO_DEVICE_SECRET,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    const configs: string[] = [];
    gw.on('message', (_t, p) => configs.push(p.toString()));
    await gw.subscribeAsync('odart/v1/devices/demo-gateway/config', { qos: 1 });
    await until(() => configs.length > 0, LONG);
    expect(JSON.parse(configs[0]!)).toEqual({ devices: ['demo-room', 'demo-wrist'] });

    await gw.publishAsync('odart/v1/devices/demo-wrist/door', JSON.stringify({ open: true }), { qos: 1 });
    let closed = false;
    gw.on('close', () => {
      closed = true;
    });
    gw.publish('odart/v1/devices/other-wrist/button', JSON.stringify({ action: 'help' }), { qos: 1 });
    await until(() => closed, LONG);
    await settle(ts);
    expect(seen.map((m) => m.topic)).toContain('odart/v1/devices/demo-wrist/door');
    expect(seen.map((m) => m.topic)).not.toContain('odart/v1/devices/other-wrist/button');
    expect(await alerts()).toEqual([]);
    gw.end(true);
  });

  it('a device that is not a gateway still cannot publish for another device', async () => {
    const room = await mqtt.connectAsync(`mqtt://127.0.0.1:${ts.server.mqttPort}`, {
      clientId: 'demo-room',
      username: 'demo-room',
      password: DEMO_DEVICE_SECRET,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    let closed = false;
    room.on('close', () => {
      closed = true;
    });
    room.publish('odart/v1/devices/demo-wrist/button', JSON.stringify({ action: 'help' }), { qos: 1 });
    await until(() => closed, LONG);
    expect(seen.map((m) => m.topic)).not.toContain('odart/v1/devices/demo-wrist/button');
    room.end(true);
  });

  it('the bridge drops frames of devices not registered to it instead of losing its connection', async () => {
    const sender = await frameSender(tb.tcpPort);
    sender.send('other-wrist', T0, { type: 'button', action: 'help' });
    sender.send('demo-room', T0, { type: 'door', open: true });
    await until(() => frameMessages().length >= 1, LONG);
    expect(tb.bridge.stats().rejected.not_registered).toBe(1);
    expect(tb.bridge.connected).toBe(true);
    expect(frameMessages().map((m) => m.topic)).toEqual(['odart/v1/devices/demo-room/door']);
    sender.close();
  });
});

describe('device -> bridge -> broker -> detection -> alert', () => {
  it('a simulated overdose sent as frames through the bridge raises the responder alert', async () => {
    await drive(overdose().lines, { stopWhen: async () => (await alerts()).some((a) => a.state === 'escalating') });
    const list = await alerts();
    expect(list).toHaveLength(1);
    expect(list[0]!.reasons.join(' ')).toMatch(/no breathing|breathing \d/);
    // payloads carry the device time and sequence number (docs/firmware-protocol.md)
    const first = frameMessages().find((m) => m.topic.endsWith('/vitals'))!;
    expect(first.data).toMatchObject({ ts: T0, seq: 1, onBody: true });
  });
});

describe('npm run simulate -- <scenario> --via-bridge udp://host:port', () => {
  it("sends the scenario as UDP frames that reach the server as the scenario's device messages", async () => {
    const lines = overdose().lines.slice(0, 40);
    const target = await openBridgeTarget(`udp://127.0.0.1:${tb.udpPort}`);
    const r = await sendTraceViaBridge(lines, target, { speed: Number.POSITIVE_INFINITY, now: () => ts.clock.now() });
    await target.close();
    const samples = lines.filter((l): l is SampleLine => 'device' in l);
    expect(r).toEqual({ sent: samples.length, errors: 0 });
    await until(() => frameMessages().length >= samples.length, LONG);
    const got = frameMessages();
    expect(got.map((m) => m.topic)).toEqual(samples.map((x) => `odart/v1/devices/${x.device}/${x.stream}`));
    expect(got.map((m) => ({ ...m.data, ts: undefined, seq: undefined }))).toEqual(
      samples.map((x) => ({ ...x.data, ts: undefined, seq: undefined })),
    );
  });
});

describe('store-and-forward: uplink cut for minutes during an overdose', () => {
  it('buffered frames arrive in order with their original times after reconnect, and the alert fires from the recent ones', async () => {
    const sent = await drive(overdose().lines, { cut: [60_000, 200_000] });
    const s = tb.bridge.stats();
    expect(s.connects).toBeGreaterThanOrEqual(2);
    // the server learnt of the outage from the gateway's Last Will
    expect(seen.some((m) => m.topic === 'odart/v1/devices/demo-gateway/status' && m.data.state === 'offline')).toBe(true);
    expect(s.backlog).toBe(0);
    // every frame reached the server exactly once, in device order, with its device time
    const msgs = frameMessages();
    expect(msgs).toHaveLength(sent);
    for (const dev of ['demo-wrist', 'demo-room']) {
      const mine = msgs.filter((m) => m.topic.includes(`/${dev}/`));
      expect(mine.map((m) => m.data.seq)).toEqual(mine.map((_m, k) => k + 1));
      const times = mine.map((m) => m.data.ts as number);
      expect([...times].sort((a, b) => a - b)).toEqual(times);
    }
    const wrist = msgs.filter((m) => m.topic.endsWith('/demo-wrist/vitals'));
    expect(wrist[120]!.data.ts).toBe(T0 + 120_000); // recorded during the outage, delivered later, original time kept

    // nothing could alert during the outage; on reconnect the recent frames (apnea since 90 s) alert at once
    const list = await alerts();
    expect(list).toHaveLength(1);
    const alert = list[0]!;
    expect(alert.state).toBe('escalating');
    const createdT = Date.parse(alert.createdAt) - T0;
    expect(createdT).toBeGreaterThanOrEqual(200_000);
    expect(createdT).toBeLessThanOrEqual(215_000);
    // the apnea's length comes from the replayed timeline (onset at 90 s), not from the moment of reconnect
    expect(alert.reasons.join(' ')).toMatch(/no breathing for (9[0-9]|1[0-9]{2}) ?s/);
  });

  it('an episode that began and ended during the outage is replayed as old data and pages no one', async () => {
    await drive(selfLimitingApnea(), { cut: [60_000, 200_000] });
    expect(frameMessages().length).toBe(240);
    expect(await alerts()).toEqual([]);
  });

  it('control: the same episode with the uplink up does page (so the test above can fail)', async () => {
    await drive(selfLimitingApnea());
    expect((await alerts()).length).toBe(1);
  });
});

describe('gateway liveness', () => {
  it('a device that goes quiet is reported offline on its status topic by the gateway; it is online again when heard', async () => {
    const sender = await frameSender(tb.tcpPort);
    sender.send('demo-room', ts.clock.now(), { type: 'presence', occupied: true, motion: 40 });
    await until(() => frameMessages().length >= 1, LONG);
    ts.clock.advance(65_000);
    await until(() => seen.some((m) => m.topic === 'odart/v1/devices/demo-room/status' && m.data.state === 'offline'), LONG);
    sender.send('demo-room', ts.clock.now(), { type: 'presence', occupied: true, motion: 40 });
    await until(() => seen.some((m) => m.topic === 'odart/v1/devices/demo-room/status' && m.data.state === 'online'), LONG);
    expect(tb.bridge.stats().quietReported).toBe(1);
    // the gateway's own heartbeat is on its status topic too
    expect(seen.some((m) => m.topic === 'odart/v1/devices/demo-gateway/status' && m.data.state === 'online')).toBe(true);
    sender.close();
  });
});

describe('the gateway is told it is monitored', () => {
  /** One virtual second at a time, every loop and command round finished, commands over TCP arrived. */
  const step = async (seconds: number) => {
    for (let i = 0; i < seconds; i++) {
      ts.clock.advance(1000);
      await settle(ts);
      await ts.server.monitoring.idle();
      for (let k = 0; k < 5; k++) await new Promise<void>((r) => setImmediate(r));
    }
  };

  it('hears the minutely monitoring command for the wearers it relays for, and shows "not monitored" 3 minutes after the core stops', async () => {
    await until(() => tb.bridge.ready, LONG);
    expect(tb.bridge.stats().monitoring).toBe('starting');
    await step(60);
    await until(() => tb.bridge.stats().monitoring === 'monitored', LONG);
    const told = tb.bridge.stats().monitoredAt!;
    // The core is no longer healthy (escalation stuck): it sends nothing, and the gateway gives up after 3 minutes.
    ts.server.escalator.tick = () => new Promise<void>(() => undefined);
    await step(179);
    expect(tb.bridge.stats()).toMatchObject({ monitoring: 'monitored', monitoredAt: told });
    await step(1);
    expect(tb.bridge.stats().monitoring).toBe('not_monitored');
  });
});
