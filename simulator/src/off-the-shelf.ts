// `npm run simulate -- <scenario> --off-the-shelf`: a scenario as the off-the-shelf sensors of
// docs/devices.md would report it. The room's door is a Zigbee2MQTT contact sensor, its presence
// an ESPHome LD2410 radar, its breathing an ESPHome breathing radar (rr, hr); the wearable is a
// Bluetooth pulse oximeter (PLX Continuous, SpO2 and pulse rate) whose notifications reach the
// gateway as `--ble-hex` lines. Buttons and device status have no such sensor and are not played.
import { encodeSfloat, GATT } from '../../firmware-bridge/src/gatt.js';
import type { Mapping } from '../../firmware-bridge/src/mapping.js';
import { esphomeNumber, z2mContact } from '../../firmware-bridge/src/native-fixtures.js';
import type { SampleLine, TraceLine } from './trace.js';

export interface HomeIds {
  room: string;
  wrist: string;
}

export const OTS = {
  door: 'Front door',
  presenceNode: 'room-presence',
  breathingNode: 'room-breathing',
  oximeter: 'A4:C1:38:00:00:01',
} as const;

/** The mapping file for the simulated home (what an installer would write for these sensors). */
export function offTheShelfMapping(ids: HomeIds): Mapping {
  return {
    version: 1,
    devices: [
      { source: 'zigbee2mqtt', name: OTS.door, device: ids.room, sensor: 'contact' },
      { source: 'esphome', node: OTS.presenceNode, device: ids.room, sensor: 'ld2410' },
      { source: 'esphome', node: OTS.breathingNode, device: ids.room, sensor: 'breathing-radar' },
      { source: 'ble', address: OTS.oximeter, device: ids.wrist, sensor: 'pulse-oximeter' },
    ],
  };
}

export type NativeMessage = { kind: 'mqtt'; topic: string; payload: string } | { kind: 'ble'; line: string };

const hex4 = (v: number) => [v & 0xff, v >> 8].map((b) => b.toString(16).padStart(2, '0')).join('');
const NAN = 0x07ff;

/** One trace sample as native messages, in the order the devices would send them. */
export function sampleToNative(s: SampleLine, ids: HomeIds): NativeMessage[] {
  const d = s.data;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  if (s.stream === 'door' && s.device === ids.room)
    return [{ kind: 'mqtt', topic: `zigbee2mqtt/${OTS.door}`, payload: z2mContact(d.open !== true) }];
  if (s.stream === 'presence' && s.device === ids.room) {
    const base = `${OTS.presenceNode}`;
    const out: NativeMessage[] = [
      { kind: 'mqtt', topic: `${base}/binary_sensor/presence/state`, payload: d.occupied === true ? 'ON' : 'OFF' },
    ];
    const motion = num(d.motion);
    if (d.occupied === true)
      out.push({
        kind: 'mqtt',
        topic: `${base}/sensor/moving_energy/state`,
        payload: esphomeNumber(motion === null ? null : Math.round(motion)),
      });
    return out;
  }
  if (s.stream === 'vitals') {
    const out: NativeMessage[] = [];
    const rr = num(d.rr);
    const hr = num(d.hr);
    const spo2 = num(d.spo2);
    if (d.onBody !== false) {
      // the breathing radar sees the person in the room: heart rate first, then the breathing rate it is paired with
      out.push({ kind: 'mqtt', topic: `${OTS.breathingNode}/sensor/heart_rate/state`, payload: esphomeNumber(hr) });
      out.push({ kind: 'mqtt', topic: `${OTS.breathingNode}/sensor/breath_rate/state`, payload: esphomeNumber(rr, 1) });
    }
    // PLX Continuous: flags 0x08 (device and sensor status present), SpO2, PR, status (bit 11 = sensor unconnected to user)
    const status = d.onBody === false ? '000800' : '000000';
    const sp = spo2 === null ? NAN : encodeSfloat(spo2);
    const pr = hr === null ? NAN : encodeSfloat(hr);
    out.push({ kind: 'ble', line: `${OTS.oximeter} ${GATT.plxContinuous} 08${hex4(sp)}${hex4(pr)}${status}` });
    return out;
  }
  return [];
}

/** Every sample of a trace with its native messages (samples with none are left out). */
export function traceToNative(lines: TraceLine[], ids: HomeIds): { t: number; messages: NativeMessage[] }[] {
  return lines
    .filter((l): l is SampleLine => 'device' in l)
    .map((s) => ({ t: s.t, messages: sampleToNative(s, ids) }))
    .filter((x) => x.messages.length > 0);
}
