// External broker mode (MQTT_URL): devices connect to Mosquitto 2, and the server is a privileged client of it.
// Two connections, by role (issue 14): every node holds a *control* connection with its own client id (clean
// session, no device subscription: device commands, and the provisioning port's dynamic-security messages); only
// the active core also holds the *session*: the fixed, shared client id (MQTT_CLIENT_ID) with clean session off and
// QoS 1 subscriptions to the device topics, so Mosquitto keeps it while no core holds it and delivers what devices
// published meanwhile to the next core that opens it. A standby never connects with the shared id (two clients on
// one id throw the session back and forth). Messages go into the same ingest path as the embedded broker's (topic
// parsed once here, oversized payloads counted, Last Wills are ordinary status messages). Device credentials and ACL
// live in Mosquitto, put there by the provisioning port (provisioning.ts).
// The session is two: the continuous streams (vitals, presence, status) under MQTT_CLIENT_ID, and the discrete ones
// (a help or OK press, a door: `discreteStreams`) under `discreteSessionId(MQTT_CLIENT_ID)`. Mosquitto bounds what it
// queues for a session while no core holds it (`max_queued_messages`) and drops the newest past the bound, after
// acknowledging them to the device: on one queue, a takeover at 10,000 wearers fills it with vitals in seconds
// (rate x gap, docs/operations.md) and a press made then is dropped (test/session-queues.int.test.ts shows it at a
// bound of 50). The discrete session's queue holds only the rare messages.
import type { Duplex } from 'node:stream';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import {
  DEVICE_STREAMS,
  TOPIC_ROOT,
  deviceTopic,
  parseTopic,
  type CommandPayload,
  type DeviceStream,
  type ParsedTopic,
} from '@odart/protocol';
import { systemClock, type Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { DeviceBroker } from './port.js';
import { SessionTurns } from './session-turns.js';

/** How long close() waits for what is in flight (commands, control requests) to be acknowledged before ending forcibly. */
export const CLOSE_GRACE_MS = 2000;

export interface ExternalBrokerDeps {
  /** mqtt://host:port or mqtts://host:port */
  url: string;
  username: string;
  password: string;
  /** the fixed client id of the core's persistent session in the broker (MQTT_CLIENT_ID, the same on every node) */
  clientId: string;
  /** this node's own client id for its control connection (never the session's) */
  controlClientId: string;
  /** the streams on the session's queue of their own (ingest's DURABLE_STREAMS: rare, and none may be dropped) */
  discreteStreams: ReadonlySet<DeviceStream>;
  /** CA certificates (PEM) to trust for mqtts:// (MQTT_CA_FILE); null = the system's */
  ca?: Buffer | null;
  log: Logger;
  /** bounds close() (CLOSE_GRACE_MS); the system clock when absent */
  clock?: Clock;
  /** payloads above this are counted as too large and not parsed (MAX_PAYLOAD_BYTES) */
  maxPayloadBytes: number;
  /**
   * A device message. A promise returned (a discrete message whose consequence must not be lost: ingest's
   * DURABLE_STREAMS) holds its PUBACK until it settles, and the node may still act then: a consequence not stored
   * while this node is the core leaves the message unacknowledged in the session for the next core. Holding one
   * holds its session's stream (mqtt.js handles packets one at a time), so only the discrete streams' messages may
   * return one: their session is their own, and the continuous streams flow meanwhile.
   */
  onDeviceMessage: (topic: ParsedTopic, payload: Buffer, rawTopic: string) => void | Promise<void>;
  onOversized?: (deviceId: string | undefined) => void;
  /**
   * This node may act as the core now (checked for every message the session delivers). When it may not (its renew
   * deadline passed, before its next lease attempt steps it down), the message is not acknowledged and the session
   * is closed at once: the broker keeps it unacknowledged in the session and delivers it again to the next core.
   * Absent: always.
   */
  mayAct?: () => boolean;
  /**
   * The longest a discrete message's PUBACK holds its session's stream (on `clock`; HOLD_MS when absent). Not
   * stored by then while the node still may act (its write fails and is retried): the stream goes on without the
   * PUBACK, so one wearer's failing write cannot stall every other press and door (the vitals have a session of
   * their own); the broker keeps the message unacknowledged and sends it again on the next connection of the
   * session (an open alert is not raised twice).
   */
  holdMs?: number;
}

/** How long a held PUBACK may hold the session's stream by default (the renew window at the default lease). */
export const HOLD_MS = 4000;

/** The client id of the core's session of the discrete streams: `/` is in neither MQTT_CLIENT_ID nor NODE_ID. */
export const discreteSessionId = (clientId: string): string => `${clientId}/discrete`;

/**
 * The core's two sessions, in the order they are opened: client id and subscriptions of each, and what the continuous
 * one no longer takes. The discrete one first: a session made before the split holds the discrete topics too and
 * gives them up (so each press comes once) only after the discrete session holds them (so none falls between).
 */
export function sessionPlan(clientId: string, discrete: ReadonlySet<DeviceStream>): SessionPlan[] {
  const topic = (s: DeviceStream) => `${TOPIC_ROOT}/+/${s}`;
  const onOwnQueue = DEVICE_STREAMS.filter((s) => discrete.has(s)).map(topic);
  const continuous = DEVICE_STREAMS.filter((s) => !discrete.has(s)).map(topic);
  return [
    { clientId: discreteSessionId(clientId), topics: onOwnQueue, dropped: [] },
    { clientId, topics: continuous, dropped: onOwnQueue },
  ];
}

export interface SessionPlan {
  clientId: string;
  topics: string[];
  /** unsubscribed on opening (topics an older session of this id held) */
  dropped: string[];
}

/** One of the core's persistent sessions while open here: its client, and its PUBACKs by loop turn. */
interface OpenSession {
  clientId: string;
  client: MqttClient;
  turns: SessionTurns;
}

const noLog = (): void => undefined;

/**
 * mqtt.js's `log` option: a no-op unless DEBUG asks for mqttjs (`mqttjs*`, `mqttjs:client`, `*`). Without it mqtt.js
 * calls its `debug('mqttjs:client')` logger a dozen times a packet, and each call costs even while DEBUG is off (a
 * rest-argument array and the enabled check): 3-11% of the core's stalls at 10,000 wearers (issue 14).
 */
export function mqttLogOption(debugEnv: string | undefined = process.env.DEBUG): { log?: (...args: unknown[]) => void } {
  const wanted = (debugEnv ?? '').split(/[\s,]+/).some((p) => p !== '' && !p.startsWith('-') && (p === '*' || p.startsWith('mqttjs')));
  return wanted ? {} : { log: noLog };
}

/** Connects one client; resolves on its first CONNACK, rejects (and ends it) on a refused login or an error before. */
async function connectClient(d: ExternalBrokerDeps, options: IClientOptions, beforeConnack?: (c: MqttClient) => void): Promise<MqttClient> {
  const client = mqtt.connect(d.url, {
    username: d.username,
    password: d.password,
    protocolVersion: 4,
    keepalive: 30,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    ...(d.ca ? { ca: d.ca } : {}),
    ...mqttLogOption(),
    ...options,
  });
  beforeConnack?.(client);
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => {
      client.removeListener('connect', onConnect);
      client.removeListener('end', onEnd);
      client.end(true);
      reject(new Error(`MQTT_URL: cannot connect as ${d.username}: ${err.message}`));
    };
    const onConnect = () => {
      client.removeListener('error', onError);
      client.removeListener('end', onEnd);
      resolve();
    };
    // ended before its first CONNACK (a session closed while it opened)
    const onEnd = () => {
      client.removeListener('error', onError);
      client.removeListener('connect', onConnect);
      reject(new Error(`MQTT_URL: the connection as ${String(options.clientId)} was closed before it connected`));
    };
    client.once('error', onError);
    client.once('connect', onConnect);
    client.once('end', onEnd);
  });
  return client;
}

export class ExternalBroker implements DeviceBroker {
  readonly mode = 'external' as const;
  private ended = false;
  /** the persistent sessions (continuous and discrete streams), while this node is the active core */
  private sessions: OpenSession[] | null = null;
  private opening: Promise<void> | null = null;

  private constructor(
    /** this node's control connection; the provisioning adapter sends its control messages over it too */
    readonly client: MqttClient,
    private readonly d: ExternalBrokerDeps,
  ) {}

  /** Opens the control connection (resolves on the first CONNACK, rejects on a refused login). No device data yet. */
  static async connect(d: ExternalBrokerDeps): Promise<ExternalBroker> {
    if (d.controlClientId === d.clientId) throw new Error('MQTT_URL: the control client id must differ from MQTT_CLIENT_ID (the session)');
    const client = await connectClient(d, { clientId: d.controlClientId, clean: true });
    client.on('error', (err) => d.log.warn({ err: err.message }, 'external broker connection error'));
    client.on('offline', () => d.log.warn('external broker unreachable; reconnecting'));
    return new ExternalBroker(client, d);
  }

  /** The persistent sessions are open here (this node is the core, or was told to be). */
  get sessionOpen(): boolean {
    return this.sessions !== null;
  }

  /**
   * Becoming the core: opens the persistent sessions (the shared client ids, clean session off) and subscribes; what
   * the broker queued for them follows at once. Resolves on both first CONNACKs and SUBACKs; rejects (with both
   * closed) when either fails.
   */
  async openSession(): Promise<void> {
    if (this.ended) return;
    if (this.sessions) return this.opening ?? undefined;
    // an earlier opening that a close cut short ends first (its clients are ended; it settles at once)
    while (this.opening) await this.opening.catch(() => undefined);
    if (this.ended || this.sessions) return this.opening ?? undefined;
    const open: OpenSession[] = [];
    this.sessions = open;
    const plans = sessionPlan(this.d.clientId, this.d.discreteStreams);
    const opening = (async () => {
      for (const plan of plans) {
        if (this.sessions !== open) return; // closed meanwhile: the rest is not opened
        await this.openOne(open, plan);
      }
      this.d.log.info({ clientIds: plans.map((p) => p.clientId) }, 'external broker session open');
    })();
    this.opening = opening;
    try {
      await opening;
    } catch (err) {
      // closed while it opened (stepped down): not a failure; else both are closed and the failure said
      if (this.sessions !== open) return;
      this.sessions = null;
      await Promise.all(open.map((o) => o.client.endAsync(true).catch(() => undefined)));
      throw err;
    } finally {
      if (this.opening === opening) this.opening = null;
    }
    // closed while it was opening (stepped down meanwhile): a connection made after the close is ended too
    if (this.sessions !== open) await Promise.all(open.map((o) => o.client.endAsync(true)));
  }

  /** One of the sessions: into `open` before its CONNACK (what the broker kept for it follows at once). */
  private async openOne(open: OpenSession[], plan: SessionPlan): Promise<void> {
    const d = this.d;
    const client = await connectClient(
      d,
      // the subscriptions live in the broker's session; re-made below only when it has none
      { clientId: plan.clientId, clean: false, resubscribe: false },
      (c) => {
        const session: OpenSession = { clientId: plan.clientId, client: c, turns: new SessionTurns(() => c.stream) };
        open.push(session);
        c.handleMessage = (packet, callback) => this.handleMessage(session, packet, callback);
      },
    );
    client.on('error', (err) => d.log.warn({ err: err.message, clientId: plan.clientId }, 'external broker session error'));
    client.on('connect', (connack) => {
      d.log.info({ sessionPresent: connack.sessionPresent, clientId: plan.clientId }, 'external broker session reconnected');
      if (!connack.sessionPresent)
        this.subscribe(client, plan).catch((err: unknown) => d.log.error({ err }, 'external broker subscribe failed'));
    });
    // Ended while it subscribes (closeSession: stepped down with the broker's backlog flowing, a SUBACK behind a
    // message left unacknowledged, which mqtt.js will never read past): the opening ends with it, never hangs.
    await new Promise<void>((resolve, reject) => {
      const onEnd = () => reject(new Error('the session was closed while it opened'));
      client.once('end', onEnd);
      this.subscribe(client, plan)
        .then(resolve, reject)
        .finally(() => client.removeListener('end', onEnd));
    });
  }

  /**
   * A message one of the sessions delivered. PUBACK only while this node may act (mqtt.js acknowledges a QoS 1
   * message once handleMessage calls back): a message it would drop is left unacknowledged and the sessions closed,
   * so the broker keeps it for the next core. A discrete message is acknowledged only once its consequence is stored
   * (ackOnce). The PUBACKs of one loop turn leave in one write, and a turn handles a bounded number of messages
   * (session-turns.ts).
   */
  private handleMessage(session: OpenSession, packet: { topic: string; payload: Buffer | string }, callback: (err?: Error) => void): void {
    const d = this.d;
    const c = session.client;
    if (!(d.mayAct?.() ?? true)) return this.leaveUnacknowledged(c);
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    const stored = this.onMessage(packet.topic, payload);
    // the deadline may pass while it is handled: acknowledged only if the node may still act after it
    if (!stored) return d.mayAct?.() === false ? this.leaveUnacknowledged(c) : session.turns.ack(() => callback());
    const stream = c.stream;
    let held = true;
    const bound = (d.clock ?? systemClock).setTimeout(() => {
      if (!held) return;
      held = false;
      d.log.warn(
        { holdMs: d.holdMs ?? HOLD_MS },
        'a device message not stored in time: left unacknowledged (the broker sends it again), the session goes on',
      );
      // mqtt.js sends no PUBACK for a handleMessage that calls back with an error, and reads on
      callback(new Error('not stored in time'));
    }, d.holdMs ?? HOLD_MS);
    const settle = () => {
      if (!held) return;
      held = false;
      bound.cancel();
      this.ackOnce(c, stream, () => session.turns.ack(() => callback()));
    };
    stored.then(settle, (err: unknown) => {
      // not expected (ingest's consequences never reject): logged, and acknowledged so the stream goes on
      d.log.error({ err }, 'device message handling failed');
      settle();
    });
  }

  /**
   * No longer the core: ends the sessions' connections. The broker keeps the sessions (clean session off): whatever
   * devices publish from now on waits there for the next core; unacknowledged messages are delivered again.
   */
  async closeSession(): Promise<void> {
    const open = this.sessions;
    this.sessions = null;
    if (open) {
      // The PUBACKs each turn corked are of messages handled while the node could act: written now. Then forced: a
      // message held back unacknowledged (mayAct) must not be acknowledged on the way out. Not after the opening:
      // it may wait for a SUBACK that mqtt.js reads only past the message left unacknowledged.
      for (const o of open) o.turns.end();
      await Promise.all(open.map((o) => o.client.endAsync(true)));
    }
    if (this.opening) await this.opening.catch(() => undefined);
  }

  /** QoS 1 on the session's streams; a refused subscription means the server's account lacks its ACL. */
  private async subscribe(client: MqttClient, plan: SessionPlan): Promise<void> {
    if (plan.dropped.length > 0) await client.unsubscribeAsync(plan.dropped);
    const granted = await client.subscribeAsync(plan.topics, { qos: 1 });
    const refused = granted.filter((g) => g.qos !== 1).map((g) => g.topic);
    if (refused.length > 0) {
      throw new Error(
        `MQTT_URL: the broker refused QoS 1 subscriptions of ${this.d.username} to ${refused.join(', ')} (docs/operations.md: the server's account)`,
      );
    }
  }

  private isOpen(c: MqttClient): boolean {
    return this.sessions?.some((o) => o.client === c) ?? false;
  }

  /** A session delivered device data to a node no longer the core: both closed with it unacknowledged. */
  private leaveUnacknowledged(c: MqttClient): void {
    if (!this.isOpen(c)) return;
    this.d.log.warn('the session delivered device data to a node no longer the core: closing it unacknowledged');
    void this.closeSession().catch((err: unknown) => this.d.log.warn({ err }, 'closing the session failed'));
  }

  /**
   * A held message's consequence settled: PUBACK if this node still may act on the connection it came on. Stepped
   * down meanwhile (the deadline passed while the write hung, or the fence refused it): the sessions are closed
   * unacknowledged and the next core gets the message. Reconnected meanwhile: the broker sends it again on the new
   * connection (its packet id there may name another message, so no PUBACK goes on it).
   */
  private ackOnce(c: MqttClient, stream: MqttClient['stream'], callback: () => void): void {
    if (!this.isOpen(c) || c.stream !== stream || !c.connected) return;
    if (!(this.d.mayAct?.() ?? true)) return this.leaveUnacknowledged(c);
    callback();
  }

  /** The promise of a discrete message's consequence, when the handler gave one (the PUBACK waits for it). */
  private onMessage(topic: string, payload: Buffer): Promise<void> | undefined {
    const parsed = parseTopic(topic);
    if (parsed.kind !== 'device') return; // control responses and anything else are not device data
    if (payload.length > this.d.maxPayloadBytes) {
      this.d.onOversized?.(parsed.deviceId);
      return;
    }
    try {
      return this.d.onDeviceMessage(parsed, payload, topic) ?? undefined;
    } catch (err) {
      this.d.log.error({ err }, 'device message handling failed');
    }
  }

  sendCommand(deviceId: string, cmd: CommandPayload): void {
    this.client.publish(deviceTopic(deviceId, 'command'), JSON.stringify(cmd), { qos: 1 }, (err) => {
      if (err) this.d.log.warn({ deviceId, err: err.message }, 'command publish failed');
    });
  }

  /** Nothing cached here: the broker checks the credentials. */
  forgetDevice(): void {}

  /** The provisioning adapter's deleteClient / createClient makes the broker kick the device. */
  disconnectDevice(): void {}

  /** MQTT over WebSocket is the external broker's listener, not ours: the stream is closed. */
  handleStream(stream: Duplex): void {
    stream.destroy();
  }

  /** Closed, or unreachable: the control connection down, or the core's session down while it should be open. */
  get closed(): boolean {
    return this.ended || !this.client.connected || (this.sessions?.some((o) => !o.client.connected) ?? false);
  }

  async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    // Unacknowledged messages stay in the broker's session for the next start (or the next node).
    await this.closeSession();
    // A graceful end waits for every in-flight packet (a device command, a dynamic-security request) to be
    // acknowledged: with the broker unreachable that never comes, and with a connected but silent one only keepalive
    // (45 s) would end it. So: a graceful end only once nothing is in flight, waited for at most CLOSE_GRACE_MS while
    // connected; forced otherwise (what was in flight could not reach the broker, and the reconnect loop ends too).
    const c = this.client;
    const drained = c.connected && (await this.drained(c));
    await c.endAsync(!drained);
  }

  /** Resolves true once nothing is in flight on `c`; false at the grace's end or when the connection drops first. */
  private drained(c: MqttClient): Promise<boolean> {
    if (Object.keys(c.outgoing).length === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        timer.cancel();
        c.removeListener('outgoingEmpty', onEmpty);
        c.removeListener('close', onClose);
        resolve(ok);
      };
      const onEmpty = () => done(true);
      const onClose = () => done(false);
      const timer = (this.d.clock ?? systemClock).setTimeout(() => done(false), CLOSE_GRACE_MS);
      c.once('outgoingEmpty', onEmpty);
      c.once('close', onClose);
    });
  }
}
