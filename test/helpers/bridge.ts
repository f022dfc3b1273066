// Test harness for the firmware bridge: a real Bridge (real SQLite queue, real MQTT over TCP) on the
// test server's virtual clock, an uplink proxy that can cut the connection like a home router
// losing its internet, and a frame-sending "device" on the bridge's serial-style TCP intake.
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { Bridge } from '../../firmware-bridge/src/bridge.js';
import { encodeFrame, type FrameBody } from '../../firmware-bridge/src/frame.js';
export { sampleToBody } from '../../simulator/src/via-bridge.js';
import { DEMO_DEVICE_SECRET, until, type TestServer } from './server.js';

/** TCP proxy between the bridge and the broker; cut() drops every connection and refuses new ones. */
export interface UplinkProxy {
  port: number;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startProxy(targetPort: number): Promise<UplinkProxy> {
  let up = true;
  const pairs = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    if (!up) return inbound.destroy();
    const outbound = net.connect(targetPort, '127.0.0.1');
    pairs.add(inbound).add(outbound);
    const drop = () => {
      inbound.destroy();
      outbound.destroy();
      pairs.delete(inbound);
      pairs.delete(outbound);
    };
    inbound.on('error', drop).on('close', drop);
    outbound.on('error', drop).on('close', drop);
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address() as net.AddressInfo;
  return {
    port: addr.port,
    cut() {
      up = false;
      for (const s of pairs) s.destroy();
      pairs.clear();
    },
    restore() {
      up = true;
    },
    async close() {
      for (const s of pairs) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export interface TestBridge {
  bridge: Bridge;
  tcpPort: number;
  udpPort: number;
  dir: string;
  close(): Promise<void>;
}

export async function startTestBridge(
  ts: TestServer,
  o: { mqttPort?: number; queueMax?: number; quietMs?: number } = {},
): Promise<TestBridge> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'odart-bridge-'));
  const bridge = new Bridge({
    gatewayId: 'demo-gateway',
    secret: DEMO_DEVICE_SECRET,
    mqttUrl: `mqtt://127.0.0.1:${o.mqttPort ?? ts.server.mqttPort}`,
    queueFile: path.join(dir, 'queue.sqlite'),
    maxQueued: o.queueMax ?? 100_000,
    quietMs: o.quietMs ?? 60_000,
    heartbeatMs: 30_000,
    clock: ts.clock,
    log: pino({ level: 'silent' }),
  });
  const tcpPort = await bridge.listenTcp(0, '127.0.0.1');
  const udpPort = await bridge.listenUdp(0, '127.0.0.1');
  bridge.start();
  await until(() => bridge.ready, 500_000);
  return {
    bridge,
    tcpPort,
    udpPort,
    dir,
    async close() {
      await bridge.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every device message the server's broker accepted (and Last Wills), in arrival order (a passive listener). */
export function spyDeviceMessages(ts: TestServer): { topic: string; data: Record<string, unknown> }[] {
  const seen: { topic: string; data: Record<string, unknown> }[] = [];
  ts.server.embeddedBroker!.aedes.on('publish', (packet, client) => {
    // device streams only (also Last Wills, which the broker publishes for a client that is gone)
    if (
      !/^odart\/v1\/devices\/[^/]+\/(vitals|presence|door|button|status)$/.test(packet.topic) ||
      (client === null && !packet.topic.endsWith('/status'))
    )
      return;
    try {
      seen.push({ topic: packet.topic, data: JSON.parse(Buffer.from(packet.payload).toString('utf8')) as Record<string, unknown> });
    } catch {
      seen.push({ topic: packet.topic, data: {} });
    }
  });
  return seen;
}

/** A wireless "device" side: frames written to the bridge's serial-style TCP intake. */
export async function frameSender(
  port: number,
): Promise<{ send(deviceId: string, ts: number, body: FrameBody): void; raw(b: Uint8Array): void; sent: number; close(): void }> {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise<void>((r, j) => sock.once('connect', () => r()).once('error', j));
  const seqs = new Map<string, number>();
  const self = {
    sent: 0,
    send(deviceId: string, ts: number, body: FrameBody) {
      const seq = (seqs.get(deviceId) ?? 0) + 1;
      seqs.set(deviceId, seq);
      sock.write(encodeFrame({ deviceId, seq, ts, body }));
      self.sent++;
    },
    raw(b: Uint8Array) {
      sock.write(b);
    },
    close() {
      sock.destroy();
    },
  };
  return self;
}
