// The gateway: frames in (UDP datagrams, serial-style byte streams), validated, de-duplicated,
// clock-corrected and translated to canonical MQTT messages, then store-and-forward to the broker
// as a gateway that may publish only for its registered devices. Never throws on bad input.
import dgram from 'node:dgram';
import net from 'node:net';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import {
  commandSchema,
  deviceTopic,
  gatewayConfigSchema,
  gatewayConfigTopic,
  NOT_MONITORED_AFTER_MS,
  streamSchemas,
} from '@odart/protocol';
import { DeviceState } from './device-state.js';
import { DiskQueue } from './disk-queue.js';
import { decodeFrame, type Frame, type RejectReason } from './frame.js';
import { Forwarder, type ForwarderStats } from './forwarder.js';
import { FrameStreamParser } from './stream.js';
import type { NativeResult, NativeSource, Reading } from './native.js';
import { outgoing, statusFor, translate } from './translate.js';
import { Uplink } from './uplink.js';

export const BRIDGE_FW = 'odart-bridge/1';

export interface TimerHandle {
  cancel(): void;
}
/** Same shape as the server's Clock port, so tests can hand the bridge the server's VirtualClock. */
export interface BridgeClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  setInterval(fn: () => void, ms: number): TimerHandle;
}

export const systemClock: BridgeClock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const h = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(h) };
  },
  setInterval(fn, ms) {
    const h = setInterval(fn, ms);
    return { cancel: () => clearInterval(h) };
  },
};

export interface BridgeOptions {
  gatewayId: string;
  secret: string;
  mqttUrl: string;
  /** CA certificates (PEM) for an mqtts:// uplink (MQTT_CA_FILE) */
  mqttCa?: Buffer;
  /** SQLite file of the store-and-forward queue (':memory:' in some tests) */
  queueFile: string;
  maxQueued: number;
  hardMaxQueued?: number;
  /** a device silent this long is reported offline on its status topic */
  quietMs: number;
  /** the gateway's own status heartbeat */
  heartbeatMs: number;
  clock?: BridgeClock;
  log: Logger;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** per-device state is kept for at most this many devices (random ids from noise cannot grow it) */
  maxDevices?: number;
}

/**
 * Whether the core is watching the people behind this gateway (issue 16.4): the server sends the gateway
 * the minutely `monitoring` command on its own command topic while the core is healthy and one of its
 * devices' wearers is active; 3 minutes without one (NOT_MONITORED_AFTER_MS) is "not monitored".
 */
export type BridgeMonitoring = 'starting' | 'monitored' | 'not_monitored';

export type BridgeReject = RejectReason | 'not_registered' | 'invalid' | 'too_many_devices';

/** Per off-the-shelf source (docs/devices.md): messages seen and what became of them. */
export interface NativeCounts {
  messages: number;
  /** readings queued for the server */
  readings: number;
  /** not parseable, out of range or the wrong type: dropped */
  malformed: number;
  /** from a sensor the mapping file does not name */
  unmapped: number;
  /** understood but carries nothing we relay (other entities, bridge topics, stored records) */
  ignored: number;
  /** mapped to a device not registered to this gateway, or refused by the protocol schema */
  rejected: number;
}

const zeroCounts = (): NativeCounts => ({ messages: 0, readings: 0, malformed: 0, unmapped: 0, ignored: 0, rejected: 0 });

export interface BridgeStats {
  native: Record<NativeSource, NativeCounts>;
  datagrams: number;
  streamBytes: number;
  frames: number;
  accepted: number;
  duplicates: number;
  restarts: number;
  garbageBytes: number;
  rejected: Partial<Record<BridgeReject, number>>;
  quietReported: number;
  connects: number;
  forward: ForwarderStats;
  backlog: number;
  connected: boolean;
  /** what the gateway shows (its log says NOT MONITORED when it turns so) */
  monitoring: BridgeMonitoring;
  /** when the last `monitoring` command came (gateway clock, ms); null: none yet */
  monitoredAt: number | null;
}

export class Bridge {
  readonly clock: BridgeClock;
  private readonly log: Logger;
  private readonly disk: DiskQueue;
  readonly forwarder: Forwarder;
  private readonly devices = new Map<string, DeviceState>();
  private readonly timers: TimerHandle[] = [];
  private client: Uplink | null = null;
  private reconnectTimer: TimerHandle | null = null;
  private backoff: number;
  private closing = false;
  private monitoring: BridgeMonitoring = 'starting';
  private monitoredAt: number | null = null;
  private startedAt = 0;
  private udp: dgram.Socket | null = null;
  private tcp: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  private readonly s: Omit<BridgeStats, 'forward' | 'backlog' | 'connected' | 'monitoring' | 'monitoredAt'> = {
    native: { zigbee2mqtt: zeroCounts(), esphome: zeroCounts(), ble: zeroCounts() },
    datagrams: 0,
    streamBytes: 0,
    frames: 0,
    accepted: 0,
    duplicates: 0,
    restarts: 0,
    garbageBytes: 0,
    rejected: {},
    quietReported: 0,
    connects: 0,
  };

  constructor(private readonly o: BridgeOptions) {
    this.clock = o.clock ?? systemClock;
    this.log = o.log;
    this.backoff = o.reconnectMinMs ?? 1000;
    this.disk = new DiskQueue(o.queueFile);
    this.forwarder = new Forwarder(this.disk, {
      maxQueued: o.maxQueued,
      hardMaxQueued: o.hardMaxQueued ?? o.maxQueued * 10,
      onOverflow: (m) =>
        this.log.error({ deviceId: m.deviceId, stream: m.stream }, 'store-and-forward queue over its hard limit: critical message refused'),
    });
    if (this.disk.size > 0) this.log.info({ queued: this.disk.size }, 'resuming with queued messages from disk');
  }

  /** Starts the uplink (connects in the background and keeps reconnecting) and the timers. */
  start(): void {
    this.startedAt = this.clock.now();
    this.connect();
    this.timers.push(this.clock.setInterval(() => this.heartbeat(), this.o.heartbeatMs));
    this.timers.push(this.clock.setInterval(() => this.checkQuiet(), Math.max(1000, Math.min(5000, Math.floor(this.o.quietMs / 2)))));
    this.timers.push(this.clock.setInterval(() => this.checkMonitoring(), 1000));
  }

  get connected(): boolean {
    return this.forwarder.isUp;
  }

  /** A connection attempt is under way (tests wait for it to settle before moving virtual time). */
  get connecting(): boolean {
    return this.client !== null && !this.forwarder.isUp;
  }

  /** The server has told us which devices we may publish for (the pump runs only then). */
  get ready(): boolean {
    return this.forwarder.isUp && this.forwarder.knowsDevices;
  }

  stats(): BridgeStats {
    this.forwarder.flush();
    return {
      ...this.s,
      rejected: { ...this.s.rejected },
      native: { zigbee2mqtt: { ...this.s.native.zigbee2mqtt }, esphome: { ...this.s.native.esphome }, ble: { ...this.s.native.ble } },
      forward: { ...this.forwarder.stats },
      backlog: this.forwarder.backlog,
      connected: this.connected,
      monitoring: this.monitoring,
      monitoredAt: this.monitoredAt,
    };
  }

  // ---- intake ----

  /** One UDP datagram = exactly one frame. */
  handleDatagram(buf: Uint8Array): void {
    this.s.datagrams++;
    const res = decodeFrame(buf, 0, true);
    if (res.ok) this.handleFrame(res.frame, buf);
    else this.reject(res.reason);
  }

  /** A parser for one byte stream (serial line, TCP connection, stdin). */
  streamParser(): FrameStreamParser {
    return new FrameStreamParser({
      frame: (f, raw) => this.handleFrame(f, raw),
      reject: (reason) => this.reject(reason),
      garbage: (n) => {
        this.s.garbageBytes += n;
      },
    });
  }

  attachStream(r: Readable): void {
    const parser = this.streamParser();
    r.on('data', (chunk: Buffer) => {
      this.s.streamBytes += chunk.length;
      this.guard(() => parser.push(chunk));
    });
    r.on('error', (err) => this.log.warn({ err: err.message }, 'frame stream error'));
  }

  handleFrame(f: Frame, raw: Uint8Array): void {
    this.guard(() => {
      this.s.frames++;
      if (this.forwarder.isAllowed(f.deviceId) === false) return this.reject('not_registered');
      let st = this.devices.get(f.deviceId);
      if (!st) {
        if (this.devices.size >= (this.o.maxDevices ?? 10_000)) return this.reject('too_many_devices');
        st = new DeviceState(f.deviceId);
        this.devices.set(f.deviceId, st);
      }
      const crc = (raw[raw.length - 2]! << 8) | raw[raw.length - 1]!;
      const verdict = st.seq.check(f.seq, crc, f.ts);
      if (verdict === 'duplicate') {
        st.duplicates++;
        this.s.duplicates++;
        return;
      }
      if (verdict === 'restart') {
        st.restarts++;
        this.s.restarts++;
        st.clock.reset();
      }
      const now = this.clock.now();
      const out = translate(f, st.clock.map(f.ts, now));
      if (!out) return this.reject('invalid');
      if (st.quiet) {
        st.quiet = false;
        this.forwarder.push(statusFor(f.deviceId, 'online', now));
      }
      st.lastHeard = now;
      st.frames++;
      this.s.accepted++;
      this.forwarder.push(out);
    });
  }

  /**
   * What an off-the-shelf sensor's message became (native.ts): its readings are stamped with the
   * gateway clock, checked against the protocol schemas and queued like frames' messages.
   */
  handleNative(source: NativeSource, r: NativeResult): void {
    const c = this.s.native[source];
    c.messages++;
    if (!r.ok) {
      c[r.reason]++;
      return;
    }
    this.guard(() => {
      for (const x of r.readings) this.pushReading(c, x);
    });
  }

  private pushReading(c: NativeCounts, x: Reading): void {
    if (this.forwarder.isAllowed(x.deviceId) === false) {
      c.rejected++;
      return this.reject('not_registered');
    }
    let st = this.devices.get(x.deviceId);
    if (!st) {
      if (this.devices.size >= (this.o.maxDevices ?? 10_000)) {
        c.rejected++;
        return this.reject('too_many_devices');
      }
      st = new DeviceState(x.deviceId);
      this.devices.set(x.deviceId, st);
    }
    const now = this.clock.now();
    const payload = { ts: now, ...x.data };
    if (!streamSchemas[x.stream].safeParse(payload).success) {
      c.rejected++;
      return this.reject('invalid');
    }
    if (st.quiet && x.periodic) {
      st.quiet = false;
      this.forwarder.push(statusFor(x.deviceId, 'online', now));
    }
    // Event-only sensors (door contacts, PIRs) are silent for hours: their availability topic, not
    // silence, says when they are gone. Periodic ones (radars, BLE vitals) go quiet like frames.
    if (x.periodic) st.lastHeard = now;
    c.readings++;
    this.forwarder.push(outgoing(x.deviceId, x.stream, payload));
  }

  private reject(reason: BridgeReject): void {
    this.s.rejected[reason] = (this.s.rejected[reason] ?? 0) + 1;
  }

  /** Bad input must never take the gateway down: count and log, then carry on. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.reject('invalid');
      this.log.error({ err }, 'frame handling failed');
    }
  }

  // ---- listeners ----

  listenUdp(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const sock = dgram.createSocket('udp4');
      sock.on('message', (msg) => this.handleDatagram(msg));
      sock.once('error', reject);
      sock.bind(port, host, () => {
        sock.removeListener('error', reject);
        sock.on('error', (err) => this.log.warn({ err: err.message }, 'udp error'));
        this.udp = sock;
        resolve(sock.address().port);
      });
    });
  }

  listenTcp(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const server = net.createServer((sock) => {
        this.sockets.add(sock);
        sock.on('close', () => this.sockets.delete(sock));
        this.attachStream(sock);
      });
      server.once('error', reject);
      server.listen(port, host, () => {
        this.tcp = server;
        const a = server.address();
        resolve(typeof a === 'object' && a ? a.port : port);
      });
    });
  }

  // ---- uplink ----

  private connect(): void {
    if (this.closing) return;
    this.reconnectTimer = null;
    const id = this.o.gatewayId;
    let client: Uplink;
    const onDown = (reason: string) => {
      if (this.client === client) {
        this.client = null;
        if (this.forwarder.isUp) this.log.warn({ reason, backlog: this.forwarder.backlog }, 'uplink lost: queueing on disk');
        this.forwarder.disconnected();
        this.forwarder.setAllowed(null);
      }
      this.scheduleReconnect();
    };
    try {
      client = new Uplink(
        this.o.mqttUrl,
        {
          clientId: id,
          username: id,
          password: this.o.secret,
          keepaliveS: 30,
          connectTimeoutMs: 10_000,
          will: { topic: deviceTopic(id, 'status'), payload: JSON.stringify({ state: 'offline' }) },
          ...(this.o.mqttCa ? { ca: this.o.mqttCa } : {}),
        },
        {
          onConnect: () => {
            this.s.connects++;
            this.backoff = this.o.reconnectMinMs ?? 1000;
            this.forwarder.setAllowed(null);
            // The pump waits for the server's list of our devices (config topic) before sending.
            this.forwarder.connected({ publish: (topic, payload, done) => client.publish(topic, payload, false, done) });
            this.publishOwnStatus();
            client.subscribe(gatewayConfigTopic(id));
            client.subscribe(deviceTopic(id, 'command'));
            this.log.info({ backlog: this.forwarder.backlog }, 'uplink connected');
          },
          onMessage: (topic, payload) => (topic === deviceTopic(id, 'command') ? this.onCommand(payload) : this.onConfig(topic, payload)),
          onClose: onDown,
        },
      );
    } catch (err) {
      this.log.error({ err }, 'uplink cannot connect');
      return this.scheduleReconnect();
    }
    this.client = client;
  }

  private onConfig(topic: string, payload: Buffer): void {
    if (topic !== gatewayConfigTopic(this.o.gatewayId)) return;
    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch {
      return this.log.warn('gateway config is not JSON');
    }
    const cfg = gatewayConfigSchema.safeParse(json);
    if (!cfg.success) return this.log.warn('gateway config invalid');
    this.log.info({ devices: cfg.data.devices.length }, 'registered devices received');
    this.forwarder.setAllowed(cfg.data.devices);
  }

  /** A command to the gateway itself: `monitoring` says the core is watching; anything unreadable is dropped and counted. */
  private onCommand(payload: Buffer): void {
    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch {
      return this.reject('invalid');
    }
    const cmd = commandSchema.safeParse(json);
    if (!cmd.success) return this.reject('invalid');
    if (cmd.data.type !== 'monitoring') return;
    this.monitoredAt = this.clock.now();
    if (this.monitoring !== 'monitored') this.log.info('monitored: the core is watching');
    this.monitoring = 'monitored';
  }

  /** 3 minutes without a `monitoring` command (from start or the last one): not monitored, said loudly once. */
  private checkMonitoring(): void {
    if (this.monitoring === 'not_monitored') return;
    const since = this.monitoredAt ?? this.startedAt;
    if (this.clock.now() - since < NOT_MONITORED_AFTER_MS) return;
    this.monitoring = 'not_monitored';
    this.log.error(
      { silentS: Math.round((this.clock.now() - since) / 1000) },
      'NOT MONITORED: no word from the core for 3 minutes; the people behind this gateway are not being watched',
    );
  }

  private scheduleReconnect(): void {
    if (this.closing || this.reconnectTimer) return;
    const wait = this.backoff;
    this.backoff = Math.min(this.o.reconnectMaxMs ?? 10_000, this.backoff * 2);
    this.reconnectTimer = this.clock.setTimeout(() => this.connect(), wait);
  }

  private publishOwnStatus(): void {
    const c = this.client;
    if (!c?.connected) return;
    const payload = JSON.stringify({ ts: this.clock.now(), state: 'online', fw: BRIDGE_FW });
    c.publish(deviceTopic(this.o.gatewayId, 'status'), payload, true, () => undefined);
  }

  private heartbeat(): void {
    this.publishOwnStatus();
  }

  /** Devices heard before and silent for quietMs are reported offline (their Last Will, in effect). */
  private checkQuiet(): void {
    const now = this.clock.now();
    for (const st of this.devices.values()) {
      if (st.quiet || st.lastHeard === 0 || now - st.lastHeard < this.o.quietMs) continue;
      if (this.forwarder.isAllowed(st.id) === false) continue;
      st.quiet = true;
      this.s.quietReported++;
      this.log.warn({ deviceId: st.id, silentS: Math.round((now - st.lastHeard) / 1000) }, 'device went quiet');
      this.forwarder.push(statusFor(st.id, 'offline', now));
    }
  }

  /** Stops intake, says goodbye on the gateway's status topic, and leaves every unsent message on disk. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const t of this.timers) t.cancel();
    this.reconnectTimer?.cancel();
    if (this.udp) {
      const u = this.udp;
      await new Promise<void>((r) => u.close(() => r()));
    }
    if (this.tcp) {
      const t = this.tcp;
      for (const s of this.sockets) s.destroy();
      await new Promise<void>((r) => t.close(() => r()));
    }
    const c = this.client;
    this.client = null;
    if (c?.connected) {
      c.publish(
        deviceTopic(this.o.gatewayId, 'status'),
        JSON.stringify({ ts: this.clock.now(), state: 'offline', fw: BRIDGE_FW }),
        true,
        () => undefined,
      );
      await c.end();
    } else c?.destroy();
    this.forwarder.close();
  }
}
