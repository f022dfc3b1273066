// Off-the-shelf sensors end to end (issue 18), real parts only: native Zigbee2MQTT and ESPHome
// payloads published with the real mqtt client on a real Mosquitto 2 (the home broker, started
// here in a temp folder on a free port), BLE GATT notifications as --ble-hex lines -> the real
// gateway (mapping file, HomeBroker, Bridge with SQLite store-and-forward) -> real aedes as
// demo-gateway -> ingest -> detection -> alert, in virtual time.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { attachBleHex, HomeBroker } from '../firmware-bridge/src/home.js';
import { loadMapping } from '../firmware-bridge/src/mapping.js';
import { z2mAvailability, z2mContact } from '../firmware-bridge/src/native-fixtures.js';
import { NativeTranslator } from '../firmware-bridge/src/native.js';
import { startHomeMosquitto, type HomeMosquitto } from '../simulator/src/home-broker.js';
import { offTheShelfMapping, traceToNative, type NativeMessage } from '../simulator/src/off-the-shelf.js';
import { generateScenario } from '../simulator/src/scenarios.js';
import { spyDeviceMessages, startTestBridge, type TestBridge } from './helpers/bridge.js';
import { HAVE_MOSQUITTO } from './helpers/mosquitto.js';
import { api, login, settle, startTestServer, until, type TestServer } from './helpers/server.js';

const LONG = 500_000;
const IDS = { room: 'demo-room', wrist: 'demo-wrist' };

let ts: TestServer;
let tb: TestBridge;
let broker: HomeMosquitto;
let home: HomeBroker;
let tr: NativeTranslator;
let pub: mqtt.MqttClient;
let ble: PassThrough;
let dir: string;
let seen: ReturnType<typeof spyDeviceMessages>;

beforeEach(async () => {
  ts = await startTestServer();
  seen = spyDeviceMessages(ts);
  tb = await startTestBridge(ts);
  broker = await startHomeMosquitto();
  // the generated mapping goes through the file loader, as BRIDGE_MAPPING_FILE does
  dir = mkdtempSync(path.join(os.tmpdir(), 'odart-ots-'));
  const file = path.join(dir, 'home.json');
  writeFileSync(file, JSON.stringify(offTheShelfMapping(IDS), null, 2));
  tr = new NativeTranslator(loadMapping(file));
  home = new HomeBroker(tb.bridge, tr, { url: broker.url, log: pino({ level: 'silent' }) });
  home.start();
  ble = new PassThrough();
  void attachBleHex(tb.bridge, tr, ble);
  pub = await mqtt.connectAsync(broker.url, { clientId: 'zigbee2mqtt-and-esphome', protocolVersion: 4, reconnectPeriod: 0 });
  await until(() => home.ready, LONG);
});
afterEach(async () => {
  await pub?.endAsync();
  ble?.end();
  await home?.close();
  await tb?.close();
  await broker?.close();
  await ts?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const nativeTotal = () => {
  const n = tb.bridge.stats().native;
  return n.zigbee2mqtt.messages + n.esphome.messages + n.ble.messages;
};

async function send(msgs: NativeMessage[]): Promise<void> {
  for (const m of msgs) {
    if (m.kind === 'mqtt') await pub.publishAsync(m.topic, m.payload, { qos: 1 });
    else ble.write(`${m.line}\n`);
  }
}

let cookie: string | null = null;
async function alerts(): Promise<{ state: string; reasons: string[] }[]> {
  cookie ??= await login(ts.base, 'alex');
  return (await api<{ state: string; reasons: string[] }[]>(ts.base, cookie, 'GET', '/api/alerts')).body;
}

describe.skipIf(!HAVE_MOSQUITTO)('off-the-shelf sensors -> gateway -> server', () => {
  it('Zigbee2MQTT door contact and availability arrive as door and status messages', async () => {
    await send([{ kind: 'mqtt', topic: 'zigbee2mqtt/Front door', payload: z2mContact(false, 88) }]);
    await send([{ kind: 'mqtt', topic: 'zigbee2mqtt/Front door', payload: '{"contact": tru' }]); // malformed
    await send([{ kind: 'mqtt', topic: 'zigbee2mqtt/Front door/availability', payload: z2mAvailability('offline', true) }]);
    await until(() => nativeTotal() >= 3, LONG);
    await until(() => tb.bridge.stats().backlog === 0 && seen.length >= 3, LONG);
    await settle(ts);
    const room = seen.filter((m) => m.topic.startsWith('odart/v1/devices/demo-room/'));
    expect(room.map((m) => [m.topic.split('/').pop(), m.data.open ?? m.data.state, m.data.battery])).toEqual([
      ['door', true, undefined],
      ['status', 'online', 88],
      ['status', 'offline', undefined],
    ]);
    expect(tb.bridge.stats().native.zigbee2mqtt).toMatchObject({ messages: 3, readings: 3, malformed: 1 });
  });

  it('an overdose played as native payloads (ESPHome radars, Zigbee door, BLE oximeter) raises the responder alert', async () => {
    cookie = null;
    const lines = generateScenario('overdose', { seed: 7, wearer: 'demo-wearer', wrist: IDS.wrist, room: IDS.room }).lines;
    const steps = traceToNative(lines, IDS);
    const start = ts.clock.now();
    let i = 0;
    let sent = 0;
    let raised = false;
    while (i < steps.length && !raised) {
      const t = steps[i]!.t;
      ts.clock.advanceTo(start + t);
      await until(() => !tb.bridge.connecting, LONG);
      await until(() => tb.bridge.ready, LONG);
      while (i < steps.length && steps[i]!.t === t) {
        const msgs = steps[i++]!.messages;
        await send(msgs);
        sent += msgs.length;
      }
      await until(() => nativeTotal() >= sent, LONG);
      await until(() => tb.bridge.stats().backlog === 0, LONG);
      await settle(ts);
      if (t % 5000 === 0) raised = (await alerts()).some((a) => a.state === 'escalating');
    }
    raised ||= (await alerts()).some((a) => a.state === 'escalating');
    expect(raised).toBe(true);
    const list = await alerts();
    expect(list).toHaveLength(1);
    expect(list[0]!.reasons.join(' ')).toMatch(/no breathing|breathing \d|SpO2|oxygen/i);
    const n = tb.bridge.stats().native;
    expect(n.esphome.readings).toBeGreaterThan(0);
    expect(n.ble.readings).toBeGreaterThan(0);
    expect(n.esphome.malformed + n.ble.malformed + n.zigbee2mqtt.malformed).toBe(0);
    // the wearable's vitals came from the oximeter, the room's breathing from the radar
    expect(seen.some((m) => m.topic === 'odart/v1/devices/demo-wrist/vitals' && typeof m.data.spo2 === 'number')).toBe(true);
    expect(seen.some((m) => m.topic === 'odart/v1/devices/demo-room/vitals' && typeof m.data.rr === 'number')).toBe(true);
    expect(seen.some((m) => m.topic === 'odart/v1/devices/demo-room/presence')).toBe(true);
  }, 240_000);
});
