// Bridge benchmark (issue 7 target: >= 50,000 frames/s decoded and published on one core).
// benchBridge() returns figures for `npm run bench`; `npx tsx firmware-bridge/bench.ts` prints them.
// The broker is Mosquitto in its own process when installed (so the bridge's single thread is what
// is measured), else aedes in this process (then the figure includes the broker's work too).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { gatewayConfigTopic } from '@odart/protocol';
import { Bridge } from './src/bridge.js';
import { decodeFrame, encodeFrame } from './src/frame.js';

export interface BridgeBenchResult {
  frames: number;
  /** frame decoding alone (CRC, fixed point, strict checks) */
  decodeFramesPerSec: number;
  /** decode + dedup + clock mapping + translation with zod validation + QoS 1 publish, until every PUBACK */
  pipelineFramesPerSec: number;
  /** CPU time of this process per wall second during the pipeline run (1.0 = one core busy) */
  pipelineCpuCores: number;
  /**
   * Frames decoded and published per second of CPU time used by the bridge process: what one
   * fully available core sustains. On a shared machine the wall figure above is lower because
   * the process (and the broker) wait for a core; this one is not.
   */
  pipelineFramesPerCpuSecond: number;
  broker: 'mosquitto' | 'aedes-in-process';
}

const MOSQUITTO = process.env.MOSQUITTO_PATH ?? '/usr/sbin/mosquitto';
const turn = () => new Promise<void>((r) => setImmediate(r));

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function startBroker(): Promise<{ url: string; kind: BridgeBenchResult['broker']; stop(): Promise<void> }> {
  const port = await freePort();
  if (existsSync(MOSQUITTO)) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'odart-bench-mq-'));
    const conf = path.join(dir, 'mosquitto.conf');
    writeFileSync(
      conf,
      `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_inflight_messages 0\nmax_queued_messages 0\n`,
    );
    const child: ChildProcess = spawn(MOSQUITTO, ['-c', conf], { stdio: 'ignore' });
    const url = `mqtt://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      try {
        const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 1000 });
        await c.endAsync();
        break;
      } catch (err) {
        if (i > 50) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    return {
      url,
      kind: 'mosquitto',
      async stop() {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const aedes = await Aedes.createBroker();
  const server = net.createServer((s) => aedes.handle(s));
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return {
    url: `mqtt://127.0.0.1:${port}`,
    kind: 'aedes-in-process',
    async stop() {
      await new Promise<void>((r) => server.close(() => r()));
      await new Promise<void>((r) => aedes.close(() => r()));
    },
  };
}

export async function benchBridge(opts: { quick?: boolean } = {}): Promise<BridgeBenchResult> {
  const frames = opts.quick ? 50_000 : 200_000;
  const devices = Array.from({ length: 100 }, (_, i) => `bench-wrist-${i}`);
  const now = Date.now();
  const encoded = Array.from({ length: frames }, (_, i) =>
    encodeFrame({
      deviceId: devices[i % devices.length]!,
      seq: Math.floor(i / devices.length) + 1,
      ts: now + Math.floor(i / devices.length) * 1000,
      body: { type: 'vitals', hr: 60 + (i % 40), spo2: 90 + (i % 10), rr: 8 + (i % 12) / 2, activity: i % 100, onBody: true },
    }),
  );

  // decode alone
  let t0 = process.hrtime.bigint();
  let ok = 0;
  for (const b of encoded) if (decodeFrame(b).ok) ok++;
  const decodeSec = Number(process.hrtime.bigint() - t0) / 1e9;
  if (ok !== frames) throw new Error('bench frames failed to decode');

  const broker = await startBroker();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'odart-bench-bridge-'));
  try {
    // The server's job in production: tell the gateway its devices (retained here, no server running).
    const admin = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    await admin.publishAsync(gatewayConfigTopic('bench-gw'), JSON.stringify({ devices }), { qos: 1, retain: true });
    await admin.endAsync();
    const bridge = new Bridge({
      gatewayId: 'bench-gw',
      secret: 'bench-secret',
      mqttUrl: broker.url,
      queueFile: path.join(dir, 'q.sqlite'),
      maxQueued: 1_000_000,
      quietMs: 600_000,
      heartbeatMs: 600_000,
      log: pino({ level: 'silent' }),
    });
    bridge.start();
    while (!bridge.ready) await turn();
    const ackedBefore = bridge.forwarder.stats.acked;
    const cpu0 = process.cpuUsage();
    t0 = process.hrtime.bigint();
    let fed = 0;
    while (fed < frames) {
      // Feed like a radio would, without letting the memory backlog spill to disk.
      if (bridge.forwarder.backlog < 8000)
        for (const end = Math.min(frames, fed + 2000); fed < end; fed++) bridge.handleDatagram(encoded[fed]!);
      await turn();
    }
    while (bridge.forwarder.stats.acked - ackedBefore < frames) await turn();
    const pipeSec = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    const stats = bridge.stats();
    await bridge.close();
    if (stats.accepted !== frames || stats.forward.spilled !== 0) throw new Error(`bench run invalid: ${JSON.stringify(stats)}`);
    return {
      frames,
      decodeFramesPerSec: Math.round(frames / decodeSec),
      pipelineFramesPerSec: Math.round(frames / pipeSec),
      pipelineCpuCores: Math.round(((cpu.user + cpu.system) / 1e6 / pipeSec) * 100) / 100,
      pipelineFramesPerCpuSecond: Math.round(frames / ((cpu.user + cpu.system) / 1e6)),
      broker: broker.kind,
    };
  } finally {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchBridge({ quick: process.argv.includes('--quick') }).then(
    (r) => {
      process.stdout.write(JSON.stringify(r, null, 2) + '\n');
      process.exit(0);
    },
    (err: unknown) => {
      process.stderr.write(`bridge bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
