// Off-the-shelf sensors (docs/devices.md): Zigbee2MQTT and ESPHome MQTT messages, and Bluetooth
// GATT notifications, translated per the home's mapping file into project readings. Pure apart
// from the small per-sensor state (last door state, last radar readings); never throws.
import type { DeviceStream } from '@odart/protocol';
import {
  decodeBatteryLevel,
  decodeHeartRate,
  decodePlxContinuous,
  decodePlxSpotCheck,
  GATT,
  plxUsable,
  sfloatValue,
  shortUuid,
} from './gatt.js';
import type { BleDevice, EsphomeDevice, Mapping, ZigbeeDevice } from './mapping.js';

export type NativeSource = 'zigbee2mqtt' | 'esphome' | 'ble';

export interface Reading {
  deviceId: string;
  stream: DeviceStream;
  data: Record<string, unknown>;
  /** the sensor reports at a steady rate, so silence means it is gone (radars, BLE vitals) */
  periodic: boolean;
}

/** What one native message became: readings (maybe none), or why it was dropped. */
export type NativeResult = { ok: true; readings: Reading[] } | { ok: false; reason: 'unmapped' | 'malformed' | 'ignored' };

/** Largest native payload looked at; anything bigger is malformed. */
export const MAX_NATIVE_BYTES = 4096;

const ok = (readings: Reading[]): NativeResult => ({ ok: true, readings });
const MALFORMED: NativeResult = { ok: false, reason: 'malformed' };
const UNMAPPED: NativeResult = { ok: false, reason: 'unmapped' };
const IGNORED: NativeResult = { ok: false, reason: 'ignored' };

const status = (deviceId: string, state: 'online' | 'offline', battery?: number): Reading => ({
  deviceId,
  stream: 'status',
  data: battery === undefined ? { state } : { state, battery },
  periodic: false,
});

const ESPHOME_DEFAULTS = {
  presence: 'presence',
  movingEnergy: 'moving_energy',
  stillEnergy: 'still_energy',
  breathRate: 'breath_rate',
  heartRate: 'heart_rate',
} as const;

/** A radar's heart rate is paired with its breathing rate only while this fresh. */
const HR_FRESH_MS = 10_000;

interface ZState {
  open?: boolean;
  occupied?: boolean;
  battery?: number;
}
interface EState {
  presence?: boolean;
  hr?: { v: number | null; t: number };
}

export class NativeTranslator {
  readonly zigbeeBase: string;
  private readonly zigbee = new Map<string, ZigbeeDevice>();
  private readonly esphome = new Map<string, EsphomeDevice>();
  private readonly ble = new Map<string, BleDevice>();
  private readonly zs = new Map<string, ZState>();
  private readonly es = new Map<string, EState>();

  constructor(readonly mapping: Mapping) {
    this.zigbeeBase = mapping.zigbee2mqtt?.baseTopic ?? 'zigbee2mqtt';
    for (const d of mapping.devices) {
      if (d.source === 'zigbee2mqtt') this.zigbee.set(d.name, d);
      else if (d.source === 'esphome') this.esphome.set(d.node, d);
      else this.ble.set(d.address.toUpperCase(), d);
    }
  }

  /** MQTT topic filters to subscribe to on the home broker. */
  subscriptions(): string[] {
    const subs: string[] = [];
    if (this.zigbee.size > 0) subs.push(`${this.zigbeeBase}/#`);
    for (const node of this.esphome.keys()) subs.push(`${node}/status`, `${node}/sensor/+/state`, `${node}/binary_sensor/+/state`);
    return subs;
  }

  /** Which source a home-broker topic belongs to (for counting), or null. */
  sourceOf(topic: string): NativeSource | null {
    if (topic.startsWith(`${this.zigbeeBase}/`)) return 'zigbee2mqtt';
    const node = topic.split('/', 1)[0]!;
    return this.esphome.has(node) ? 'esphome' : null;
  }

  /** One message from the home broker. `now` is the gateway clock (for pairing radar readings). */
  mqtt(topic: string, payload: Uint8Array, now: number): NativeResult {
    if (payload.byteLength > MAX_NATIVE_BYTES) return MALFORMED;
    const text = Buffer.from(payload).toString('utf8');
    if (topic.startsWith(`${this.zigbeeBase}/`)) return this.onZigbee(topic.slice(this.zigbeeBase.length + 1), text);
    const parts = topic.split('/');
    const dev = this.esphome.get(parts[0]!);
    if (!dev) return UNMAPPED;
    return this.onEsphome(dev, parts.slice(1), text, now);
  }

  // ---- Zigbee2MQTT ----

  private onZigbee(rest: string, text: string): NativeResult {
    if (rest.startsWith('bridge/')) return IGNORED;
    if (rest.endsWith('/availability')) {
      const dev = this.zigbee.get(rest.slice(0, -'/availability'.length));
      if (!dev) return UNMAPPED;
      // Zigbee2MQTT >= 1.32: {"state":"online"}; before: the bare word
      let state: unknown = text.trim();
      if (text.trimStart().startsWith('{')) {
        try {
          state = (JSON.parse(text) as { state?: unknown } | null)?.state;
        } catch {
          return MALFORMED;
        }
      }
      if (state !== 'online' && state !== 'offline') return MALFORMED;
      return ok([status(dev.device, state)]);
    }
    if (/\/(set|get)(\/|$)/.test(rest)) return IGNORED;
    const dev = this.zigbee.get(rest);
    if (!dev) return UNMAPPED;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return MALFORMED;
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) return MALFORMED;
    const p = json as Record<string, unknown>;
    const st = this.zs.get(dev.name) ?? {};
    this.zs.set(dev.name, st);
    const out: Reading[] = [];
    let bad = false;
    const field = dev.sensor;
    if (field in p) {
      const v = p[field];
      if (typeof v !== 'boolean') bad = true;
      else if (field === 'contact') {
        // contact true = the magnet is against the reed switch: the door is closed
        if (st.open !== !v) out.push({ deviceId: dev.device, stream: 'door', data: { open: !v }, periodic: false });
        st.open = !v;
      } else {
        // Zigbee2MQTT republishes the whole state on every report: only changes are readings
        if (st.occupied !== v) out.push({ deviceId: dev.device, stream: 'presence', data: { occupied: v }, periodic: false });
        st.occupied = v;
      }
    }
    if ('battery' in p && p.battery !== null) {
      const b = p.battery;
      if (typeof b !== 'number' || !Number.isFinite(b) || b < 0 || b > 100) bad = true;
      else if (st.battery !== Math.round(b)) {
        st.battery = Math.round(b);
        out.push(status(dev.device, 'online', st.battery));
      }
    }
    if ('linkquality' in p && (typeof p.linkquality !== 'number' || !Number.isFinite(p.linkquality))) bad = true;
    // a message whose every known field is bad is malformed; good fields of a partly bad one still count
    if (bad && out.length === 0) return MALFORMED;
    return ok(out);
  }

  // ---- ESPHome ----

  private onEsphome(dev: EsphomeDevice, parts: string[], text: string, now: number): NativeResult {
    const ent = { ...ESPHOME_DEFAULTS, ...dev.entities };
    const st = this.es.get(dev.node) ?? {};
    this.es.set(dev.node, st);
    if (parts.length === 1 && parts[0] === 'status') {
      if (text !== 'online' && text !== 'offline') return MALFORMED;
      return ok([status(dev.device, text)]);
    }
    if (parts.length !== 3 || parts[2] !== 'state') return IGNORED;
    const [domain, id] = parts as [string, string];
    if (domain === 'binary_sensor') {
      if (text !== 'ON' && text !== 'OFF') return MALFORMED;
      if (id !== ent.presence) return IGNORED;
      const v = text === 'ON';
      const changed = st.presence !== v;
      st.presence = v;
      if (dev.sensor === 'ld2410' && changed)
        return ok([{ deviceId: dev.device, stream: 'presence', data: { occupied: v, ...(v ? {} : { motion: 0 }) }, periodic: true }]);
      return ok([]);
    }
    if (domain !== 'sensor') return IGNORED;
    // ESPHome publishes a float with the entity's accuracy, or "nan" when it has no value
    let v: number | null;
    if (text === 'nan' || text === 'NaN') v = null;
    else if (/^-?\d{1,6}(\.\d{1,6})?$/.test(text)) v = Number(text);
    else return MALFORMED;
    if (dev.sensor === 'ld2410') {
      if (id === ent.movingEnergy) {
        if (v !== null && (v < 0 || v > 100)) return MALFORMED;
        if (st.presence === undefined) return ok([]);
        // the motion index is the radar's moving-target energy (0..100)
        const data: Record<string, unknown> = { occupied: st.presence };
        if (v !== null) data.motion = v;
        return ok([{ deviceId: dev.device, stream: 'presence', data, periodic: true }]);
      }
      return id === ent.stillEnergy ? (v !== null && (v < 0 || v > 100) ? MALFORMED : ok([])) : IGNORED;
    }
    // breathing radar
    if (id === ent.heartRate) {
      if (v !== null && (v < 0 || v > 300)) return MALFORMED;
      st.hr = { v, t: now };
      return ok([]);
    }
    if (id === ent.breathRate) {
      if (v !== null && (v < 0 || v > 80)) return MALFORMED;
      const hr = st.hr && now - st.hr.t <= HR_FRESH_MS ? st.hr.v : null;
      // no one in front of the radar: its zeros are not "no breathing"
      const rr = st.presence === false ? null : v;
      return ok([{ deviceId: dev.device, stream: 'vitals', data: { rr, hr: st.presence === false ? null : hr }, periodic: true }]);
    }
    return IGNORED;
  }

  // ---- Bluetooth ----

  /** One GATT notification: the sensor's address, the characteristic UUID and the value bytes. */
  gatt(address: string, uuid: string, value: Uint8Array): NativeResult {
    const dev = this.ble.get(address.toUpperCase());
    if (!dev) return UNMAPPED;
    const u = shortUuid(uuid);
    if (u === null) return MALFORMED;
    if (u === GATT.batteryLevel) {
      const r = decodeBatteryLevel(value);
      return r.ok ? ok([status(dev.device, 'online', r.value)]) : MALFORMED;
    }
    if (dev.sensor === 'pulse-oximeter' && (u === GATT.plxContinuous || u === GATT.plxSpotCheck)) {
      const r = u === GATT.plxContinuous ? decodePlxContinuous(value) : decodePlxSpotCheck(value);
      if (!r.ok) return MALFORMED;
      const x = r.value;
      const reading = 'normal' in x ? x.normal : x;
      if (x.measurementStatus?.dataFromMeasurementStorage) return IGNORED; // a stored record, not now
      const usable = plxUsable(x.measurementStatus, x.deviceStatus);
      const spo2 = usable ? sfloatValue(reading.spo2) : null;
      const hr = usable ? sfloatValue(reading.pulseRate) : null;
      const data: Record<string, unknown> = {
        spo2: spo2 !== null && spo2 >= 0 && spo2 <= 100 ? spo2 : null,
        hr: hr !== null && hr >= 0 && hr <= 300 ? hr : null,
      };
      if (x.deviceStatus?.sensorUnconnectedToUser) data.onBody = false;
      return ok([{ deviceId: dev.device, stream: 'vitals', data, periodic: true }]);
    }
    if (dev.sensor === 'heart-rate' && u === GATT.heartRate) {
      const r = decodeHeartRate(value);
      if (!r.ok) return MALFORMED;
      const off = r.value.contact === 'not_detected';
      const data: Record<string, unknown> = { hr: off || r.value.hr > 300 ? null : r.value.hr };
      if (r.value.contact !== 'unsupported') data.onBody = !off;
      return ok([{ deviceId: dev.device, stream: 'vitals', data, periodic: true }]);
    }
    return IGNORED;
  }

  /** One `--ble-hex` line: `<address> <uuid> <hex>` (blank lines and `#` comments are skipped). */
  bleHexLine(line: string): NativeResult {
    const s = line.trim();
    if (s === '' || s.startsWith('#')) return IGNORED;
    const m = /^(\S+)\s+(\S+)\s+([0-9A-Fa-f]*)$/.exec(s);
    if (!m || m[3]!.length % 2 !== 0 || m[3]!.length > 2 * 512) return MALFORMED;
    return this.gatt(m[1]!, m[2]!, Buffer.from(m[3]!, 'hex'));
  }
}
