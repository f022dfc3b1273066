// Minimal MQTT 3.1.1 client for the gateway uplink. Why not mqtt.js: its per-message overhead caps
// QoS 1 publishing near 25k msg/s on one core; the gateway must relay >= 50k frames/s. This client
// encodes PUBLISH packets straight into one buffer per event-loop turn (one write), tracks PUBACKs,
// and has no offline queue or automatic resend: the bridge's store-and-forward owns that.
// Control packets (CONNECT, SUBSCRIBE, ...) and all parsing use mqtt-packet.
import net from 'node:net';
import tls from 'node:tls';
import mqttPacket from 'mqtt-packet';

export interface UplinkOptions {
  clientId: string;
  username: string;
  password: string;
  keepaliveS: number;
  connectTimeoutMs: number;
  will: { topic: string; payload: string };
  /** CA certificates (PEM) trusted for mqtts://; the server's certificate is always verified */
  ca?: Buffer;
}

export interface UplinkEvents {
  onConnect(): void;
  onMessage(topic: string, payload: Buffer): void;
  /** once per connection, whatever the cause (refused, timeout, broker closed, network) */
  onClose(reason: string): void;
}

type Done = (err?: Error) => void;

export class Uplink {
  private readonly sock: net.Socket;
  private readonly parser = mqttPacket.parser({ protocolVersion: 4 });
  private readonly acks = new Map<number, Done>();
  private nextId = 1;
  private out: Buffer[] = [];
  private outScheduled = false;
  private closed = false;
  private lastRx = Date.now();
  private readonly timers: NodeJS.Timeout[] = [];
  connected = false;

  constructor(
    url: string,
    private readonly o: UplinkOptions,
    private readonly ev: UplinkEvents,
  ) {
    const u = new URL(url);
    const port = Number(u.port) || (u.protocol === 'mqtts:' ? 8883 : 1883);
    if (u.protocol === 'mqtt:' || u.protocol === 'tcp:') this.sock = net.connect(port, u.hostname);
    else if (u.protocol === 'mqtts:')
      this.sock = tls.connect({ port, host: u.hostname, servername: u.hostname, ...(o.ca ? { ca: o.ca } : {}) });
    else throw new Error(`unsupported MQTT URL scheme ${u.protocol} (use mqtt:// or mqtts://)`);
    this.sock.setNoDelay(true);
    const connectEvent = u.protocol === 'mqtts:' ? 'secureConnect' : 'connect';
    this.sock.once(connectEvent, () => {
      this.sock.write(
        mqttPacket.generate({
          cmd: 'connect',
          protocolId: 'MQTT',
          protocolVersion: 4,
          clean: true,
          clientId: o.clientId,
          keepalive: o.keepaliveS,
          username: o.username,
          password: Buffer.from(o.password),
          will: { topic: o.will.topic, payload: Buffer.from(o.will.payload), qos: 1, retain: true },
        }),
      );
    });
    this.sock.on('data', (d: Buffer) => {
      this.lastRx = Date.now();
      this.parser.parse(d);
    });
    this.sock.on('error', () => undefined);
    this.sock.on('close', () => this.shutdown('connection closed'));
    this.parser.on('error', () => this.shutdown('malformed packet from broker'));
    this.parser.on('packet', (p) => this.onPacket(p));
    this.timers.push(
      setTimeout(() => {
        if (!this.connected) this.shutdown('connect timeout');
      }, o.connectTimeoutMs),
    );
    // Keepalive: a PINGREQ every half interval; nothing heard for 1.5 intervals = dead link.
    this.timers.push(
      setInterval(
        () => {
          if (!this.connected) return;
          if (Date.now() - this.lastRx > o.keepaliveS * 1500) return this.shutdown('keepalive timeout');
          this.enqueue(mqttPacket.generate({ cmd: 'pingreq' }));
        },
        (o.keepaliveS * 1000) / 2,
      ),
    );
    for (const t of this.timers) t.unref();
  }

  private onPacket(p: mqttPacket.Packet): void {
    switch (p.cmd) {
      case 'connack':
        if (p.returnCode !== 0) return this.shutdown(`connection refused (CONNACK ${p.returnCode ?? '?'})`);
        this.connected = true;
        this.ev.onConnect();
        return;
      case 'puback': {
        const id = p.messageId ?? -1;
        const done = this.acks.get(id);
        this.acks.delete(id);
        done?.();
        return;
      }
      case 'publish':
        if (p.qos === 1 && p.messageId !== undefined) this.enqueue(mqttPacket.generate({ cmd: 'puback', messageId: p.messageId }));
        this.ev.onMessage(p.topic, Buffer.isBuffer(p.payload) ? p.payload : Buffer.from(p.payload));
        return;
      default:
        return; // suback, pingresp: nothing to do
    }
  }

  /** QoS 1 publish; done runs on PUBACK, or with an error when the connection ends first. */
  publish(topic: string, payload: string, retain: boolean, done: Done): void {
    if (!this.connected) return done(new Error('not connected'));
    let id = this.nextId;
    for (let tries = 0; this.acks.has(id); tries++) {
      if (tries > 65535) return done(new Error('no free packet id'));
      id = id === 65535 ? 1 : id + 1;
    }
    this.nextId = id === 65535 ? 1 : id + 1;
    this.acks.set(id, done);
    const tlen = Buffer.byteLength(topic);
    const plen = Buffer.byteLength(payload);
    const rem = 2 + tlen + 2 + plen;
    const lenBytes = rem < 128 ? 1 : rem < 16_384 ? 2 : rem < 2_097_152 ? 3 : 4;
    const buf = Buffer.allocUnsafe(1 + lenBytes + rem);
    buf[0] = 0x32 | (retain ? 1 : 0); // PUBLISH, QoS 1
    let o = 1;
    for (let x = rem; ;) {
      const b = x & 0x7f;
      x >>>= 7;
      buf[o++] = x > 0 ? b | 0x80 : b;
      if (x === 0) break;
    }
    buf.writeUInt16BE(tlen, o);
    o += 2;
    o += buf.write(topic, o);
    buf.writeUInt16BE(id, o);
    o += 2;
    buf.write(payload, o);
    this.enqueue(buf);
  }

  subscribe(topic: string): void {
    this.enqueue(mqttPacket.generate({ cmd: 'subscribe', messageId: 65535 - (this.nextId % 100), subscriptions: [{ topic, qos: 1 }] }));
  }

  /** Everything written in one turn goes out in one write. */
  private enqueue(b: Buffer): void {
    this.out.push(b);
    if (this.outScheduled) return;
    this.outScheduled = true;
    setImmediate(() => {
      this.outScheduled = false;
      if (this.closed || this.out.length === 0) return;
      const chunk = this.out.length === 1 ? this.out[0]! : Buffer.concat(this.out);
      this.out = [];
      this.sock.write(chunk);
    });
  }

  /** Clean goodbye (no Last Will): waits for outstanding PUBACKs up to timeoutMs. */
  async end(timeoutMs = 2000): Promise<void> {
    if (this.closed) return;
    const deadline = Date.now() + timeoutMs;
    while (this.acks.size > 0 && Date.now() < deadline && !this.closed) await new Promise((r) => setTimeout(r, 10));
    if (this.closed) return;
    this.out.push(mqttPacket.generate({ cmd: 'disconnect' }));
    const chunk = Buffer.concat(this.out);
    this.out = [];
    await new Promise<void>((r) => this.sock.end(chunk, () => r()));
    this.shutdown('ended');
  }

  destroy(): void {
    this.shutdown('destroyed');
  }

  private shutdown(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.connected = false;
    for (const t of this.timers) clearInterval(t);
    this.sock.destroy();
    const pending = [...this.acks.values()];
    this.acks.clear();
    const err = new Error(reason);
    for (const done of pending) done(err);
    this.ev.onClose(reason);
  }
}
