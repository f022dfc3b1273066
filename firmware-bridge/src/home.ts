// The gateway's off-the-shelf intake (docs/devices.md): a client of the home's local MQTT broker
// (Zigbee2MQTT and ESPHome publish there), `--ble-hex` lines from a stream, and the port a real
// Bluetooth adapter plugs into. Everything lands in Bridge.handleNative; nothing here throws.
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import mqtt from 'mqtt';
import type { Logger } from 'pino';
import type { Bridge } from './bridge.js';
import type { NativeTranslator } from './native.js';

/**
 * A Bluetooth adapter: connects to the mapped sensors, enables notifications on the
 * characteristics the gateway decodes (gatt.ts GATT) and hands each notification over.
 * No BLE library is bundled; an adapter (e.g. BlueZ over D-Bus) implements this.
 */
export interface BleAdapter {
  start(addresses: string[], onNotify: (address: string, uuid: string, value: Uint8Array) => void): Promise<void>;
  stop(): Promise<void>;
}

export function attachBleAdapter(bridge: Bridge, tr: NativeTranslator, adapter: BleAdapter): Promise<void> {
  const addresses = tr.mapping.devices.flatMap((d) => (d.source === 'ble' ? [d.address] : []));
  return adapter.start(addresses, (address, uuid, value) => bridge.handleNative('ble', tr.gatt(address, uuid, value)));
}

/** `--ble-hex`: one GATT notification per line, `<address> <uuid> <hex>`. Resolves at the stream's end. */
export function attachBleHex(bridge: Bridge, tr: NativeTranslator, input: Readable): Promise<void> {
  const rl = createInterface({ input, crlfDelay: Infinity });
  rl.on('line', (line) => {
    if (line.length > 2048) return bridge.handleNative('ble', { ok: false, reason: 'malformed' });
    const r = tr.bleHexLine(line);
    if (!r.ok && r.reason === 'ignored' && (line.trim() === '' || line.trim().startsWith('#'))) return;
    bridge.handleNative('ble', r);
  });
  return new Promise((resolve) => rl.once('close', () => resolve()));
}

export interface HomeBrokerOptions {
  /** the home broker, e.g. mqtt://127.0.0.1:1883 (where Zigbee2MQTT and ESPHome publish) */
  url: string;
  username?: string;
  password?: string;
  log: Logger;
}

/** Subscribes to the mapped sensors' topics on the home broker and feeds the bridge. */
export class HomeBroker {
  private client: mqtt.MqttClient | null = null;
  private subscribed = false;

  constructor(
    private readonly bridge: Bridge,
    private readonly tr: NativeTranslator,
    private readonly o: HomeBrokerOptions,
  ) {}

  /** Subscribed to every mapped sensor's topics (tests wait for it). */
  get ready(): boolean {
    return this.subscribed && this.client?.connected === true;
  }

  start(): void {
    const c = mqtt.connect(this.o.url, {
      clientId: `odart-gateway-${Math.random().toString(36).slice(2, 10)}`,
      protocolVersion: 4,
      reconnectPeriod: 2000,
      connectTimeout: 10_000,
      ...(this.o.username ? { username: this.o.username } : {}),
      ...(this.o.password ? { password: this.o.password } : {}),
    });
    this.client = c;
    c.on('connect', () => {
      this.subscribed = false;
      c.subscribe(this.tr.subscriptions(), { qos: 1 }, (err) => {
        if (err) this.o.log.warn({ err: err.message }, 'home broker subscribe failed');
        else this.subscribed = true;
      });
      this.o.log.info('home broker connected');
    });
    c.on('close', () => {
      this.subscribed = false;
    });
    c.on('error', (err) => this.o.log.warn({ err: err.message }, 'home broker error'));
    c.on('message', (topic, payload) => {
      const source = this.tr.sourceOf(topic);
      if (!source) return;
      this.bridge.handleNative(source, this.tr.mqtt(topic, payload, this.bridge.clock.now()));
    });
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    if (c) await c.endAsync(true);
  }
}
