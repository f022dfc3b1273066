// Bridge settings from the environment (same env as `npm start` works): parsed once, frozen;
// a bad value stops start-up with the variable's name.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Logger } from 'pino';
import type { BridgeOptions } from './bridge.js';
import { loadMapping, MappingError, type Mapping } from './mapping.js';

const port = z.coerce.number().int().min(0).max(65535);

/** mqtt://, mqtts:// or tcp:// with a host and, if given, a port up to 65535 (what the uplink and mqtt.js can connect to). */
export function isMqttUrl(v: string): boolean {
  if (!/^(mqtts?|tcp):\/\/[^/?#\s]+/.test(v)) return false;
  try {
    return new URL(v).hostname !== '';
  } catch {
    return false;
  }
}
/** A URL as a message shows it: short, its user info (a password) left out. */
export const shownUrl = (v: unknown) =>
  String(v)
    .slice(0, 200)
    .replace(/\/\/[^/@]*@/, '//[redacted]@');

const mqttUrl = (example: string) =>
  z.string().refine(isMqttUrl, {
    error: (iss) =>
      `an MQTT URL such as ${example} (mqtt://, mqtts:// or tcp://, a host, a port up to 65535), got "${shownUrl(iss.input)}"`,
  });

const schema = z.object({
  MQTT_URL: mqttUrl('mqtt://host:1883 or mqtts://host:8883').optional(),
  MQTT_PORT: port.default(1883),
  DATA_DIR: z.string().min(1).default('./data'),
  DEMO_DEVICE_SECRET: z.string().min(8).optional(),
  BRIDGE_ID: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'a device id')
    .default('demo-gateway'),
  BRIDGE_SECRET: z.string().min(8).optional(),
  BRIDGE_HOST: z.string().min(1).default('127.0.0.1'),
  BRIDGE_UDP_PORT: port.default(18830),
  BRIDGE_TCP_PORT: port.default(18831),
  BRIDGE_DATA_DIR: z.string().min(1).optional(),
  BRIDGE_QUEUE_MAX: z.coerce.number().int().min(100).max(50_000_000).default(500_000),
  BRIDGE_QUIET_S: z.coerce.number().int().min(5).max(3600).default(60),
  BRIDGE_HEARTBEAT_S: z.coerce.number().int().min(5).max(3600).default(30),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** PEM certificate(s) to trust for mqtts:// (e.g. the server's own self-signed one); default: the system's CAs */
  MQTT_CA_FILE: z.string().min(1).optional(),
  /** the home's mapping file of off-the-shelf sensors (docs/devices.md); unset = frames only */
  BRIDGE_MAPPING_FILE: z.string().min(1).optional(),
  /** the home broker Zigbee2MQTT / ESPHome publish to (with a mapping file) */
  BRIDGE_HOME_MQTT_URL: mqttUrl('mqtt://127.0.0.1:1884').optional(),
});

export interface BridgeConfig {
  readonly mqttUrl: string;
  /** CA certificates (PEM) for mqtts://, from MQTT_CA_FILE */
  readonly mqttCa?: Buffer;
  readonly gatewayId: string;
  readonly secret: string;
  readonly host: string;
  readonly udpPort: number;
  readonly tcpPort: number;
  readonly queueFile: string;
  readonly maxQueued: number;
  readonly quietMs: number;
  readonly heartbeatMs: number;
  readonly logLevel: string;
  /** validated mapping of off-the-shelf sensors, from BRIDGE_MAPPING_FILE */
  readonly mapping?: Mapping;
  readonly homeMqttUrl?: string;
}

export class BridgeConfigError extends Error {}

/**
 * Secret: BRIDGE_SECRET, else DEMO_DEVICE_SECRET (every demo device secret), else the demo seed's
 * DATA_DIR/demo-credentials.json. DEMO_PASSWORD is an account password, never a device's.
 */
export function loadBridgeConfig(env: NodeJS.ProcessEnv = process.env): BridgeConfig {
  const cleaned = Object.fromEntries(
    Object.keys(schema.shape).flatMap((k) => (env[k] === undefined || env[k] === '' ? [] : [[k, env[k]]])),
  );
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success)
    throw new BridgeConfigError(
      `invalid configuration:\n  ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n  ')}`,
    );
  const c = parsed.data;
  let secret = c.BRIDGE_SECRET ?? c.DEMO_DEVICE_SECRET;
  if (!secret) {
    const file = path.join(c.DATA_DIR, 'demo-credentials.json');
    if (existsSync(file)) {
      const creds = JSON.parse(readFileSync(file, 'utf8')) as { devices?: Record<string, string> };
      secret = creds.devices?.[c.BRIDGE_ID];
    }
  }
  if (!secret) {
    throw new BridgeConfigError(
      `BRIDGE_SECRET: no secret for gateway "${c.BRIDGE_ID}": set BRIDGE_SECRET or DEMO_DEVICE_SECRET, or run where DATA_DIR holds demo-credentials.json`,
    );
  }
  let mqttCa: Buffer | undefined;
  if (c.MQTT_CA_FILE) {
    try {
      mqttCa = readFileSync(c.MQTT_CA_FILE);
    } catch {
      throw new BridgeConfigError(`MQTT_CA_FILE: cannot read ${c.MQTT_CA_FILE}`);
    }
    if (!mqttCa.includes('-----BEGIN CERTIFICATE-----'))
      throw new BridgeConfigError(`MQTT_CA_FILE: ${c.MQTT_CA_FILE} holds no PEM certificate`);
  }
  let mapping: Mapping | undefined;
  if (c.BRIDGE_MAPPING_FILE) {
    try {
      mapping = loadMapping(c.BRIDGE_MAPPING_FILE);
    } catch (err) {
      if (err instanceof MappingError) throw new BridgeConfigError(`BRIDGE_MAPPING_FILE: ${err.message}`);
      throw err;
    }
    const needsBroker = mapping.devices.some((d) => d.source !== 'ble');
    if (needsBroker && !c.BRIDGE_HOME_MQTT_URL)
      throw new BridgeConfigError('BRIDGE_HOME_MQTT_URL: the mapping file names Zigbee2MQTT or ESPHome sensors: set the home broker URL');
  } else if (c.BRIDGE_HOME_MQTT_URL) {
    // A home broker without a mapping would run and relay nothing: a home that believes it is watched.
    throw new BridgeConfigError(
      'BRIDGE_MAPPING_FILE: BRIDGE_HOME_MQTT_URL is set but no mapping file says which sensor on the home broker is which device: nothing would be relayed',
    );
  }
  return Object.freeze({
    ...(mapping ? { mapping } : {}),
    ...(c.BRIDGE_HOME_MQTT_URL ? { homeMqttUrl: c.BRIDGE_HOME_MQTT_URL } : {}),
    mqttUrl: c.MQTT_URL ?? `mqtt://127.0.0.1:${c.MQTT_PORT}`,
    ...(mqttCa ? { mqttCa } : {}),
    gatewayId: c.BRIDGE_ID,
    secret,
    host: c.BRIDGE_HOST,
    udpPort: c.BRIDGE_UDP_PORT,
    tcpPort: c.BRIDGE_TCP_PORT,
    queueFile: path.join(c.BRIDGE_DATA_DIR ?? path.join(c.DATA_DIR, 'bridge'), `${c.BRIDGE_ID}-queue.sqlite`),
    maxQueued: c.BRIDGE_QUEUE_MAX,
    quietMs: c.BRIDGE_QUIET_S * 1000,
    heartbeatMs: c.BRIDGE_HEARTBEAT_S * 1000,
    logLevel: c.LOG_LEVEL,
  });
}

/** The gateway's options from its settings (`npm run bridge`, and the simulator's `--off-the-shelf`). */
export function bridgeOptions(cfg: BridgeConfig, log: Logger): BridgeOptions {
  return {
    gatewayId: cfg.gatewayId,
    secret: cfg.secret,
    mqttUrl: cfg.mqttUrl,
    queueFile: cfg.queueFile,
    ...(cfg.mqttCa ? { mqttCa: cfg.mqttCa } : {}),
    maxQueued: cfg.maxQueued,
    quietMs: cfg.quietMs,
    heartbeatMs: cfg.heartbeatMs,
    log,
  };
}
