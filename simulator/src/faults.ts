// Fault injection on raw MQTT connections (wire.ts): what broken or hostile devices do to a server.
// Used by the tests here and by the reliability suite; each fault reports what the server did.
import mqttPacket from 'mqtt-packet';
import { devicePrefix, deviceTopic } from '@odart/protocol';
import { Rng } from './rng.js';
import { WireConnection } from './wire.js';

export interface FaultTarget {
  host: string;
  port: number;
}
export interface FaultDevice {
  id: string;
  secret: string;
}

export interface FaultOutcome {
  fault: string;
  /** CONNACK return code where a CONNECT was sent (-1: none) */
  connack: number;
  /** the server closed the connection within the wait */
  closedByServer: boolean;
  /** ms from the fault to the close, when it closed */
  closedAfterMs: number | null;
  /** what was sent and seen, in words */
  detail: string;
}

/** Waits (bounded, real time) for the server to close the connection. */
async function closeWithin(conn: WireConnection, ms: number): Promise<number | null> {
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const closed = await Promise.race([
    conn.closedPromise.then(() => true),
    new Promise<boolean>((r) => {
      timer = setTimeout(() => r(false), ms);
    }),
  ]);
  clearTimeout(timer);
  return closed ? Math.round(performance.now() - t0) : null;
}

async function connected(target: FaultTarget, dev: FaultDevice, keepalive = 60): Promise<{ conn: WireConnection; returnCode: number }> {
  return WireConnection.connect({ ...target, clientId: dev.id, username: dev.id, password: dev.secret, keepalive, connectTimeoutMs: 5000 });
}

function outcome(fault: string, connack: number, closedAfterMs: number | null, detail: string): FaultOutcome {
  return { fault, connack, closedByServer: closedAfterMs !== null, closedAfterMs, detail };
}

export type MalformedVariant = 'garbage' | 'reserved-type' | 'bad-remaining-length' | 'second-connect' | 'truncated-then-close';

/**
 * Bytes that are not valid MQTT. The server must close that connection ([MQTT-4.8.0-1]: a
 * protocol violation closes the Network Connection) and nothing else.
 */
export async function malformedPacket(
  target: FaultTarget,
  dev: FaultDevice,
  variant: MalformedVariant,
  waitMs = 5000,
): Promise<FaultOutcome> {
  switch (variant) {
    case 'garbage': {
      // Before any CONNECT: seeded random bytes whose first byte is not CONNECT (0x10).
      const conn = await WireConnection.open(target.host, target.port);
      const rng = new Rng(42);
      const bytes = Buffer.from(Array.from({ length: 256 }, () => Math.floor(rng.next() * 256)));
      bytes[0] = 0xff;
      conn.write(bytes);
      return outcome(variant, -1, await closeWithin(conn, waitMs), '256 random bytes instead of CONNECT');
    }
    case 'reserved-type': {
      // Packet type 0 is reserved [MQTT-2.2.1]; sent after a valid session is up.
      const { conn, returnCode } = await connected(target, dev);
      conn.write(Buffer.from([0x00, 0x00]));
      return outcome(variant, returnCode, await closeWithin(conn, waitMs), 'packet type 0 (reserved) after CONNACK');
    }
    case 'bad-remaining-length': {
      // A Remaining Length longer than four bytes [MQTT-2.2.3]: the stream cannot be framed.
      const { conn, returnCode } = await connected(target, dev);
      conn.write(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x7f]));
      return outcome(variant, returnCode, await closeWithin(conn, waitMs), 'PUBLISH with a 5-byte Remaining Length');
    }
    case 'second-connect': {
      // [MQTT-3.1.0-2] a second CONNECT is a protocol violation.
      const { conn, returnCode } = await connected(target, dev);
      conn.write(
        mqttPacket.generate({
          cmd: 'connect',
          protocolId: 'MQTT',
          protocolVersion: 4,
          clientId: dev.id,
          clean: true,
          keepalive: 60,
          username: dev.id,
          password: Buffer.from(dev.secret),
        }),
      );
      return outcome(variant, returnCode, await closeWithin(conn, waitMs), 'a second CONNECT on the same connection');
    }
    case 'truncated-then-close': {
      // Half a PUBLISH, then the device vanishes.
      const { conn, returnCode } = await connected(target, dev);
      const full = mqttPacket.generate({
        cmd: 'publish',
        topic: deviceTopic(dev.id, 'vitals'),
        payload: '{"hr":70}',
        qos: 1,
        messageId: 1,
        retain: false,
        dup: false,
      });
      conn.write(full.subarray(0, Math.floor(full.length / 2)));
      conn.destroy();
      await conn.closedPromise;
      return outcome(variant, returnCode, null, 'half a PUBLISH, then the TCP connection dropped');
    }
    default:
      return variant satisfies never;
  }
}

export type BadPayloadVariant = 'not-json' | 'invalid' | 'oversized';

/**
 * Well-framed MQTT carrying a payload the server must drop and count (odart_mqtt_dropped_total):
 * not JSON, failing the schema, or larger than MAX_PAYLOAD_BYTES. The connection stays up.
 */
export async function badPayload(
  target: FaultTarget,
  dev: FaultDevice,
  variant: BadPayloadVariant,
  opts: { bytes?: number } = {},
): Promise<FaultOutcome & { acknowledged: boolean }> {
  const { conn, returnCode } = await connected(target, dev);
  const payload =
    variant === 'not-json'
      ? Buffer.from('{"hr": 7')
      : variant === 'invalid'
        ? Buffer.from(JSON.stringify({ hr: 'fast', spo2: 140 }))
        : Buffer.alloc(opts.bytes ?? 64 * 1024, 0x61);
  let acked = false;
  await new Promise<void>((resolve) => {
    conn.handlers.onPuback = () => {
      acked = true;
      resolve();
    };
    void conn.closedPromise.then(() => resolve());
    conn.publish(deviceTopic(dev.id, 'vitals'), payload, 1);
  });
  const stillOpen = !conn.closed;
  await conn.disconnect();
  return {
    ...outcome(variant, returnCode, stillOpen ? null : 0, `${payload.length}-byte ${variant} vitals payload`),
    acknowledged: acked,
  };
}

/** CONNECT with a wrong secret (or an unknown device id): CONNACK 5, not authorized. */
export async function wrongCredentials(target: FaultTarget, id: string, secret: string): Promise<FaultOutcome> {
  const { conn, returnCode } = await WireConnection.connect({
    ...target,
    clientId: id,
    username: id,
    password: secret,
    connectTimeoutMs: 5000,
  });
  const closed = await closeWithin(conn, 2000);
  conn.destroy();
  return outcome('wrong-credentials', returnCode, closed, `CONNECT as ${id} with a wrong secret`);
}

/**
 * A half-open connection: CONNECT with a keepalive, then silence (no PINGREQ, no FIN), as when a
 * device loses power behind NAT. [MQTT-3.1.2-24] the server must close it after 1.5 x keepalive.
 */
export async function halfOpen(
  target: FaultTarget,
  dev: FaultDevice,
  keepaliveS = 1,
  waitMs = keepaliveS * 1500 + 3000,
): Promise<FaultOutcome> {
  const { conn, returnCode } = await connected(target, dev, keepaliveS);
  const closed = await closeWithin(conn, waitMs);
  conn.destroy();
  return outcome('half-open', returnCode, closed, `keepalive ${keepaliveS}s, then nothing sent`);
}

/**
 * A slow consumer: subscribes to its own topics, stops reading the socket, and publishes large
 * messages that the broker must deliver back to it. The broker's writes back up; it must drop this
 * client (drain timeout) rather than buffer without bound. A paused socket cannot see the server
 * hang up, so the caller may pass `serverDropped` (e.g. a look at /metrics); without it the
 * consumer reads again after the send phase to find out.
 */
export async function slowConsumer(
  target: FaultTarget,
  dev: FaultDevice,
  opts: { payloadBytes?: number; maxBytes?: number; waitMs?: number; serverDropped?: () => Promise<boolean> } = {},
): Promise<FaultOutcome & { bytesSent: number }> {
  const { conn, returnCode } = await connected(target, dev);
  // The server lets a device subscribe to nothing but its command topic; ask for everything anyway.
  await conn.subscribe(devicePrefix(dev.id) + '#', 0);
  await conn.subscribe(deviceTopic(dev.id, 'command'), 1);
  conn.pauseReading();
  const payload = Buffer.alloc(opts.payloadBytes ?? 256 * 1024, 0x61);
  const maxBytes = opts.maxBytes ?? 256 * 1024 * 1024;
  const t0 = performance.now();
  const waitMs = opts.waitMs ?? 30_000;
  let bytesSent = 0;
  let dropped = false;
  let n = 0;
  while (!conn.closed && !dropped && bytesSent < maxBytes && performance.now() - t0 < waitMs) {
    conn.publish(deviceTopic(dev.id, 'status'), payload, 0);
    bytesSent += payload.length;
    if (conn.socket.writableNeedDrain) {
      // our own send buffer is full too: wait a little for drain or close
      await Promise.race([
        new Promise<void>((r) => conn.socket.once('drain', () => r())),
        conn.closedPromise,
        new Promise<void>((r) => setTimeout(r, 100)),
      ]);
    } else {
      await new Promise<void>((r) => setImmediate(r));
    }
    if (opts.serverDropped && ++n % 8 === 0) dropped = await opts.serverDropped();
  }
  let closedAfter: number | null = dropped || conn.closed ? Math.round(performance.now() - t0) : null;
  if (closedAfter === null && !opts.serverDropped) {
    conn.socket.resume();
    closedAfter = await closeWithin(conn, 2000);
  }
  conn.destroy();
  return {
    ...outcome('slow-consumer', returnCode, closedAfter, `subscribed to its own topics, stopped reading, sent ${bytesSent} bytes`),
    bytesSent,
  };
}
