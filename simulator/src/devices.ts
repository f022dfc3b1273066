// Virtual devices: one real MQTT client (mqtt.js) per device with its own credentials and Last Will,
// behaving like the hardware: battery drain and low-battery status, removal (off-body), abrupt loss,
// reconnect with backoff, clock skew, network delay/loss/redelivery (link.ts). They obey server
// commands: a check-in prompt vibrates the wearable, and a scripted wearer may press OK.
import mqtt, { MqttClient } from 'mqtt';
import { deviceTopic, commandSchema, NOT_MONITORED_AFTER_MS, type CommandPayload, type DeviceStream } from '@odart/protocol';
import { realTimers, ShapedLink, type LinkStats, type NetworkProfile, type Timers } from './link.js';
import { Rng } from './rng.js';
import type { DeviceKindName } from './trace.js';

export interface DeviceCredentials {
  id: string;
  secret: string;
}

/** How the wearer scripted into a run answers a check-in prompt. */
export interface WearerScript {
  answers: 'ok' | 'help' | 'none';
  /** seconds after the vibration starts */
  afterS: number;
}

export interface DeviceProfile {
  kind?: DeviceKindName;
  /** wearable model: pulse oximeter with a respiration-rate estimate, or without one (rr never sent) */
  model?: 'spo2-rr' | 'spo2';
  battery?: { startPct: number; drainPctPerHour: number; lowPct?: number };
  /** device clock minus true time, ms (payload `ts`) */
  skewMs?: number;
  /** send `ts` (device clock) in every payload; default true when a clock or skew is given */
  timestamps?: boolean;
  network?: NetworkProfile;
  /** reconnect after an unexpected loss: exponential backoff with jitter; baseMs 0 = never */
  reconnect?: { baseMs: number; maxMs: number };
  wearer?: WearerScript;
  vitalsQos?: 0 | 1;
  keepaliveS?: number;
  seed?: number;
}

export interface ConnectOptions {
  url: string;
  /** CA certificates (PEM) trusted for mqtts:// and wss:// (MQTT_CA_FILE) */
  ca?: Buffer;
  onCommand?: (deviceId: string, cmd: CommandPayload) => void;
  onEvent?: (deviceId: string, e: DeviceEvent) => void;
  /** give up connecting after this long (ms) */
  connectTimeoutMs?: number;
  profile?: DeviceProfile;
  /** device timers and clock; default real time */
  clock?: Timers;
}

export type DeviceEventType =
  | 'connected'
  | 'connection_lost'
  | 'reconnect_scheduled'
  | 'vibrate'
  | 'vibrate_stop'
  | 'answered'
  | 'low_battery'
  | 'battery_dead'
  | 'removed'
  | 'worn'
  | 'killed'
  | 'monitored'
  | 'not_monitored';
export interface DeviceEvent {
  at: number;
  type: DeviceEventType;
  detail?: string | number;
}

export type DeviceState = 'connecting' | 'online' | 'waiting' | 'dead' | 'closed';
/** What the wearer is shown: `monitored` while `monitoring` commands arrive, `not_monitored` after 3 minutes without one. */
export type MonitoringState = 'starting' | 'monitored' | 'not_monitored';

export class VirtualDevice {
  /** the commands received, but `monitoring` (see monitoringBeats) */
  readonly commands: CommandPayload[] = [];
  readonly events: DeviceEvent[] = [];
  /** delays chosen for each reconnect, ms */
  readonly backoffs: number[] = [];
  state: DeviceState = 'connecting';
  /** `starting` until the first `monitoring` command or 3 minutes without one (docs/protocol.md) */
  monitoring: MonitoringState = 'starting';
  /** `monitoring` commands received (they are not kept in `commands`), and when the last one came */
  monitoringBeats = 0;
  lastMonitoringAt: number | null = null;
  battery: number;
  removed = false;
  seq = 0;
  private attempt = 0;
  /** the command subscription of the current connection */
  subscribed: Promise<void> = Promise.resolve();
  private readonly links: ShapedLink[] = [];
  private readonly rng: Rng;
  private readonly startedAt: number;
  private lastBatteryReport: number;
  private pendingAnswer: { cancel(): void } | null = null;
  private reconnectTimer: { cancel(): void } | null = null;
  private monitoringTimer: { cancel(): void } | null = null;
  readonly client: MqttClient;
  readonly kind: DeviceKindName;
  readonly profile: DeviceProfile;
  private readonly clock: Timers;
  private readonly timestamps: boolean;

  constructor(
    readonly id: string,
    secret: string,
    private readonly o: ConnectOptions,
  ) {
    const p = (this.profile = o.profile ?? {});
    this.kind = p.kind ?? 'wearable';
    this.clock = o.clock ?? realTimers;
    this.rng = new Rng(p.seed ?? hashString(id));
    this.startedAt = this.clock.now();
    this.battery = p.battery?.startPct ?? 100;
    this.lastBatteryReport = this.battery;
    this.timestamps = p.timestamps ?? (o.clock !== undefined || p.skewMs !== undefined);
    const url = new URL(o.url);
    const shaped = url.protocol === 'mqtt:' || url.protocol === 'tcp:';
    const options = {
      clientId: id,
      username: id,
      password: secret,
      protocolVersion: 4 as const,
      clean: true,
      keepalive: p.keepaliveS ?? 30,
      // Reconnects are ours (backoff with jitter, on the device clock), not mqtt.js's fixed period.
      reconnectPeriod: 0,
      connectTimeout: o.connectTimeoutMs ?? 10_000,
      will: { topic: deviceTopic(id, 'status'), payload: Buffer.from(JSON.stringify({ state: 'offline' })), qos: 1 as const, retain: true },
    };
    if (!shaped && p.network) throw new Error(`device ${id}: network shaping needs an mqtt:// URL (got ${url.protocol})`);
    // MQTT over TCP goes through the shaped link; other transports (mqtts://, ws://) connect plainly.
    this.client = shaped
      ? new MqttClient(() => {
          const link = new ShapedLink(url.hostname, Number(url.port || 1883), p.network ?? {}, this.rng, this.clock);
          this.links.push(link);
          return link;
        }, options)
      : mqtt.connect(o.url, o.ca ? { ...options, ca: o.ca } : options);
    this.client.on('error', () => undefined);
    this.client.on('connect', () => this.onConnect());
    this.client.on('close', () => this.onClose());
    this.client.on('message', (_topic, payload) => this.onMessage(payload));
    this.armMonitoringWatchdog();
  }

  /** 3 minutes without a `monitoring` command (from now) and the device shows "not monitored". */
  private armMonitoringWatchdog(): void {
    this.monitoringTimer?.cancel();
    this.monitoringTimer = this.clock.setTimeout(() => {
      this.monitoringTimer = null;
      this.setMonitoring('not_monitored');
    }, NOT_MONITORED_AFTER_MS);
  }

  private setMonitoring(next: MonitoringState): void {
    if (this.monitoring === next) return;
    this.monitoring = next;
    this.event(next === 'monitored' ? 'monitored' : 'not_monitored');
  }

  /** Link statistics summed over every connection this device has made. */
  get linkStats(): LinkStats {
    const s: LinkStats = { packetsSent: 0, qos0Lost: 0, publishesLost: 0, acksLost: 0, redelivered: 0 };
    for (const l of this.links) for (const k of Object.keys(s) as (keyof LinkStats)[]) s[k] += l.stats[k];
    return s;
  }

  private event(type: DeviceEventType, detail?: string | number): void {
    const e: DeviceEvent = detail === undefined ? { at: this.clock.now(), type } : { at: this.clock.now(), type, detail };
    this.events.push(e);
    this.o.onEvent?.(this.id, e);
  }

  private onConnect(): void {
    this.state = 'online';
    this.attempt = 0;
    this.event('connected');
    // A clean session forgets subscriptions: subscribe on every connect.
    this.subscribed = this.client.subscribeAsync(deviceTopic(this.id, 'command'), { qos: 1 }).then(
      () => undefined,
      () => undefined,
    );
    void this.publishStatus();
  }

  private onClose(): void {
    if (this.state === 'closed' || this.state === 'dead' || this.state === 'waiting') return;
    const wasOnline = this.state === 'online';
    if (wasOnline) this.event('connection_lost');
    const r = this.profile.reconnect ?? { baseMs: 1000, maxMs: 60_000 };
    if (r.baseMs <= 0) {
      this.state = 'closed';
      this.cancelTimers();
      return;
    }
    // Exponential backoff with "equal jitter": half fixed, half random, so a fleet that lost its
    // broker at once does not come back at once.
    const ceiling = Math.min(r.maxMs, r.baseMs * 2 ** this.attempt);
    const delay = Math.round(ceiling / 2 + this.rng.next() * (ceiling / 2));
    this.attempt++;
    this.backoffs.push(delay);
    this.state = 'waiting';
    this.event('reconnect_scheduled', delay);
    this.reconnectTimer = this.clock.setTimeout(() => {
      this.reconnectTimer = null;
      if (this.state !== 'waiting') return;
      this.state = 'connecting';
      this.client.reconnect();
    }, delay);
  }

  private onMessage(payload: Buffer): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload.toString('utf8'));
    } catch {
      return;
    }
    const cmd = commandSchema.safeParse(parsed);
    if (!cmd.success) return;
    // `commands` keeps what the device was asked to do; the minutely `monitoring` beat is counted apart.
    if (cmd.data.type === 'monitoring') {
      this.monitoringBeats++;
      this.lastMonitoringAt = this.clock.now();
    } else this.commands.push(cmd.data);
    this.o.onCommand?.(this.id, cmd.data);
    switch (cmd.data.type) {
      case 'checkin': {
        this.event('vibrate', `check-in ${cmd.data.expiresInS}s`);
        const w = this.profile.wearer;
        if (w && w.answers !== 'none' && !this.pendingAnswer) {
          const action = w.answers;
          this.pendingAnswer = this.clock.setTimeout(() => {
            this.pendingAnswer = null;
            this.event('answered', action);
            void this.publish('button', { action }).catch(() => undefined);
          }, w.afterS * 1000);
        }
        return;
      }
      case 'cancel':
        this.event('vibrate_stop');
        this.pendingAnswer?.cancel();
        this.pendingAnswer = null;
        return;
      case 'vibrate':
        this.event('vibrate', `${cmd.data.ms}ms`);
        return;
      case 'monitoring':
        this.setMonitoring('monitored');
        this.armMonitoringWatchdog();
        return;
      default:
        cmd.data satisfies never;
    }
  }

  /** Resolves once the client is connected (or rejects when the first attempt fails). */
  waitConnected(): Promise<void> {
    if (this.client.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onConnect = () => {
        this.client.removeListener('error', onError);
        resolve();
      };
      const onError = (err: Error) => {
        this.client.removeListener('connect', onConnect);
        reject(new Error(`device ${this.id}: ${err.message}`));
      };
      this.client.once('connect', onConnect);
      this.client.once('error', onError);
    });
  }

  private publishStatus(): Promise<void> {
    return this.client
      .publishAsync(deviceTopic(this.id, 'status'), JSON.stringify(this.stamp({ state: 'online', battery: Math.round(this.battery) })), {
        qos: 1,
        retain: true,
      })
      .then(
        () => undefined,
        () => undefined,
      );
  }

  private stamp(data: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = { ...data, seq: this.seq++ };
    if (this.timestamps) out.ts = Math.max(0, Math.round(this.clock.now() + (this.profile.skewMs ?? 0)));
    return out;
  }

  /** Hardware effects on a sample: removal, the model's sensors, battery. */
  private shape(stream: DeviceStream, data: Record<string, unknown>): Record<string, unknown> {
    if (stream !== 'vitals') return data;
    let d = data;
    if (this.removed) d = { hr: null, spo2: null, rr: null, activity: d.activity ?? 0, onBody: false };
    if (this.profile.model === 'spo2') {
      const { rr: _rr, ...rest } = d;
      d = rest;
    }
    return d;
  }

  private drainBattery(): void {
    const b = this.profile.battery;
    if (!b) return;
    const hours = (this.clock.now() - this.startedAt) / 3_600_000;
    const pct = Math.max(0, b.startPct - b.drainPctPerHour * hours);
    const low = b.lowPct ?? 15;
    const wasLow = this.battery <= low;
    this.battery = pct;
    if (pct <= 0) {
      this.event('battery_dead');
      this.kill();
      return;
    }
    if (!wasLow && pct <= low) {
      this.event('low_battery', Math.round(pct));
      this.lastBatteryReport = pct;
      void this.publishStatus();
    } else if (this.lastBatteryReport - pct >= 10) {
      this.lastBatteryReport = pct;
      void this.publishStatus();
    }
  }

  /**
   * Publishes one sample as this device: device metadata (`seq`, `ts`) and hardware effects added.
   * Resolves when acknowledged (QoS 1) or handed to the network (QoS 0).
   */
  publish(stream: DeviceStream, data: Record<string, unknown>): Promise<void> {
    this.drainBattery();
    if (this.state === 'dead') return Promise.reject(new Error(`device ${this.id} is dead (battery)`));
    if (this.state === 'closed') return Promise.reject(new Error(`device ${this.id} is closed`));
    const qos = stream === 'vitals' ? (this.profile.vitalsQos ?? 1) : 1;
    const payload = JSON.stringify(this.stamp(this.shape(stream, data)));
    return this.client.publishAsync(deviceTopic(this.id, stream), payload, { qos }).then(() => undefined);
  }

  /** The wearer takes the wearable off: vitals become null with onBody false. */
  remove(): void {
    this.removed = true;
    this.event('removed');
  }

  wear(): void {
    this.removed = false;
    this.event('worn');
  }

  /** Abrupt network loss (no DISCONNECT): the broker publishes the Last Will; the device reconnects with backoff. */
  dropConnection(): void {
    this.client.stream?.destroy();
  }

  /** The device dies (battery, damage): abrupt loss, never reconnects. */
  kill(): void {
    if (this.state === 'dead') return;
    this.state = 'dead';
    this.event('killed');
    this.cancelTimers();
    this.client.stream?.destroy();
    this.client.end(true);
  }

  private cancelTimers(): void {
    this.reconnectTimer?.cancel();
    this.reconnectTimer = null;
    this.pendingAnswer?.cancel();
    this.pendingAnswer = null;
    this.monitoringTimer?.cancel();
    this.monitoringTimer = null;
  }

  /** Orderly shutdown: DISCONNECT, so no Last Will. */
  async end(): Promise<void> {
    if (this.state === 'dead' || this.state === 'closed') return;
    this.state = 'closed';
    this.cancelTimers();
    await this.client.endAsync();
  }
}

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

export async function connectDevice(cred: DeviceCredentials, o: ConnectOptions): Promise<VirtualDevice> {
  const dev = new VirtualDevice(cred.id, cred.secret, o);
  try {
    await dev.waitConnected();
  } catch (err) {
    dev.kill();
    throw err;
  }
  await dev.subscribed;
  return dev;
}

/** Orderly disconnect (MQTT DISCONNECT), so no Last Will fires. */
export async function disconnectDevice(dev: VirtualDevice): Promise<void> {
  await dev.end();
}
