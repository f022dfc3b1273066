// The gateway's off-the-shelf settings (BRIDGE_MAPPING_FILE, BRIDGE_HOME_MQTT_URL) are checked at
// start: every mistake stops it with the variable, the file and what is wrong, never a gateway that
// runs and relays nothing. Real files in a temp folder; the last case is `npm run bridge` itself.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../test/helpers/cli.js';
import { BridgeConfigError, loadBridgeConfig } from './config.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'odart-bridge-config-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const SECRET = { DEMO_DEVICE_SECRET: 'a-demo-device-secret' };
const HOME = 'mqtt://127.0.0.1:1884';
const door = { source: 'zigbee2mqtt', name: 'Front door', device: 'demo-room', sensor: 'contact' };
const oximeter = { source: 'ble', address: 'A4:C1:38:00:00:01', device: 'demo-wrist', sensor: 'pulse-oximeter' };

/** A mapping file with these devices, one per line (so errors can name lines 3, 4, ...). */
function mappingFile(devices: unknown[], name = 'home.json'): string {
  const file = path.join(dir, name);
  writeFileSync(file, `{ "version": 1,\n  "devices": [\n${devices.map((d) => `    ${JSON.stringify(d)}`).join(',\n')}\n  ]\n}\n`);
  return file;
}

function configError(env: Record<string, string>): string {
  try {
    loadBridgeConfig({ ...SECRET, ...env });
  } catch (err) {
    if (err instanceof BridgeConfigError) return err.message;
    throw err;
  }
  throw new Error('the configuration was accepted');
}

describe('BRIDGE_MAPPING_FILE and BRIDGE_HOME_MQTT_URL', () => {
  it('a valid mapping and home broker URL are loaded', () => {
    const cfg = loadBridgeConfig({ ...SECRET, BRIDGE_MAPPING_FILE: mappingFile([door, oximeter]), BRIDGE_HOME_MQTT_URL: HOME });
    expect(cfg.homeMqttUrl).toBe(HOME);
    expect(cfg.mapping?.devices.map((d) => d.device)).toEqual(['demo-room', 'demo-wrist']);
    // Bluetooth only: no home broker needed
    expect(loadBridgeConfig({ ...SECRET, BRIDGE_MAPPING_FILE: mappingFile([oximeter]) }).mapping?.devices).toHaveLength(1);
  });

  it('a missing or unreadable file is named once, with the reason', () => {
    const missing = path.join(dir, 'nope.json');
    expect(configError({ BRIDGE_MAPPING_FILE: missing, BRIDGE_HOME_MQTT_URL: HOME })).toBe(
      `BRIDGE_MAPPING_FILE: cannot read ${missing}: no such file`,
    );
    mkdirSync(path.join(dir, 'a-folder'));
    expect(configError({ BRIDGE_MAPPING_FILE: path.join(dir, 'a-folder'), BRIDGE_HOME_MQTT_URL: HOME })).toBe(
      `BRIDGE_MAPPING_FILE: cannot read ${path.join(dir, 'a-folder')}: it is a folder`,
    );
  });

  it('bad JSON names the file and the line', () => {
    const file = path.join(dir, 'home.json');
    writeFileSync(file, '{ "version": 1,\n  "devices": [\n    { "source": "ble", }\n  ]\n}\n');
    expect(configError({ BRIDGE_MAPPING_FILE: file, BRIDGE_HOME_MQTT_URL: HOME })).toMatch(
      new RegExp(`^BRIDGE_MAPPING_FILE: ${file}: not valid JSON \\(line 3\\): `),
    );
  });

  it('an unknown source or sensor names the field, its line, the value and what is known', () => {
    const file = mappingFile([
      door,
      { source: 'matter', name: 'Hall', device: 'demo-room' },
      { ...door, name: 'Back door', sensor: 'thermostat' },
    ]);
    const msg = configError({ BRIDGE_MAPPING_FILE: file, BRIDGE_HOME_MQTT_URL: HOME });
    expect(msg).toContain(`BRIDGE_MAPPING_FILE: ${file} is invalid:`);
    expect(msg).toContain('devices[1].source (line 4): unknown source "matter": one of zigbee2mqtt, esphome, ble');
    expect(msg).toContain('devices[2].sensor (line 5): unknown zigbee2mqtt sensor "thermostat": one of contact, occupancy, presence');
    const esp = mappingFile([{ source: 'esphome', node: 'bed-radar', device: 'demo-room', sensor: 'ld2420' }]);
    expect(configError({ BRIDGE_MAPPING_FILE: esp, BRIDGE_HOME_MQTT_URL: HOME })).toContain(
      'devices[0].sensor (line 3): unknown esphome sensor "ld2420": one of ld2410, breathing-radar',
    );
    const bt = mappingFile([{ ...oximeter, sensor: 'scale' }]);
    expect(configError({ BRIDGE_MAPPING_FILE: bt })).toContain(
      'devices[0].sensor (line 3): unknown ble sensor "scale": one of pulse-oximeter, heart-rate',
    );
    const noSource = mappingFile([{ name: 'Hall', device: 'demo-room' }]);
    expect(configError({ BRIDGE_MAPPING_FILE: noSource })).toContain(
      'devices[0].source (line 3): missing: one of zigbee2mqtt, esphome, ble',
    );
  });

  it('a bad project device id names the field and its line', () => {
    const file = mappingFile([{ ...door, device: 'demo room' }]);
    expect(configError({ BRIDGE_MAPPING_FILE: file, BRIDGE_HOME_MQTT_URL: HOME })).toContain(
      'devices[0].device (line 3): a project device id such as demo-room',
    );
  });

  it('a bad home broker URL is refused with the value', () => {
    const file = mappingFile([door]);
    for (const url of ['http://127.0.0.1:1884', 'mqtt://127.0.0.1:99999', 'mqtt://', '127.0.0.1:1884', 'mqtt://exa mple:1883'])
      expect(configError({ BRIDGE_MAPPING_FILE: file, BRIDGE_HOME_MQTT_URL: url }), url).toBe(
        `invalid configuration:\n  BRIDGE_HOME_MQTT_URL: an MQTT URL such as mqtt://127.0.0.1:1884 (mqtt://, mqtts:// or tcp://, a host, a port up to 65535), got "${url}"`,
      );
  });

  it('a bad URL is echoed without its password', () => {
    expect(configError({ BRIDGE_MAPPING_FILE: mappingFile([door]), BRIDGE_HOME_MQTT_URL: 'http://z2m:s3cret@127.0.0.1:1884' })).toContain(
      'got "http://[redacted]@127.0.0.1:1884"',
    );
  });

  it('a mapping with Zigbee2MQTT or ESPHome sensors needs the home broker, and a home broker needs a mapping', () => {
    expect(configError({ BRIDGE_MAPPING_FILE: mappingFile([door]) })).toBe(
      'BRIDGE_HOME_MQTT_URL: the mapping file names Zigbee2MQTT or ESPHome sensors: set the home broker URL',
    );
    expect(configError({ BRIDGE_HOME_MQTT_URL: HOME })).toBe(
      'BRIDGE_MAPPING_FILE: BRIDGE_HOME_MQTT_URL is set but no mapping file says which sensor on the home broker is which device: nothing would be relayed',
    );
  });

  it('npm run bridge stops at start (exit 2) with the message', async () => {
    const file = mappingFile([{ ...door, sensor: 'thermostat' }]);
    const r = await runCli('firmware-bridge/src/main.ts', [], {
      ...SECRET,
      BRIDGE_MAPPING_FILE: file,
      BRIDGE_HOME_MQTT_URL: HOME,
      BRIDGE_UDP_PORT: '0',
      BRIDGE_TCP_PORT: '0',
      DATA_DIR: dir,
    });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('devices[0].sensor (line 3): unknown zigbee2mqtt sensor "thermostat"');
  }, 60_000);
});
