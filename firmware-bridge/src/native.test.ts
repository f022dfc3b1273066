// Off-the-shelf translation (docs/devices.md): the mapping file, Zigbee2MQTT, ESPHome and BLE hex
// lines into project readings, and the bridge's counting of what it drops.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Bridge } from './bridge.js';
import { parseMapping, type Mapping } from './mapping.js';
import { z2mAvailability, z2mContact, z2mOccupancy, z2mPresence } from './native-fixtures.js';
import { NativeTranslator, type NativeResult } from './native.js';

const MAPPING: Mapping = {
  version: 1,
  devices: [
    { source: 'zigbee2mqtt', name: 'Front door', device: 'demo-room', sensor: 'contact' },
    { source: 'zigbee2mqtt', name: 'hall/pir', device: 'demo-room', sensor: 'occupancy' },
    { source: 'zigbee2mqtt', name: 'fp1', device: 'demo-room', sensor: 'presence' },
    { source: 'esphome', node: 'bedroom-radar', device: 'demo-room', sensor: 'ld2410' },
    { source: 'esphome', node: 'bed-radar', device: 'demo-room', sensor: 'breathing-radar', entities: { breathRate: 'respiratory_rate' } },
    { source: 'ble', address: 'A4:C1:38:00:00:01', device: 'demo-wrist', sensor: 'pulse-oximeter' },
    { source: 'ble', address: 'C0:FF:EE:00:00:02', device: 'demo-wrist', sensor: 'heart-rate' },
  ],
};

const buf = (s: string) => Buffer.from(s);
const readings = (r: NativeResult) => (r.ok ? r.readings.map(({ deviceId, stream, data }) => ({ deviceId, stream, data })) : r.reason);

describe('the mapping file', () => {
  it('accepts a valid file and names the bad field and its line otherwise', () => {
    expect(parseMapping(JSON.stringify(MAPPING)).devices).toHaveLength(7);
    const text = [
      '{',
      '  "version": 1,',
      '  "devices": [',
      '    { "source": "zigbee2mqtt", "name": "Front door", "device": "demo-room", "sensor": "contact" },',
      '    { "source": "esphome", "node": "radar", "device": "demo room", "sensor": "ld2410" },',
      '    { "source": "ble", "address": "nope", "device": "demo-wrist", "sensor": "pulse-oximeter" }',
      '  ]',
      '}',
    ].join('\n');
    expect(() => parseMapping(text, 'home.json')).toThrowError(/devices\[1\]\.device \(line 5\): a project device id/);
    expect(() => parseMapping(text, 'home.json')).toThrowError(/devices\[2\]\.address \(line 6\): a Bluetooth address/);
    expect(() => parseMapping('{ "version": 1,\n  "devices": [ }', 'home.json')).toThrowError(/home.json: not valid JSON \(line 2\)/);
    expect(() => parseMapping('{ "version": 1,\n  "devices": [\n', 'home.json')).toThrowError(/home.json: not valid JSON \(line 3\)/);
    expect(() => parseMapping(JSON.stringify({ version: 1, devices: [MAPPING.devices[0], MAPPING.devices[0]] }))).toThrowError(
      /devices\[1\].*the same sensor as devices\[0\]/,
    );
    expect(() => parseMapping(JSON.stringify({ version: 1, devices: [{ ...MAPPING.devices[0], extra: 1 }] }))).toThrowError(/extra/);
  });
});

describe('Zigbee2MQTT', () => {
  it('contact -> door on change (contact true = closed), battery -> status, unknown fields ignored', () => {
    const t = new NativeTranslator(MAPPING);
    expect(readings(t.mqtt('zigbee2mqtt/Front door', buf(z2mContact(true)), 0))).toEqual([
      { deviceId: 'demo-room', stream: 'door', data: { open: false } },
      { deviceId: 'demo-room', stream: 'status', data: { state: 'online', battery: 100 } },
    ]);
    // the same state republished (e.g. a battery report): nothing new
    expect(readings(t.mqtt('zigbee2mqtt/Front door', buf(z2mContact(true)), 0))).toEqual([]);
    expect(readings(t.mqtt('zigbee2mqtt/Front door', buf(z2mContact(false)), 0))).toEqual([
      { deviceId: 'demo-room', stream: 'door', data: { open: true } },
    ]);
  });
  it('occupancy and presence -> presence; friendly names with slashes', () => {
    const t = new NativeTranslator(MAPPING);
    expect(readings(t.mqtt('zigbee2mqtt/hall/pir', buf(z2mOccupancy(true)), 0))).toEqual([
      { deviceId: 'demo-room', stream: 'presence', data: { occupied: true } },
      { deviceId: 'demo-room', stream: 'status', data: { state: 'online', battery: 97 } },
    ]);
    expect(readings(t.mqtt('zigbee2mqtt/fp1', buf(z2mPresence(false)), 0))).toEqual([
      { deviceId: 'demo-room', stream: 'presence', data: { occupied: false } },
    ]);
  });
  it('availability, JSON and legacy plain; bridge, set and unmapped topics', () => {
    const t = new NativeTranslator(MAPPING);
    expect(readings(t.mqtt('zigbee2mqtt/Front door/availability', buf(z2mAvailability('offline')), 0))).toEqual([
      { deviceId: 'demo-room', stream: 'status', data: { state: 'offline' } },
    ]);
    expect(readings(t.mqtt('zigbee2mqtt/hall/pir/availability', buf(z2mAvailability('online', true)), 0))).toEqual([
      { deviceId: 'demo-room', stream: 'status', data: { state: 'online' } },
    ]);
    expect(readings(t.mqtt('zigbee2mqtt/bridge/state', buf('{"state":"online"}'), 0))).toBe('ignored');
    expect(readings(t.mqtt('zigbee2mqtt/Front door/set', buf('{"contact":true}'), 0))).toBe('ignored');
    expect(readings(t.mqtt('zigbee2mqtt/Kitchen plug', buf('{"state":"ON"}'), 0))).toBe('unmapped');
  });
  it('malformed: not JSON, not an object, wrong types, bad availability', () => {
    const t = new NativeTranslator(MAPPING);
    for (const p of ['{', '[1]', 'null', '{"contact":"yes"}', '{"contact":1,"battery":"full"}', '{"battery":250}'])
      expect(readings(t.mqtt('zigbee2mqtt/Front door', buf(p), 0)), p).toBe('malformed');
    expect(readings(t.mqtt('zigbee2mqtt/Front door/availability', buf('{"state":"maybe"}'), 0))).toBe('malformed');
    expect(readings(t.mqtt('zigbee2mqtt/Front door/availability', buf('{oops'), 0))).toBe('malformed');
    // one good field in a partly bad message still counts
    expect(readings(t.mqtt('zigbee2mqtt/Front door', buf('{"contact":false,"battery":"x"}'), 0))).toEqual([
      { deviceId: 'demo-room', stream: 'door', data: { open: true } },
    ]);
  });
});

describe('ESPHome', () => {
  it('LD2410: presence binary sensor and moving energy -> presence with the motion index', () => {
    const t = new NativeTranslator(MAPPING);
    expect(readings(t.mqtt('bedroom-radar/sensor/moving_energy/state', buf('40'), 0))).toEqual([]); // presence not known yet
    expect(readings(t.mqtt('bedroom-radar/binary_sensor/presence/state', buf('ON'), 0))).toEqual([
      { deviceId: 'demo-room', stream: 'presence', data: { occupied: true } },
    ]);
    expect(readings(t.mqtt('bedroom-radar/sensor/moving_energy/state', buf('3'), 0))).toEqual([
      { deviceId: 'demo-room', stream: 'presence', data: { occupied: true, motion: 3 } },
    ]);
    expect(readings(t.mqtt('bedroom-radar/sensor/still_energy/state', buf('88'), 0))).toEqual([]);
    expect(readings(t.mqtt('bedroom-radar/binary_sensor/presence/state', buf('OFF'), 0))).toEqual([
      { deviceId: 'demo-room', stream: 'presence', data: { occupied: false, motion: 0 } },
    ]);
    expect(readings(t.mqtt('bedroom-radar/status', buf('offline'), 0))).toEqual([
      { deviceId: 'demo-room', stream: 'status', data: { state: 'offline' } },
    ]);
    expect(readings(t.mqtt('bedroom-radar/sensor/detection_distance/state', buf('120'), 0))).toBe('ignored');
  });
  it('breathing radar: breath rate -> vitals rr with the fresh heart rate (renamed entity)', () => {
    const t = new NativeTranslator(MAPPING);
    expect(readings(t.mqtt('bed-radar/sensor/heart_rate/state', buf('64'), 1000))).toEqual([]);
    expect(readings(t.mqtt('bed-radar/sensor/respiratory_rate/state', buf('12.5'), 2000))).toEqual([
      { deviceId: 'demo-room', stream: 'vitals', data: { rr: 12.5, hr: 64 } },
    ]);
    expect(readings(t.mqtt('bed-radar/sensor/respiratory_rate/state', buf('nan'), 20_000))).toEqual([
      { deviceId: 'demo-room', stream: 'vitals', data: { rr: null, hr: null } },
    ]);
  });
  it('malformed states', () => {
    const t = new NativeTranslator(MAPPING);
    for (const [topic, p] of [
      ['bedroom-radar/binary_sensor/presence/state', 'on'],
      ['bedroom-radar/sensor/moving_energy/state', '1e9'],
      ['bedroom-radar/sensor/moving_energy/state', '140'],
      ['bed-radar/sensor/respiratory_rate/state', '-3'],
      ['bed-radar/status', 'sleeping'],
    ] as const)
      expect(readings(t.mqtt(topic, buf(p), 0)), `${topic} ${p}`).toBe('malformed');
  });
});

describe('Bluetooth GATT hex lines (--ble-hex)', () => {
  it('oximeter continuous and spot-check, heart-rate strap, battery', () => {
    const t = new NativeTranslator(MAPPING);
    expect(readings(t.bleHexLine('a4:c1:38:00:00:01 2A5F 00caf34800'))).toEqual([
      { deviceId: 'demo-wrist', stream: 'vitals', data: { spo2: 97, hr: 72 } },
    ]);
    // spot-check with NaN SpO2
    expect(readings(t.bleHexLine('A4:C1:38:00:00:01 0x2a5e 00ff074800'))).toEqual([
      { deviceId: 'demo-wrist', stream: 'vitals', data: { spo2: null, hr: 72 } },
    ]);
    // device status: sensor unconnected to user (bit 11) -> no values, off body
    expect(readings(t.bleHexLine('A4:C1:38:00:00:01 2a5f 08caf34800000800'))).toEqual([
      { deviceId: 'demo-wrist', stream: 'vitals', data: { spo2: null, hr: null, onBody: false } },
    ]);
    // a stored record (measurement status bit 9) is not a reading of now
    expect(readings(t.bleHexLine('A4:C1:38:00:00:01 2a5e 02caf348000002'))).toBe('ignored');
    expect(readings(t.bleHexLine('C0:FF:EE:00:00:02 2a37 16480004'))).toEqual([
      { deviceId: 'demo-wrist', stream: 'vitals', data: { hr: 72, onBody: true } },
    ]);
    expect(readings(t.bleHexLine('C0:FF:EE:00:00:02 2a37 0448'))).toEqual([
      { deviceId: 'demo-wrist', stream: 'vitals', data: { hr: null, onBody: false } },
    ]);
    expect(readings(t.bleHexLine('C0:FF:EE:00:00:02 00002a19-0000-1000-8000-00805f9b34fb 57'))).toEqual([
      { deviceId: 'demo-wrist', stream: 'status', data: { state: 'online', battery: 87 } },
    ]);
  });
  it('unmapped, malformed and ignored lines', () => {
    const t = new NativeTranslator(MAPPING);
    expect(readings(t.bleHexLine('11:22:33:44:55:66 2a37 0048'))).toBe('unmapped');
    expect(readings(t.bleHexLine('A4:C1:38:00:00:01 2a5f 00caf348'))).toBe('malformed');
    expect(readings(t.bleHexLine('A4:C1:38:00:00:01 2a5f 0'))).toBe('malformed');
    expect(readings(t.bleHexLine('A4:C1:38:00:00:01 zz 00'))).toBe('malformed');
    expect(readings(t.bleHexLine('just words'))).toBe('malformed');
    expect(readings(t.bleHexLine('A4:C1:38:00:00:01 2a37 0048'))).toBe('ignored'); // HR on an oximeter
    expect(readings(t.bleHexLine('# comment'))).toBe('ignored');
  });
});

describe('the bridge counts what each source becomes', () => {
  it('readings are queued, malformed and unmapped messages are counted per source', async () => {
    const bridge = new Bridge({
      gatewayId: 'gw',
      secret: 'unused-secret',
      mqttUrl: 'mqtt://127.0.0.1:1',
      queueFile: ':memory:',
      maxQueued: 1000,
      quietMs: 60_000,
      heartbeatMs: 30_000,
      log: pino({ level: 'silent' }),
    });
    const t = new NativeTranslator(MAPPING);
    bridge.handleNative('zigbee2mqtt', t.mqtt('zigbee2mqtt/Front door', buf(z2mContact(false)), 0));
    bridge.handleNative('zigbee2mqtt', t.mqtt('zigbee2mqtt/Front door', buf('garbage'), 0));
    bridge.handleNative('zigbee2mqtt', t.mqtt('zigbee2mqtt/unknown', buf('{}'), 0));
    bridge.handleNative('esphome', t.mqtt('bedroom-radar/binary_sensor/presence/state', buf('ON'), 0));
    bridge.handleNative('ble', t.bleHexLine('A4:C1:38:00:00:01 2a5f 00caf34800'));
    const s = bridge.stats();
    expect(s.native.zigbee2mqtt).toMatchObject({ messages: 3, readings: 2, malformed: 1, unmapped: 1 });
    expect(s.native.esphome).toMatchObject({ messages: 1, readings: 1 });
    expect(s.native.ble).toMatchObject({ messages: 1, readings: 1 });
    expect(s.backlog).toBe(4);
    await bridge.close();
  });
});
