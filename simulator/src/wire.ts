// Lightweight MQTT 3.1.1 connections built directly on mqtt-packet: cheap enough for ten thousand
// in one process (fleet load), and with raw access to the wire for fault injection.
import net from 'node:net';
import tls from 'node:tls';
import mqttPacket, { type IConnectPacket, type Packet, type QoS } from 'mqtt-packet';

export interface WireOptions {
  host: string;
  port: number;
  /** MQTT over TLS, trusting these CA certificates (PEM) or the system's; the certificate is always verified */
  tls?: { ca?: Buffer | undefined };
  clientId: string;
  username?: string;
  password?: string;
  /** seconds; 0 disables keepalive */
  keepalive?: number;
  clean?: boolean;
  will?: IConnectPacket['will'];
  /** give up waiting for CONNACK after this long (real time) */
  connectTimeoutMs?: number;
}

export interface WireHandlers {
  /** PUBACK for one of our QoS 1 publishes; latency from the write of the PUBLISH */
  onPuback?: (messageId: number, latencyMs: number) => void;
  onMessage?: (topic: string, payload: Buffer, packet: Packet) => void;
  onClose?: (conn: WireConnection, hadError: boolean) => void;
}

/** CONNACK return codes of MQTT 3.1.1 (section 3.2.2.3). */
export const CONNACK_NAMES: Record<number, string> = {
  0: 'accepted',
  1: 'unacceptable protocol version',
  2: 'identifier rejected',
  3: 'server unavailable',
  4: 'bad user name or password',
  5: 'not authorized',
};

export class WireConnection {
  readonly socket: net.Socket;
  private readonly parser = mqttPacket.parser({ protocolVersion: 4 });
  private nextId = 0;
  /** messageId -> performance.now() at write */
  readonly inflight = new Map<number, number>();
  /** every packet received, by command (fault tests inspect it) */
  readonly received = new Map<string, number>();
  closed = false;
  handlers: WireHandlers = {};
  private connackWaiter: ((code: number) => void) | null = null;
  private subackWaiters = new Map<number, (granted: number[]) => void>();
  private pingWaiters: (() => void)[] = [];
  readonly closedPromise: Promise<void>;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    this.parser.on('packet', (p: Packet) => this.onPacket(p));
    this.parser.on('error', () => this.socket.destroy());
    socket.on('data', (buf: Buffer) => this.parser.parse(buf));
    socket.on('error', () => undefined);
    this.closedPromise = new Promise((resolve) => {
      socket.once('close', (hadError: boolean) => {
        this.closed = true;
        this.connackWaiter?.(-1);
        this.handlers.onClose?.(this, hadError);
        resolve();
      });
    });
  }

  /** Opens a TCP (or TLS) connection (no MQTT yet). */
  static open(host: string, port: number, secure?: { ca?: Buffer | undefined }): Promise<WireConnection> {
    return new Promise((resolve, reject) => {
      const socket = secure
        ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ...(secure.ca ? { ca: secure.ca } : {}) })
        : net.connect({ host, port });
      const conn = new WireConnection(socket);
      socket.once(secure ? 'secureConnect' : 'connect', () => {
        socket.removeListener('error', reject);
        resolve(conn);
      });
      socket.once('error', reject);
    });
  }

  /** TCP connect + MQTT CONNECT; resolves with the CONNACK return code (-1: closed or timed out first). */
  static async connect(o: WireOptions, handlers: WireHandlers = {}): Promise<{ conn: WireConnection; returnCode: number }> {
    const conn = await WireConnection.open(o.host, o.port, o.tls);
    conn.handlers = handlers;
    const returnCode = await conn.sendConnect(o);
    return { conn, returnCode };
  }

  sendConnect(o: WireOptions): Promise<number> {
    const packet: IConnectPacket = {
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clientId: o.clientId,
      clean: o.clean ?? true,
      keepalive: o.keepalive ?? 60,
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.password !== undefined ? { password: Buffer.from(o.password) } : {}),
      ...(o.will ? { will: o.will } : {}),
    };
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.connackWaiter = null;
        resolve(-1);
      }, o.connectTimeoutMs ?? 10_000);
      this.connackWaiter = (code) => {
        clearTimeout(timer);
        this.connackWaiter = null;
        resolve(code);
      };
      this.write(mqttPacket.generate(packet));
    });
  }

  private onPacket(p: Packet): void {
    this.received.set(p.cmd, (this.received.get(p.cmd) ?? 0) + 1);
    switch (p.cmd) {
      case 'connack':
        this.connackWaiter?.(p.returnCode ?? 0);
        return;
      case 'puback': {
        const id = p.messageId ?? -1;
        const at = this.inflight.get(id);
        if (at === undefined) return;
        this.inflight.delete(id);
        this.handlers.onPuback?.(id, performance.now() - at);
        return;
      }
      case 'suback': {
        const w = this.subackWaiters.get(p.messageId ?? -1);
        if (w) {
          this.subackWaiters.delete(p.messageId ?? -1);
          w(p.granted.map((g) => (typeof g === 'number' ? g : (g as { qos: number }).qos)));
        }
        return;
      }
      case 'pingresp':
        for (const w of this.pingWaiters.splice(0)) w();
        return;
      case 'publish':
        // [MQTT-4.3.2-2] a QoS 1 PUBLISH is acknowledged with PUBACK carrying its packet id
        if (p.qos === 1 && p.messageId !== undefined) this.write(mqttPacket.generate({ cmd: 'puback', messageId: p.messageId }));
        this.handlers.onMessage?.(p.topic, Buffer.isBuffer(p.payload) ? p.payload : Buffer.from(p.payload), p);
        return;
      default:
        return;
    }
  }

  private allocId(): number {
    // Packet ids 1..65535, skipping ids still in flight.
    for (let i = 0; i < 65535; i++) {
      this.nextId = (this.nextId % 65535) + 1;
      if (!this.inflight.has(this.nextId) && !this.subackWaiters.has(this.nextId)) return this.nextId;
    }
    throw new Error('no free packet id');
  }

  /** Publishes; returns the packet id for QoS 1 (PUBACK reported to onPuback), 0 for QoS 0. */
  publish(
    topic: string,
    payload: string | Buffer,
    qos: QoS = 1,
    opts: { retain?: boolean; dup?: boolean; messageId?: number } = {},
  ): number {
    if (this.closed) return -1;
    const messageId = qos > 0 ? (opts.messageId ?? this.allocId()) : undefined;
    const buf = mqttPacket.generate({
      cmd: 'publish',
      topic,
      payload,
      qos,
      retain: opts.retain ?? false,
      dup: opts.dup ?? false,
      ...(messageId !== undefined ? { messageId } : {}),
    });
    if (messageId !== undefined) this.inflight.set(messageId, performance.now());
    this.write(buf);
    return messageId ?? 0;
  }

  subscribe(topic: string, qos: QoS = 1): Promise<number[]> {
    const messageId = this.allocId();
    return new Promise((resolve) => {
      this.subackWaiters.set(messageId, resolve);
      this.write(mqttPacket.generate({ cmd: 'subscribe', messageId, subscriptions: [{ topic, qos }] }));
    });
  }

  /** PINGREQ; resolves on PINGRESP. */
  ping(): Promise<void> {
    return new Promise((resolve) => {
      this.pingWaiters.push(resolve);
      this.write(mqttPacket.generate({ cmd: 'pingreq' }));
    });
  }

  /** Raw bytes, for fault injection. */
  write(buf: Buffer): boolean {
    if (this.closed || this.socket.destroyed) return false;
    return this.socket.write(buf);
  }

  /** Stop reading the socket: the peer's writes back up (a slow consumer). */
  pauseReading(): void {
    this.socket.pause();
  }

  /** Orderly MQTT DISCONNECT (no Last Will) and close. */
  async disconnect(): Promise<void> {
    if (this.closed) return;
    this.socket.end(mqttPacket.generate({ cmd: 'disconnect' }));
    await this.closedPromise;
  }

  /** Abrupt loss: the TCP connection vanishes without DISCONNECT (the broker publishes the Last Will). */
  destroy(): void {
    this.socket.destroy();
  }
}
