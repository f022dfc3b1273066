// `npm run simulate -- <scenario> --off-the-shelf [--home-broker URL]`: plays a scenario against the
// running server as a home of off-the-shelf sensors (off-the-shelf.ts). The native payloads go to a
// home broker (a Mosquitto started here, or the one --home-broker names); the gateway of
// firmware-bridge/ runs in this process with a generated mapping file, subscribes there, maps them
// and forwards them to the server as BRIDGE_ID (default demo-gateway), exactly as `npm run bridge`
// does with BRIDGE_MAPPING_FILE and BRIDGE_HOME_MQTT_URL; the oximeter's notifications reach it as
// `--ble-hex` lines. The gateway's clock is the scenario's (start + trace time), so every reading
// carries the time the scenario gives it whatever the speed; its timers run in real time.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { Bridge, systemClock, type BridgeClock, type NativeCounts } from '../../firmware-bridge/src/bridge.js';
import { bridgeOptions, BridgeConfigError, isMqttUrl, loadBridgeConfig, shownUrl } from '../../firmware-bridge/src/config.js';
import { attachBleHex, HomeBroker } from '../../firmware-bridge/src/home.js';
import type { NativeSource } from '../../firmware-bridge/src/native.js';
import { NativeTranslator } from '../../firmware-bridge/src/native.js';
import { startHomeMosquitto, type HomeMosquitto } from './home-broker.js';
import { offTheShelfMapping, traceToNative, type HomeIds, type NativeMessage } from './off-the-shelf.js';
import type { TraceLine } from './trace.js';

export interface OffTheShelfOptions {
  ids: HomeIds;
  /** the home broker to use; undefined = start a Mosquitto for the run */
  homeBroker?: string;
  /** 1 = real time */
  speed: number;
  /** the gateway's settings (MQTT_URL, BRIDGE_ID, BRIDGE_SECRET, DEMO_DEVICE_SECRET, DATA_DIR, MQTT_CA_FILE, LOG_LEVEL) */
  env: NodeJS.ProcessEnv;
  out: (s: string) => void;
  signal?: AbortSignal;
  /** how long the gateway and the home broker may take to connect, and the server to acknowledge the rest, ms */
  waitMs?: number;
}

export interface OffTheShelfSummary {
  /** native messages published on the home broker or written as BLE lines */
  sent: number;
  native: Record<NativeSource, NativeCounts>;
  /** canonical messages the server acknowledged (readings plus the gateway's status) */
  acknowledged: number;
  /** still queued in the gateway at the end (not delivered) */
  undelivered: number;
}

/** Valid home broker URL for --home-broker (as BRIDGE_HOME_MQTT_URL takes it), else an Error saying what is expected. */
export function homeBrokerUrl(v: string | true): string {
  if (v !== true && isMqttUrl(v)) return v;
  throw new Error(`--home-broker needs an MQTT URL such as mqtt://127.0.0.1:1883${v === true ? '' : `, got "${shownUrl(v)}"`}`);
}

async function waitFor(cond: () => boolean, ms: number, what: string, signal?: AbortSignal): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (signal?.aborted) return;
    if (Date.now() > until) throw new Error(what);
    await sleep(5);
  }
}

const total = (n: Record<NativeSource, NativeCounts>, k: keyof NativeCounts) => n.zigbee2mqtt[k] + n.esphome[k] + n.ble[k];

export async function playOffTheShelf(lines: TraceLine[], o: OffTheShelfOptions): Promise<OffTheShelfSummary> {
  const waitMs = o.waitMs ?? 30_000;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'odart-off-the-shelf-'));
  let broker: HomeMosquitto | null = null;
  let bridge: Bridge | null = null;
  let home: HomeBroker | null = null;
  let pub: mqtt.MqttClient | null = null;
  const ble = new PassThrough();
  try {
    const mappingFile = path.join(dir, 'home.json');
    writeFileSync(mappingFile, JSON.stringify(offTheShelfMapping(o.ids), null, 2));
    if (o.homeBroker === undefined) broker = await startHomeMosquitto();
    const homeUrl = o.homeBroker ?? broker!.url;
    // The gateway's settings as `npm run bridge` reads them, with the generated mapping and the home broker.
    let cfg;
    try {
      cfg = loadBridgeConfig({ ...o.env, BRIDGE_MAPPING_FILE: mappingFile, BRIDGE_HOME_MQTT_URL: homeUrl, BRIDGE_DATA_DIR: dir });
    } catch (err) {
      if (err instanceof BridgeConfigError) throw new Error(`the gateway's settings: ${err.message}`, { cause: err });
      throw err;
    }
    const log = pino(
      {
        level: o.env.LOG_LEVEL ?? 'warn',
        base: { svc: 'odart-simulate-gateway' },
        redact: { paths: ['secret', 'password', 'payload'], censor: '[redacted]' },
      },
      pino.destination(2),
    );
    const t0 = Date.now();
    let traceT = 0;
    const clock: BridgeClock = { now: () => t0 + traceT, setTimeout: systemClock.setTimeout, setInterval: systemClock.setInterval };
    bridge = new Bridge({ ...bridgeOptions(cfg, log), clock });
    const tr = new NativeTranslator(cfg.mapping!);
    home = new HomeBroker(bridge, tr, { url: homeUrl, log });
    home.start();
    void attachBleHex(bridge, tr, ble);
    bridge.start();
    try {
      pub = await mqtt.connectAsync(homeUrl, {
        clientId: `odart-sim-home-${randomBytes(4).toString('hex')}`,
        protocolVersion: 4,
        reconnectPeriod: 0,
        connectTimeout: waitMs,
      });
    } catch (err) {
      throw new Error(`cannot reach the home broker ${shownUrl(homeUrl)}: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    }
    const b = bridge;
    const h = home;
    await waitFor(
      () => h.ready,
      waitMs,
      `the gateway could not subscribe on the home broker ${shownUrl(homeUrl)} within ${waitMs / 1000} s`,
      o.signal,
    );
    await waitFor(
      () => b.ready,
      waitMs,
      `the gateway "${cfg.gatewayId}" is not connected to the server at ${shownUrl(cfg.mqttUrl)} after ${waitMs / 1000} s: is it running (npm start), ` +
        'and is the gateway secret right (BRIDGE_SECRET, DEMO_DEVICE_SECRET, or DATA_DIR holding demo-credentials.json)?',
      o.signal,
    );
    if (o.signal?.aborted) return { sent: 0, native: b.stats().native, acknowledged: 0, undelivered: b.stats().backlog };
    o.out(
      `home broker ${shownUrl(homeUrl)}${broker ? ' (Mosquitto started for this run)' : ''}; gateway "${cfg.gatewayId}" -> ${shownUrl(cfg.mqttUrl)} with ${cfg.mapping!.devices.length} mapped sensors\n`,
    );

    const steps = traceToNative(lines, o.ids);
    const send = async (msgs: NativeMessage[]) => {
      for (const m of msgs) {
        if (m.kind === 'mqtt') await pub!.publishAsync(m.topic, m.payload, { qos: 1 });
        else ble.write(`${m.line}\n`);
      }
    };
    const taken = () => total(b.stats().native, 'messages');
    const start = Date.now();
    let sent = 0;
    for (let i = 0; i < steps.length && !o.signal?.aborted;) {
      const t = steps[i]!.t;
      const wait = start + t / o.speed - Date.now();
      if (wait > 0) await sleep(wait, undefined, o.signal ? { signal: o.signal } : {}).catch(() => undefined);
      if (o.signal?.aborted) break;
      traceT = t;
      while (i < steps.length && steps[i]!.t === t) {
        const msgs = steps[i++]!.messages;
        await send(msgs);
        sent += msgs.length;
      }
      // Every message of this instant is in the gateway (stamped t0 + t) before the clock moves on.
      await waitFor(
        () => taken() >= sent,
        waitMs,
        `the gateway took in ${taken()} of the ${sent} messages sent to the home broker`,
        o.signal,
      );
    }
    await waitFor(() => b.stats().backlog === 0, waitMs, 'the server did not acknowledge everything the gateway forwarded', o.signal).catch(
      (err: unknown) => log.warn({ err: err instanceof Error ? err.message : String(err) }, 'undelivered messages left'),
    );
    const s = b.stats();
    return { sent, native: s.native, acknowledged: s.forward.acked, undelivered: s.backlog };
  } finally {
    ble.end();
    await pub?.endAsync().catch(() => undefined);
    await home?.close().catch(() => undefined);
    await bridge?.close();
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatOffTheShelfSummary(s: OffTheShelfSummary): string {
  const n = s.native;
  const per = (['zigbee2mqtt', 'esphome', 'ble'] as const).map((k) => `${k} ${n[k].messages}`).join(', ');
  return (
    `done: ${s.sent} native messages sent (${per}); the gateway made ${total(n, 'readings')} readings, ` +
    `${total(n, 'malformed')} malformed, ${total(n, 'unmapped')} unmapped, ${total(n, 'rejected')} rejected; ` +
    `${s.acknowledged} acknowledged by the server, ${s.undelivered} undelivered`
  );
}

/** The run failed when anything the simulated home sent was dropped or is still undelivered. */
export function offTheShelfFailed(s: OffTheShelfSummary): boolean {
  return total(s.native, 'malformed') + total(s.native, 'rejected') + s.undelivered > 0 || total(s.native, 'readings') === 0;
}
