// Embedded MQTT broker (aedes 1.2, MQTT 3.1.1) on TCP and, through the HTTP server, WebSocket.
// Devices authenticate with their id and secret (scrypt-hashed in the store) and may publish and
// subscribe only under odart/v1/devices/{their id}/. A gateway (device kind 'gateway') may also
// publish under the topics of the devices registered to it (gateway_devices); it is told that list
// on its config topic when it subscribes. $SYS/ is refused to every client. Every connection passes
// the same limits first: connections per address, packet size (packet-guard.ts), login throttle.
import { createHash } from 'node:crypto';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { verifySecret } from '../auth/secrets.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import {
  gatewayConfigTopic,
  parseTopic,
  type CommandPayload,
  type GatewayConfigPayload,
  type ParsedTopic,
  deviceTopic,
} from '@odart/protocol';
import type { GatewayRepo, Repos } from '../store/index.js';
import { guardStream, PacketGuard } from './packet-guard.js';
import type { DeviceBroker } from './port.js';
import { LoginThrottle } from './throttle.js';

/** Largest packet before login: a CONNECT carries an id, a secret and a small Last Will. */
export const MAX_CONNECT_BYTES = 4096;
/** Room for a PUBLISH's topic and packet id on top of MAX_PAYLOAD_BYTES. */
export const PACKET_OVERHEAD_BYTES = 1024;

export interface BrokerDeps {
  repos: Repos;
  log: Logger;
  metrics: Metrics;
  drainTimeoutMs: number;
  clock: Clock;
  /** payloads above this are dropped without being buffered (MAX_PAYLOAD_BYTES) */
  maxPayloadBytes: number;
  /** live connections from one address (an IPv6 /64 counts as one); 0 = no limit */
  maxConnectionsPerAddress: number;
  /** an authenticated device sent a PUBLISH over the size limit; it was skipped */
  onOversized?: (deviceId: string | undefined) => void;
  /** every message a device published (after ACL), including Last Wills; its topic parsed once, here */
  /**
   * A returned promise (a discrete message's consequence, ingest's DURABLE_STREAMS) is not waited for here: aedes
   * acknowledged the press when it was authorized (allowPublish). One process, no other core to redeliver to.
   */
  onDeviceMessage: (topic: ParsedTopic, payload: Buffer, rawTopic: string) => void | Promise<void>;
  /** connection state of a device changed */
  onPresence?: (deviceId: string, online: boolean) => void;
}

function authError(message: string): AuthenticateError {
  const err = new Error(message) as AuthenticateError;
  err.returnCode = 5 as AuthenticateError['returnCode']; // CONNACK 5: not authorized
  return err;
}

export class Broker implements DeviceBroker {
  readonly mode = 'embedded' as const;
  readonly aedes: Aedes;
  private tcp: net.Server | null = null;
  private tlsServer: tls.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  /** client -> authenticated device id */
  private readonly deviceOf = new WeakMap<Client, string>();
  /** device id -> sha256(secret) of the last verified secret and the stored hash it matched */
  private readonly verified = new Map<string, { digest: string; stored: string }>();
  /** gateway client -> devices it may publish for (loaded at connect, refreshed on a miss) */
  private readonly gatewayDevices = new WeakMap<Client, Set<string>>();
  private readonly gateways: GatewayRepo;
  private readonly gatewayClients = new Set<Client>();
  /** per connection stream: its address key and packet guard */
  private readonly conns = new WeakMap<object, { address: string; guard: PacketGuard }>();
  private readonly perAddress = new Map<string, number>();
  private readonly throttle: LoginThrottle;

  private constructor(
    aedes: Aedes,
    private readonly d: BrokerDeps,
  ) {
    this.aedes = aedes;
    this.gateways = d.repos.gateways;
    this.throttle = new LoginThrottle(d.clock);
  }

  static async create(d: BrokerDeps): Promise<Broker> {
    const aedes = await Aedes.createBroker({
      drainTimeout: d.drainTimeoutMs,
      connectTimeout: 10_000,
      heartbeatInterval: 60_000,
      maxClientsIdLength: 128,
      maxTopicLevels: 8,
      queueLimit: 100,
    });
    const b = new Broker(aedes, d);
    b.wire();
    return b;
  }

  private wire(): void {
    const { aedes, d } = this;
    aedes.authenticate = (client, username, password, done) => {
      const conn = this.conns.get(client.conn);
      const address = conn?.address ?? 'unknown';
      const id = username ?? '';
      if (!this.throttle.allowed(address, id)) {
        d.metrics.mqttAuthFailures.inc({ kind: 'throttled' });
        return done(authError('not authorized'), false);
      }
      this.authenticate(client, username, password).then(
        (ok) => {
          if (ok) {
            this.throttle.succeeded(address, id);
            conn?.guard.loggedInWith(d.maxPayloadBytes + PACKET_OVERHEAD_BYTES);
            done(null, true);
          } else {
            this.throttle.failed(address, id);
            d.metrics.mqttAuthFailures.inc({ kind: 'connect' });
            done(authError('not authorized'), false);
          }
        },
        (err: unknown) => {
          d.log.error({ err }, 'mqtt authenticate failed');
          done(authError('not authorized'), false);
        },
      );
    };
    aedes.authorizePublish = (client, packet, cb) => {
      const topic = packet.topic;
      if (topic.startsWith('$SYS')) return cb(new Error('$SYS/ topic is reserved'));
      const parsed = parseTopic(topic);
      // Parsed once per message: the publish event and ingest get this result, not the text again.
      this.topics.set(packet, parsed);
      if (client === null) {
        // A Last Will published after its client has gone: only a device status topic is acceptable.
        return parsed.kind === 'device' && parsed.stream === 'status' ? cb(null) : cb(new Error('not allowed'));
      }
      const deviceId = this.deviceOf.get(client);
      if (!deviceId || parsed.kind !== 'device') return this.refusePublish(client, deviceId, topic, cb);
      if (parsed.deviceId === deviceId) return this.allowPublish(packet, parsed, cb);
      const relayed = this.gatewayDevices.get(client);
      if (!relayed) return this.refusePublish(client, deviceId, topic, cb);
      if (relayed.has(parsed.deviceId)) return this.allowPublish(packet, parsed, cb);
      // Not in the list loaded at connect: the device may have been registered since.
      this.gateways.gatewayMayPublishFor(deviceId, parsed.deviceId).then(
        (ok) => {
          if (!ok) return this.refusePublish(client, deviceId, topic, cb);
          relayed.add(parsed.deviceId);
          this.allowPublish(packet, parsed, cb);
        },
        (err: unknown) => {
          d.log.error({ err }, 'gateway ACL lookup failed');
          this.refusePublish(client, deviceId, topic, cb);
        },
      );
    };
    aedes.authorizeSubscribe = (client, sub, cb) => {
      const deviceId = this.deviceOf.get(client);
      // Least privilege: a device may only receive what the server sends it (its command topic, and a
      // gateway its config). Subscribing to its own data topics would let one client make the broker
      // echo a flood back to a socket it does not read; aedes' delivery queue then unwinds by deep
      // recursion when that client is dropped (a stack overflow found by the faults suite).
      const ok = deviceId !== undefined && (sub.topic === deviceTopic(deviceId, 'command') || sub.topic === gatewayConfigTopic(deviceId));
      if (!ok) {
        d.metrics.mqttAuthFailures.inc({ kind: 'subscribe' });
        return cb(null, null); // negated: SUBACK 0x80, connection kept
      }
      cb(null, sub);
    };
    aedes.on('publish', (packet, client) => {
      if (this.taken.delete(packet)) return; // a button press, handed over when it was authorized
      if (packet.topic.startsWith('$SYS')) return;
      // Our own command publishes have client null and a command topic (never authorized, so parsed here); ingest ignores those.
      const parsed = this.topics.get(packet) ?? parseTopic(packet.topic);
      if (client === null && parsed.kind !== 'device') return;
      const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
      this.enqueue(parsed, packet.topic, payload);
    });
    aedes.on('subscribe', (subs, client) => {
      const id = this.deviceOf.get(client);
      if (id && this.gatewayDevices.has(client) && subs.some((s) => s.topic === gatewayConfigTopic(id))) {
        this.sendGatewayConfig(client, id).catch((err: unknown) => d.log.error({ err, gatewayId: id }, 'sending gateway config failed'));
      }
    });
    aedes.on('clientReady', (client) => {
      d.metrics.mqttClients.set(aedes.connectedClients);
      const id = this.deviceOf.get(client);
      if (id) d.onPresence?.(id, true);
    });
    aedes.on('clientDisconnect', (client) => {
      this.gatewayClients.delete(client);
      d.metrics.mqttClients.set(aedes.connectedClients);
      const id = this.deviceOf.get(client);
      if (id) d.onPresence?.(id, false);
    });
    aedes.on('clientError', (client, err) => {
      // keepalive timeouts are counted below under their own kind
      if (err.message !== 'keep alive timeout') d.metrics.mqttConnectionErrors.inc({ kind: 'client' });
      d.log.debug({ clientId: client.id, err: err.message }, 'mqtt client error');
    });
    aedes.on('connectionError', (_client, err) => {
      d.metrics.mqttConnectionErrors.inc({ kind: 'connection' });
      d.log.debug({ err: err.message }, 'mqtt connection error');
    });
    aedes.on('keepaliveTimeout', (client) => {
      // A half-open connection (device vanished without closing TCP): aedes drops it after 1.5 x keepalive.
      d.metrics.mqttConnectionErrors.inc({ kind: 'keepalive_timeout' });
      d.log.debug({ clientId: client.id }, 'mqtt keepalive timeout');
    });
  }

  /**
   * Button presses are handed to ingest as soon as they are authorized: aedes acknowledges a QoS 1
   * publish first and only then, on a setImmediate, emits it, and under 10,000 busy connections that
   * wait alone reached hundreds of milliseconds. Should the PUBACK fail, the device sends the press
   * again, which is the same call for help (an open alert is not raised twice).
   */
  private readonly taken = new WeakSet<object>();
  /** the topic of each authorized packet, parsed in authorizePublish */
  private readonly topics = new WeakMap<object, ParsedTopic>();

  private allowPublish(
    packet: { topic: string; payload: Buffer | string },
    parsed: ParsedTopic & { kind: 'device' },
    cb: (err: Error | null) => void,
  ): void {
    if (parsed.stream === 'button') {
      this.taken.add(packet);
      this.enqueue(parsed, packet.topic, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload));
    }
    cb(null);
  }

  private refusePublish(client: Client, deviceId: string | undefined, topic: string, cb: (err: Error | null) => void): void {
    this.d.metrics.mqttAuthFailures.inc({ kind: 'publish' });
    this.d.log.warn({ clientId: client.id, deviceId, topic: topic.slice(0, 120) }, 'mqtt publish refused by ACL');
    cb(new Error('not allowed'));
  }

  /**
   * Device messages are handed to ingest from a queue drained in a microtask, in order, never from
   * inside aedes' delivery callback: under a flood aedes (mqemitter) can process its backlog by
   * synchronous recursion, and validation and detection stacked on top of that overflowed the call
   * stack in a fault test. A microtask runs once that stack has unwound, and before the event loop
   * moves on: a setImmediate here waited behind the whole poll phase, which under 10,000 busy
   * connections lasted hundreds of milliseconds (docs/performance.md). Nothing thrown here can
   * reach the broker. (Drained after every I/O callback, the queue never builds a backlog for a
   * help press to wait behind; presses are also taken early, see allowPublish.)
   */
  private inbox: { parsed: ParsedTopic; topic: string; payload: Buffer }[] = [];
  private draining = false;

  private enqueue(parsed: ParsedTopic, topic: string, payload: Buffer): void {
    this.inbox.push({ parsed, topic, payload });
    if (!this.draining) {
      this.draining = true;
      queueMicrotask(() => this.drainInbox());
    }
  }

  private handOver(m: { parsed: ParsedTopic; topic: string; payload: Buffer }): void {
    try {
      void this.d.onDeviceMessage(m.parsed, m.payload, m.topic);
    } catch (err) {
      this.d.log.error({ err }, 'device message handling failed');
    }
  }

  private drainInbox(): void {
    // anything enqueued meanwhile (a handler's own publish) is handled in the same pass, in order
    for (let i = 0; i < this.inbox.length; i++) this.handOver(this.inbox[i]!);
    this.inbox = [];
    this.draining = false;
  }

  private async authenticate(client: Client, username: string | undefined, password: Buffer | undefined): Promise<boolean> {
    if (!username || !password) return false;
    // The client id must be the device id itself: no one can take over another device's session, and a
    // device has one live session, as a reconnect replaces the old one (aedes takeover, MQTT-3.1.4-2).
    if (client.id !== username) return false;
    const device = await this.d.repos.deviceById(username);
    if (!device) return false;
    const digest = createHash('sha256').update(password).digest('hex');
    const cached = this.verified.get(device.id);
    let ok = cached !== undefined && cached.stored === device.secret_hash && cached.digest === digest;
    if (!ok) {
      ok = await verifySecret(password.toString('utf8'), device.secret_hash);
      if (ok) this.verified.set(device.id, { digest, stored: device.secret_hash });
    }
    if (ok) {
      this.deviceOf.set(client, device.id);
      if (device.kind === 'gateway') {
        this.gatewayDevices.set(client, new Set(await this.gateways.devicesForGateway(device.id)));
        // tracked from here, not from clientReady, so a registry change in between revokes this list too
        this.gatewayClients.add(client);
      }
    }
    return ok;
  }

  /** Reloads a gateway's devices and tells it, so it stops relaying devices no longer registered to it. */
  private async sendGatewayConfig(client: Client, gatewayId: string): Promise<void> {
    const devices = await this.gateways.devicesForGateway(gatewayId);
    this.gatewayDevices.set(client, new Set(devices));
    const cfg: GatewayConfigPayload = { devices };
    this.aedes.publish(
      {
        cmd: 'publish',
        topic: gatewayConfigTopic(gatewayId),
        payload: Buffer.from(JSON.stringify(cfg)),
        qos: 1,
        retain: false,
        dup: false,
      },
      (err) => {
        if (err) this.d.log.warn({ gatewayId, err: err.message }, 'gateway config publish failed');
      },
    );
  }

  /** Call after a gateway's device registrations changed (admin API): connected sessions get the new list. */
  async gatewayChanged(gatewayId: string): Promise<void> {
    for (const client of [...this.gatewayClients]) {
      if (this.deviceOf.get(client) === gatewayId && this.gatewayDevices.has(client)) await this.sendGatewayConfig(client, gatewayId);
    }
  }

  /** Start the TCP listener; resolves with the bound port. */
  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const server = net.createServer((socket) => {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
        if (this.admit(socket, socket.remoteAddress)) this.attach(socket, socket.remoteAddress);
      });
      server.once('error', reject);
      server.listen(port, host, () => {
        this.tcp = server;
        const addr = server.address();
        resolve(typeof addr === 'object' && addr ? addr.port : port);
      });
    });
  }

  /**
   * Start the MQTT over TLS listener (MQTT_TLS_PORT); resolves with the bound port. The per-address
   * limit applies from the TCP connection on, so unfinished handshakes count too.
   */
  listenTls(port: number, host: string, creds: { cert: Buffer; key: Buffer }): Promise<number> {
    return new Promise((resolve, reject) => {
      const server = tls.createServer({ cert: creds.cert, key: creds.key, handshakeTimeout: 10_000, minVersion: 'TLSv1.2' }, (socket) => {
        socket.on('error', () => undefined);
        this.attach(socket, socket.remoteAddress);
      });
      server.on('connection', (raw: net.Socket) => {
        this.sockets.add(raw);
        raw.on('close', () => this.sockets.delete(raw));
        this.admit(raw, raw.remoteAddress);
      });
      // failed handshakes (a client that does not trust the certificate, a scanner) are not errors of ours
      server.on('tlsClientError', () => this.d.metrics.mqttConnectionErrors.inc({ kind: 'tls' }));
      server.once('error', reject);
      server.listen(port, host, () => {
        this.tlsServer = server;
        const addr = server.address();
        resolve(typeof addr === 'object' && addr ? addr.port : port);
      });
    });
  }

  /** Hand a WebSocket stream (MQTT over WebSocket) to the broker; address: the client's (req.ip). */
  handleStream(stream: Duplex, address?: string): void {
    if (this.admit(stream, address)) this.attach(stream, address);
  }

  /** The per-address connection limit: false (and the stream destroyed) when the address has its fill. */
  private admit(stream: Duplex, remoteAddress: string | undefined): boolean {
    const address = addressKey(remoteAddress);
    const max = this.d.maxConnectionsPerAddress;
    const open = this.perAddress.get(address) ?? 0;
    if (max > 0 && open >= max) {
      this.d.metrics.mqttConnectionsRefused.inc({ reason: 'per_address' });
      stream.destroy();
      return false;
    }
    this.perAddress.set(address, open + 1);
    stream.once('close', () => {
      const n = (this.perAddress.get(address) ?? 1) - 1;
      if (n > 0) this.perAddress.set(address, n);
      else this.perAddress.delete(address);
    });
    return true;
  }

  /** Every admitted connection, whatever the transport: the packet guard, then aedes. */
  private attach(stream: Duplex, remoteAddress: string | undefined): void {
    const address = addressKey(remoteAddress);
    const of: { client?: Client } = {};
    const guard = new PacketGuard(stream, MAX_CONNECT_BYTES, {
      refused: () => this.d.metrics.mqttConnectionsRefused.inc({ reason: 'too_large_before_login' }),
      // only after login, so the client is known
      oversized: () => this.d.onOversized?.(of.client && this.deviceOf.get(of.client)),
    });
    guardStream(stream, guard);
    this.conns.set(stream, { address, guard });
    of.client = this.aedes.handle(stream);
  }

  sendCommand(deviceId: string, cmd: CommandPayload): void {
    this.aedes.publish(
      {
        cmd: 'publish',
        topic: deviceTopic(deviceId, 'command'),
        payload: Buffer.from(JSON.stringify(cmd)),
        qos: 1,
        retain: false,
        dup: false,
      },
      (err) => {
        if (err) this.d.log.warn({ deviceId, err: err.message }, 'command publish failed');
      },
    );
  }

  /**
   * Call when a device was added, re-keyed or removed: its verified secret is dropped, and every
   * connected gateway that may relay for it loses that right at once and is told its new list (a
   * right is granted again only by the registry, on the next miss).
   */
  forgetDevice(deviceId: string): void {
    this.verified.delete(deviceId);
    for (const client of [...this.gatewayClients]) {
      if (client.closed) {
        this.gatewayClients.delete(client);
        continue;
      }
      const relayed = this.gatewayDevices.get(client);
      const gatewayId = this.deviceOf.get(client);
      if (!relayed?.delete(deviceId) || gatewayId === undefined) continue;
      this.sendGatewayConfig(client, gatewayId).catch((err: unknown) =>
        this.d.log.error({ err, gatewayId }, 'sending gateway config failed'),
      );
    }
  }

  /** Closes a device's live connection (its key was rotated or it was removed). */
  disconnectDevice(deviceId: string): void {
    const clients = (this.aedes as unknown as { clients: Record<string, Client | undefined> }).clients;
    clients[deviceId]?.close();
  }

  get closed(): boolean {
    return this.aedes.closed;
  }

  async close(): Promise<void> {
    const servers = [this.tcp, this.tlsServer].filter((s): s is net.Server => s !== null);
    this.tcp = null;
    this.tlsServer = null;
    if (servers.length > 0) {
      const closing = Promise.all(servers.map((srv) => new Promise<void>((r) => srv.close(() => r()))));
      for (const s of this.sockets) s.destroy();
      await closing;
    }
    if (!this.aedes.closed) await new Promise<void>((r) => this.aedes.close(() => r()));
    // Messages already acknowledged to devices are handed to ingest before the store closes.
    this.drainInbox();
  }
}

/**
 * The key connections and login failures are counted under: an IPv4 address (also when IPv4-mapped),
 * or the /64 prefix of an IPv6 address, since one host is usually given a whole /64.
 */
export function addressKey(address: string | undefined): string {
  if (!address) return 'unknown';
  const a = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
  if (!a.includes(':')) return a;
  const [head = '', tail = ''] = a.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = a.includes('::') ? [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t] : h;
  return (
    groups
      .slice(0, 4)
      .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''))
      .join(':') + '::/64'
  );
}
