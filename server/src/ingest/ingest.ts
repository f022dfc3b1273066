// Ingest: raw device publishes -> validated messages -> the wearer's detector. Bad input is dropped,
// counted by reason and logged without its values; nothing here throws into the broker.
import type { Clock } from '../clock.js';
import type { DetectionEngine } from '../detection/index.js';
import type { Bus } from '../events/index.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { DISCRETE_STREAMS, decodePayload, type DeviceMessage, type DropReason, type ParsedTopic } from '@odart/protocol';
import { SampleAges } from './age.js';
import type { DeviceDirectory, DeviceEntry } from './directory.js';

/**
 * Continuous messages held at most while a new core rebuilds its detectors (about 10 s of 10,000 wearers at 1 Hz;
 * 5 s with room kits, two streams each). Discrete ones (DURABLE_STREAMS) are held past it: they are rare, and one
 * dropped is a help press lost.
 */
export const MAX_HELD = 100_000;

/**
 * The discrete streams whose consequence must not be lost (issue 14): a help or OK press, a door opening. For
 * these, handle() returns a promise that settles once what the message caused is applied (the alert stored), so
 * the broker acknowledges it only then. Vitals, presence and status are continuous: the next sample says the same
 * again, and a wait per message would serialise 10,000 wearers' 1 Hz data behind each store write.
 */
export const DURABLE_STREAMS: ReadonlySet<DeviceMessage['stream']> = new Set(DISCRETE_STREAMS);

/** One message's consequence: settles once the decisions it caused are applied (undefined: nothing to wait for). */
export type Consequence = Promise<void> | undefined;

interface Deferred {
  promise: Promise<void>;
  resolve(p: Consequence): void;
}

function deferred(): Deferred {
  let resolve!: (p: Consequence) => void;
  const promise = new Promise<void>((r) => {
    resolve = (p) => r(p);
  });
  return { promise, resolve };
}

export interface IngestDeps {
  directory: DeviceDirectory;
  engine: DetectionEngine;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  maxPayloadBytes: number;
  /**
   * tells `detection.decisions`, `device.status` (battery, online: the device registry) and
   * `vitals.sample` (every message of a consenting wearer, after the consent check: recent vitals)
   */
  bus: Bus;
}

export class Ingest {
  /** Messages waiting for a directory lookup, per device, so order is kept. */
  private readonly pending = new Map<
    string,
    { topicStream: DeviceMessage['stream']; payload: Buffer; at: number | undefined; done?: Deferred }[]
  >();

  private readonly lastLogged = new Map<string, number>();

  private readonly ages: SampleAges;

  constructor(private readonly d: IngestDeps) {
    this.ages = new SampleAges((deviceId, distrusted, minAgeMs) =>
      d.log.warn(
        { deviceId, distrusted, minAgeS: Math.round(minAgeMs / 1000) },
        distrusted ? 'device clock looks wrong: its ts is ignored' : 'device clock believed again',
      ),
    );
  }

  /** messages handed to ingest so far, valid or not (tests wait on it to know ingest has caught up) */
  handled = 0;

  /** While held (a new core rebuilding its detectors): messages wait here with their arrival time, in order. */
  private held: { parsed: ParsedTopic; payload: Buffer; topic: string; at: number; done?: Deferred }[] | null = null;

  /** messages waiting while held */
  get heldCount(): number {
    return this.held?.length ?? 0;
  }

  /** Holds device messages (bounded: past MAX_HELD continuous ones are dropped and counted) until release(). */
  hold(): void {
    this.held ??= [];
  }

  /** Handles the held messages in arrival order, placed at the time they arrived, then ingests live again. */
  release(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const m of held) {
      const c = this.handle(m.parsed, m.payload, m.topic, m.at);
      m.done?.resolve(c);
    }
  }

  /**
   * A device publish whose topic the broker parsed (once per message); `topic` is the text, for the log; `at` when
   * it arrived (now, unless it was held). For a DURABLE_STREAMS message, the promise of its consequence (it waits
   * through a hold and a directory lookup too); undefined for every other message and for a drop. Never rejects.
   */
  handle(parsed: ParsedTopic, payload: Buffer, topic: string, at?: number): Consequence {
    const durable = parsed.kind === 'device' && DURABLE_STREAMS.has(parsed.stream);
    if (this.held) {
      if (this.held.length < MAX_HELD || durable) {
        const done = durable ? deferred() : undefined;
        this.held.push({ parsed, payload, topic, at: this.d.clock.now(), ...(done ? { done } : {}) });
        return done?.promise;
      }
      this.handled++;
      this.drop('held_overflow', { deviceId: parsed.kind === 'device' ? parsed.deviceId : undefined });
      return;
    }
    this.handled++;
    try {
      if (parsed.kind !== 'device') return this.drop('unknown_topic', { topic: topic.slice(0, 120) });
      const entry = this.d.directory.get(parsed.deviceId);
      if (entry) {
        const c = this.process(entry, parsed.stream, payload, at);
        return durable ? c : undefined;
      }
      const done = durable ? deferred() : undefined;
      const item = { topicStream: parsed.stream, payload, at, ...(done ? { done } : {}) };
      const queued = this.pending.get(parsed.deviceId);
      if (queued) {
        if (queued.length < 100) queued.push(item);
        else return this.drop('unknown_device', { deviceId: parsed.deviceId });
        return done?.promise;
      }
      this.pending.set(parsed.deviceId, [item]);
      this.d.directory.fetch(parsed.deviceId).then(
        (e) => this.flushPending(parsed.deviceId, e),
        (err: unknown) => {
          this.d.log.error({ err, deviceId: parsed.deviceId }, 'device lookup failed');
          this.flushPending(parsed.deviceId, undefined);
        },
      );
      return done?.promise;
    } catch (err) {
      this.d.log.error({ err }, 'ingest failed');
      this.drop('invalid', {});
    }
  }

  /** A PUBLISH the broker skipped unread for its size (broker/packet-guard.ts): counted like one dropped here. */
  tooLarge(deviceId: string | undefined): void {
    this.handled++;
    this.drop('too_large', { deviceId });
  }

  private flushPending(deviceId: string, entry: DeviceEntry | undefined) {
    const queued = this.pending.get(deviceId) ?? [];
    this.pending.delete(deviceId);
    for (const q of queued) {
      if (entry) q.done?.resolve(this.process(entry, q.topicStream, q.payload, q.at));
      else {
        this.drop('unknown_device', { deviceId });
        q.done?.resolve(undefined);
      }
    }
  }

  /** Validates and detects; the promise of applying the decisions the message caused (undefined: none). */
  private process(entry: DeviceEntry, stream: DeviceMessage['stream'], payload: Buffer, at: number | undefined): Consequence {
    const res = decodePayload(stream, payload, this.d.maxPayloadBytes);
    if (!res.ok) return this.drop(res.reason, { deviceId: entry.deviceId, stream, detail: res.detail });
    const now = at ?? this.d.clock.now();
    if (res.message.stream === 'status')
      void this.d.bus.publish('device.status', { deviceId: entry.deviceId, status: res.message.data, at: now });
    // A gateway's own status (heartbeat, Last Will) has no wearer and is not a drop.
    if (!entry.wearerId) return res.message.stream === 'status' ? undefined : this.drop('unassigned_device', { deviceId: entry.deviceId });
    const consent = this.d.directory.consentOf(entry.wearerId);
    if (consent !== 'active') return this.drop(consent === 'paused' ? 'paused' : 'no_consent', { deviceId: entry.deviceId });
    this.d.metrics.mqttMessages.inc({ stream });
    // Readings are placed at the time they were taken (store-and-forward replays keep their timeline);
    // ageMs tells detection how old they are, so old data never starts an emergency as if live.
    const ageMs = this.ages.ageOf(entry.deviceId, res.message.data.ts, now);
    const sample =
      ageMs === undefined
        ? { t: now, deviceId: entry.deviceId, message: res.message }
        : { t: now - ageMs, deviceId: entry.deviceId, message: res.message, ageMs };
    void this.d.bus.publish('vitals.sample', { wearerId: entry.wearerId, deviceId: entry.deviceId, message: res.message, at: sample.t });
    const decisions = this.d.engine.ingest(entry.wearerId, sample);
    // the bus never rejects: a failed handler is logged and counted there
    if (decisions.length > 0) return this.d.bus.publish('detection.decisions', { decisions });
  }

  private drop(reason: DropReason | 'no_consent' | 'paused' | 'held_overflow', ctx: Record<string, unknown>): undefined {
    this.d.metrics.mqttDropped.inc({ reason });
    // Logged at most once a minute per device and reason, so hostile input cannot flood the log.
    // Context names the device and fields at most; never a payload or a value.
    const key = `${String(ctx.deviceId ?? '')}|${reason}`;
    const now = this.d.clock.now();
    const last = this.lastLogged.get(key);
    if (last !== undefined && now - last < 60_000) return;
    if (this.lastLogged.size > 10_000) this.lastLogged.clear();
    this.lastLogged.set(key, now);
    this.d.log.warn({ ...ctx, reason }, 'device message dropped');
  }
}
