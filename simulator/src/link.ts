// A shaped network link between a virtual device's MQTT client and its TCP socket: latency with
// jitter, lost QoS 0 messages, and lost QoS 1 PUBLISH or PUBACK packets repaired by redelivery with
// the DUP flag and the same packet id, as embedded MQTT clients do when an acknowledgement times out.
import net from 'node:net';
import { Duplex } from 'node:stream';
import mqttPacket, { type IPublishPacket, type Packet } from 'mqtt-packet';
import type { Rng } from './rng.js';

/** Timers and time, as a port: real time on the command line, a virtual clock in tests. */
export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): { cancel(): void };
}

export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const h = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(h) };
  },
};

export interface NetworkProfile {
  /** one-way latency added to every packet the device sends, ms */
  delayMs?: number;
  /** uniform extra latency 0..jitterMs (order is kept, as on TCP) */
  jitterMs?: number;
  /** probability a device->server message is lost: QoS 0 is gone; QoS 1 is redelivered (DUP) after retryMs */
  loss?: number;
  /** probability the PUBACK of a QoS 1 message is lost: the server then receives it twice (second with DUP) */
  ackLoss?: number;
  /** how long the device waits for a PUBACK before redelivering, ms */
  retryMs?: number;
}

export interface LinkStats {
  packetsSent: number;
  qos0Lost: number;
  publishesLost: number;
  acksLost: number;
  redelivered: number;
}

export class ShapedLink extends Duplex {
  readonly socket: net.Socket;
  readonly stats: LinkStats = { packetsSent: 0, qos0Lost: 0, publishesLost: 0, acksLost: 0, redelivered: 0 };
  private readonly outParser = mqttPacket.parser({ protocolVersion: 4 });
  private readonly inParser = mqttPacket.parser({ protocolVersion: 4 });
  /** release time of the last packet sent, so jitter never reorders the stream */
  private lastRelease = 0;
  /** packet ids whose first PUBACK the network will lose, with the PUBLISH to redeliver */
  private readonly ackToLose = new Map<number, IPublishPacket>();
  private readonly timers = new Set<{ cancel(): void }>();

  constructor(
    host: string,
    port: number,
    private readonly profile: NetworkProfile,
    private readonly rng: Rng,
    private readonly clock: Timers,
  ) {
    super();
    this.socket = net.connect({ host, port });
    this.socket.setNoDelay(true);
    this.socket.on('connect', () => this.emit('connect'));
    this.socket.on('data', (buf: Buffer) => this.inParser.parse(buf));
    this.socket.on('error', (err) => this.destroy(err));
    this.socket.on('close', () => {
      this.push(null);
      this.destroy();
    });
    this.outParser.on('packet', (p: Packet) => this.outgoing(p));
    this.inParser.on('packet', (p: Packet) => this.incoming(p));
    this.outParser.on('error', (err: Error) => this.destroy(err));
    this.inParser.on('error', (err: Error) => this.destroy(err));
  }

  private after(ms: number, fn: () => void): void {
    const h = this.clock.setTimeout(() => {
      this.timers.delete(h);
      fn();
    }, ms);
    this.timers.add(h);
  }

  private send(p: Packet): void {
    const delay = (this.profile.delayMs ?? 0) + (this.profile.jitterMs ? this.rng.next() * this.profile.jitterMs : 0);
    const write = () => {
      if (this.socket.destroyed) return;
      this.stats.packetsSent++;
      this.socket.write(mqttPacket.generate(p));
    };
    if (delay <= 0 && this.lastRelease <= this.clock.now()) return write();
    const release = Math.max(this.clock.now() + delay, this.lastRelease);
    this.lastRelease = release;
    this.after(release - this.clock.now(), write);
  }

  private outgoing(p: Packet): void {
    if (p.cmd === 'publish') {
      const retryMs = this.profile.retryMs ?? 5000;
      if (p.qos === 0 && this.roll(this.profile.loss)) {
        this.stats.qos0Lost++;
        return;
      }
      if (p.qos === 1 && p.messageId !== undefined) {
        if (this.roll(this.profile.loss)) {
          this.stats.publishesLost++;
          this.after(retryMs, () => this.redeliver(p));
          return;
        }
        if (this.roll(this.profile.ackLoss)) this.ackToLose.set(p.messageId, p);
      }
    }
    this.send(p);
  }

  private redeliver(p: IPublishPacket): void {
    this.stats.redelivered++;
    // [MQTT-3.3.1-1] DUP is set on a redelivery, with the original packet id
    this.send({ ...p, dup: true });
  }

  private incoming(p: Packet): void {
    if (p.cmd === 'puback' && p.messageId !== undefined) {
      const lost = this.ackToLose.get(p.messageId);
      if (lost) {
        this.ackToLose.delete(p.messageId);
        this.stats.acksLost++;
        this.after(this.profile.retryMs ?? 5000, () => this.redeliver(lost));
        return;
      }
    }
    this.push(mqttPacket.generate(p));
  }

  private roll(p: number | undefined): boolean {
    return p !== undefined && p > 0 && this.rng.next() < p;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.outParser.parse(chunk);
    cb();
  }

  override _read(): void {
    // data is pushed as packets arrive
  }

  override _final(cb: (err?: Error | null) => void): void {
    // Let delayed packets (e.g. DISCONNECT) go out before closing.
    const wait = Math.max(0, this.lastRelease - this.clock.now());
    if (wait === 0) {
      this.socket.end();
      return cb();
    }
    this.after(wait + 1, () => this.socket.end());
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    for (const t of this.timers) t.cancel();
    this.timers.clear();
    this.socket.destroy();
    cb(err);
  }
}
