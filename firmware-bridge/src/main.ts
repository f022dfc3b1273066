// `npm run bridge`: the in-home gateway process. Frames in on UDP (BRIDGE_UDP_PORT), TCP
// (BRIDGE_TCP_PORT) and, when piped, stdin (e.g. `socat /dev/ttyUSB0,raw,b115200 - | npm run bridge`);
// MQTT out to MQTT_URL as gateway BRIDGE_ID. Same env as `npm start` uses the demo gateway.
import { createReadStream } from 'node:fs';
import { pino } from 'pino';
import { Bridge } from './bridge.js';
import { bridgeOptions, BridgeConfigError, loadBridgeConfig } from './config.js';
import { attachBleHex, HomeBroker } from './home.js';
import { NativeTranslator } from './native.js';

/** `--ble-hex FILE` (or `-` for stdin): GATT notifications as `<address> <uuid> <hex>` lines. */
function bleHexArg(argv: string[]): string | null {
  const i = argv.indexOf('--ble-hex');
  if (i < 0) return null;
  const v = argv[i + 1];
  if (!v || v.startsWith('--')) {
    process.stderr.write('--ble-hex needs a file name, or - for stdin\n');
    process.exit(2);
  }
  return v;
}

async function main(): Promise<void> {
  let cfg;
  try {
    cfg = loadBridgeConfig();
  } catch (err) {
    if (err instanceof BridgeConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = pino({
    level: cfg.logLevel,
    base: { svc: 'odart-bridge' },
    redact: { paths: ['secret', 'password', 'payload'], censor: '[redacted]' },
  });
  const bridge = new Bridge(bridgeOptions(cfg, log));
  const udpPort = await bridge.listenUdp(cfg.udpPort, cfg.host);
  const tcpPort = await bridge.listenTcp(cfg.tcpPort, cfg.host);
  const bleHex = bleHexArg(process.argv.slice(2));
  const tr = cfg.mapping ? new NativeTranslator(cfg.mapping) : null;
  if (bleHex && !tr) {
    process.stderr.write('--ble-hex needs BRIDGE_MAPPING_FILE (which sensor is which device)\n');
    process.exit(2);
  }
  let home: HomeBroker | null = null;
  if (tr && cfg.homeMqttUrl) {
    home = new HomeBroker(bridge, tr, { url: cfg.homeMqttUrl, log });
    home.start();
  }
  if (tr && bleHex) void attachBleHex(bridge, tr, bleHex === '-' ? process.stdin : createReadStream(bleHex));
  if (!process.stdin.isTTY && bleHex !== '-') bridge.attachStream(process.stdin);
  bridge.start();
  process.stdout.write(
    `odart bridge "${cfg.gatewayId}" -> ${cfg.mqttUrl}; frames on udp://${cfg.host}:${udpPort} and tcp://${cfg.host}:${tcpPort}${process.stdin.isTTY || (tr && bleHex === '-') ? '' : ' and stdin'}; queue ${cfg.queueFile}\n`,
  );
  if (tr)
    process.stdout.write(
      `off-the-shelf sensors: ${cfg.mapping!.devices.length} mapped${home ? `, home broker ${cfg.homeMqttUrl}` : ''}${bleHex ? `, BLE hex lines from ${bleHex === '-' ? 'stdin' : bleHex}` : ''}\n`,
    );
  const statsTimer = setInterval(() => {
    const s = bridge.stats();
    log.info(
      {
        frames: s.frames,
        accepted: s.accepted,
        duplicates: s.duplicates,
        rejected: s.rejected,
        garbageBytes: s.garbageBytes,
        backlog: s.backlog,
        connected: s.connected,
        published: s.forward.published,
        thinned: s.forward.thinned,
        ...(tr ? { native: s.native } : {}),
      },
      'bridge stats',
    );
  }, 60_000);
  statsTimer.unref();
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'bridge shutting down');
    clearInterval(statsTimer);
    Promise.all([home?.close(), bridge.close()]).then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'bridge shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`bridge start-up failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
