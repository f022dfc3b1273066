// Hostile payloads on each off-the-shelf source (issue 18): random, truncated and mutated
// Zigbee2MQTT JSON, ESPHome states and BLE hex lines. Nothing throws; every message is counted;
// whatever becomes a reading passes the protocol schemas (none is refused later).
import { pino } from 'pino';
import { streamSchemas } from '@odart/protocol';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../simulator/src/rng.js';
import { Bridge } from './bridge.js';
import type { Mapping } from './mapping.js';
import { z2mContact, z2mOccupancy, z2mPresence } from './native-fixtures.js';
import { NativeTranslator, type NativeResult } from './native.js';

const MAPPING: Mapping = {
  version: 1,
  devices: [
    { source: 'zigbee2mqtt', name: 'door', device: 'demo-room', sensor: 'contact' },
    { source: 'zigbee2mqtt', name: 'pir', device: 'demo-room', sensor: 'occupancy' },
    { source: 'zigbee2mqtt', name: 'fp1', device: 'demo-room', sensor: 'presence' },
    { source: 'esphome', node: 'radar', device: 'demo-room', sensor: 'ld2410' },
    { source: 'esphome', node: 'bed', device: 'demo-room', sensor: 'breathing-radar' },
    { source: 'ble', address: 'A4:C1:38:00:00:01', device: 'demo-wrist', sensor: 'pulse-oximeter' },
    { source: 'ble', address: 'C0:FF:EE:00:00:02', device: 'demo-wrist', sensor: 'heart-rate' },
  ],
};

const N = 40_000;

function mutate(r: Rng, s: string): string {
  const b = Buffer.from(s);
  const k = Math.floor(r.next() * 4);
  if (k === 0) return b.subarray(0, Math.floor(r.next() * b.length)).toString('latin1');
  if (k === 1) {
    for (let i = 0; i < 3 && b.length > 0; i++) {
      const j = Math.floor(r.next() * b.length);
      b[j] = b[j]! ^ (1 << Math.floor(r.next() * 8));
    }
    return b.toString('latin1');
  }
  if (k === 2) return Buffer.from(Array.from({ length: Math.floor(r.next() * 64) }, () => Math.floor(r.next() * 256))).toString('latin1');
  return s;
}

describe('fuzzing the off-the-shelf sources', () => {
  it(`${N} hostile messages per source are dropped and counted, never thrown, and every reading is schema-valid`, async () => {
    const r = new Rng(20261202);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(r.next() * xs.length)]!;
    const bridge = new Bridge({
      gatewayId: 'gw',
      secret: 'unused-secret',
      mqttUrl: 'mqtt://127.0.0.1:1',
      queueFile: ':memory:',
      maxQueued: 1_000_000,
      quietMs: 60_000,
      heartbeatMs: 30_000,
      log: pino({ level: 'silent' }),
    });
    const t = new NativeTranslator(MAPPING);
    let bad = 0;
    const check = (res: NativeResult) => {
      if (res.ok) for (const x of res.readings) if (!streamSchemas[x.stream].safeParse({ ts: 1, ...x.data }).success) bad++;
    };
    const weird = [
      'null',
      '[]',
      '"x"',
      '1e999',
      '{"contact":null}',
      '{"battery":-1}',
      '{"occupancy":"true"}',
      '{"__proto__":{"contact":true}}',
    ];
    for (let i = 0; i < N; i++) {
      const zTopic = pick([
        'zigbee2mqtt/door',
        'zigbee2mqtt/pir',
        'zigbee2mqtt/fp1',
        'zigbee2mqtt/door/availability',
        'zigbee2mqtt/x',
        'zigbee2mqtt/bridge/log',
      ]);
      const zBase = pick([
        z2mContact(r.next() < 0.5, Math.round(r.range(-50, 150))),
        z2mOccupancy(r.next() < 0.5),
        z2mPresence(r.next() < 0.5),
        'online',
        ...weird,
      ]);
      const zRes = t.mqtt(zTopic, Buffer.from(mutate(r, zBase), 'latin1'), i * 1000);
      check(zRes);
      bridge.handleNative('zigbee2mqtt', zRes);

      const eTopic = pick([
        'radar/binary_sensor/presence/state',
        'radar/sensor/moving_energy/state',
        'bed/sensor/breath_rate/state',
        'bed/sensor/heart_rate/state',
        'bed/status',
        'radar/sensor/x/y/state',
      ]);
      const eBase = pick(['ON', 'OFF', 'online', 'nan', String(Math.round(r.range(-500, 500))), r.range(0, 100).toFixed(2), '']);
      const eRes = t.mqtt(eTopic, Buffer.from(mutate(r, eBase), 'latin1'), i * 1000);
      check(eRes);
      bridge.handleNative('esphome', eRes);

      const addr = pick(['A4:C1:38:00:00:01', 'C0:FF:EE:00:00:02', '00:00:00:00:00:00']);
      const uuid = pick(['2a5e', '2a5f', '2a37', '2a19', 'ffff']);
      const bytes = Buffer.from(Array.from({ length: Math.floor(r.next() * 24) }, () => Math.floor(r.next() * 256)));
      const line = r.next() < 0.9 ? `${addr} ${uuid} ${bytes.toString('hex')}` : mutate(r, `${addr} ${uuid} ${bytes.toString('hex')}`);
      const bRes = t.bleHexLine(line);
      check(bRes);
      bridge.handleNative('ble', bRes);
    }
    // oversized payloads
    bridge.handleNative('zigbee2mqtt', t.mqtt('zigbee2mqtt/door', Buffer.alloc(100_000, 0x7b), 0));
    const s = bridge.stats();
    expect(bad).toBe(0);
    for (const src of ['zigbee2mqtt', 'esphome', 'ble'] as const) {
      const c = s.native[src];
      expect(c.messages).toBeGreaterThanOrEqual(N);
      expect(c.malformed).toBeGreaterThan(N / 20);
      expect(c.readings).toBeGreaterThan(0);
      expect(c.rejected).toBe(0);
    }
    expect(s.native.zigbee2mqtt.unmapped).toBeGreaterThan(0);
    expect(s.native.ble.unmapped).toBeGreaterThan(0);
    await bridge.close();
  }, 120_000);
});
