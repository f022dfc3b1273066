// Limits of the embedded broker against a hostile client, real broker over TCP with real mqtt.js
// and raw sockets: one session per device, packet size caps before and after login, connections
// per address, and throttled login failures. Each refusal is counted in /metrics.
import net from 'node:net';
import mqttPacket from 'mqtt-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_DEVICE_SECRET, startTestServer, until, type TestServer } from './helpers/server.js';
import { counter, tryConnect } from './helpers/mqtt.js';

let ts: TestServer;
afterEach(async () => {
  await ts.close();
});

const LONG = 1_000_000;
const metrics = async () => (await fetch(`${ts.base}/metrics`)).text();

describe('one live session per device', () => {
  it('a client id other than the device id itself (id:suffix) is refused', async () => {
    ts = await startTestServer();
    const c = await tryConnect(ts.mqttUrl, 'demo-wrist', DEMO_DEVICE_SECRET, 'demo-wrist:second');
    expect(c.ok).toBe(false);
    expect(c.code).toBe(5);
  });

  it('[MQTT-3.1.4-2] a new connection of the same device replaces the old one', async () => {
    ts = await startTestServer();
    const a = await tryConnect(ts.mqttUrl, 'demo-wrist', DEMO_DEVICE_SECRET);
    let aClosed = false;
    a.client.on('close', () => {
      aClosed = true;
    });
    const b = await tryConnect(ts.mqttUrl, 'demo-wrist', DEMO_DEVICE_SECRET);
    expect(b.ok).toBe(true);
    await until(() => aClosed, LONG);
    expect(b.client.connected).toBe(true);
    await b.client.endAsync();
  });
});

/** MQTT remaining length (variable byte integer, [MQTT-2.2.3]) */
function varint(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

/** A raw TCP connection that records what the server sends and whether it closed. */
async function rawSocket(
  o: { localAddress?: string } = {},
): Promise<{ sock: net.Socket; closed: () => boolean; packets: mqttPacket.Packet[] }> {
  const sock = net.connect({ host: '127.0.0.1', port: ts.server.mqttPort, ...(o.localAddress ? { localAddress: o.localAddress } : {}) });
  await new Promise<void>((r, j) => sock.once('connect', () => r()).once('error', j));
  let closed = false;
  sock.on('error', () => undefined);
  sock.on('close', () => {
    closed = true;
  });
  const packets: mqttPacket.Packet[] = [];
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  parser.on('packet', (p: mqttPacket.Packet) => packets.push(p));
  sock.on('data', (b: Buffer) => parser.parse(b));
  return { sock, closed: () => closed, packets };
}

/** CONNECT from a chosen loopback address; the CONNACK return code, or -1 if closed first. */
async function login(id: string, secret: string, localAddress = '127.0.0.1'): Promise<number> {
  const c = await rawSocket({ localAddress });
  c.sock.write(
    mqttPacket.generate({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clientId: id,
      clean: true,
      keepalive: 60,
      username: id,
      password: Buffer.from(secret),
    }),
  );
  await until(() => c.packets.length > 0 || c.closed(), LONG);
  c.sock.destroy();
  const p = c.packets[0];
  return p?.cmd === 'connack' ? (p.returnCode ?? 0) : -1;
}

/** Writes up to `total` bytes in chunks until the server closes; resolves with the bytes written. */
async function stream(c: { sock: net.Socket; closed: () => boolean }, total: number): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024, 0x41);
  let sent = 0;
  while (sent < total && !c.closed()) {
    await new Promise<void>((r) => c.sock.write(chunk, () => r()));
    sent += chunk.length;
    await new Promise<void>((r) => setImmediate(r));
  }
  return sent;
}

describe('packet size caps', () => {
  it('an unfinished 64 MB CONNECT is cut off after a few KB, before any login, and counted', async () => {
    ts = await startTestServer();
    const c = await rawSocket();
    c.sock.write(Buffer.concat([Buffer.from([0x10]), varint(64 * 1024 * 1024)]));
    await stream(c, 4 * 1024 * 1024);
    await until(() => c.closed(), LONG);
    const m = await metrics();
    expect(counter(m, 'odart_mqtt_connections_refused_total', 'reason="too_large_before_login"')).toBe(1);
    // nothing was handed to the MQTT parser beyond the cap, so nothing else was counted
    expect(counter(m, 'odart_mqtt_auth_failures_total', 'kind="connect"')).toBe(0);
  });

  it('after login, a PUBLISH longer than MAX_PAYLOAD_BYTES is dropped and counted as soon as its header arrives, never buffered', async () => {
    ts = await startTestServer({ env: { MAX_PAYLOAD_BYTES: '8192' } });
    const c = await rawSocket();
    c.sock.write(
      mqttPacket.generate({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 4,
        clientId: 'demo-wrist',
        clean: true,
        keepalive: 60,
        username: 'demo-wrist',
        password: Buffer.from(DEMO_DEVICE_SECRET),
      }),
    );
    await until(() => c.packets.some((p) => p.cmd === 'connack'), LONG);
    const topic = Buffer.from('odart/v1/devices/demo-wrist/vitals');
    const variable = Buffer.concat([Buffer.from([topic.length >> 8, topic.length & 0xff]), topic, Buffer.from([0x00, 0x07])]);
    // QoS 1 PUBLISH announcing 200 MB, of which 1 MB is sent
    c.sock.write(Buffer.concat([Buffer.from([0x32]), varint(variable.length + 200 * 1024 * 1024), variable]));
    await stream(c, 1024 * 1024);
    await until(async () => counter(await metrics(), 'odart_mqtt_dropped_total', 'reason="too_large"') === 1, 2000);
    expect(c.closed()).toBe(false);
    c.sock.destroy();
  });

  it('a whole oversized PUBLISH is acknowledged and skipped; the next message on the connection is ingested', async () => {
    ts = await startTestServer({ env: { MAX_PAYLOAD_BYTES: '8192' } });
    const c = await rawSocket();
    c.sock.write(
      mqttPacket.generate({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 4,
        clientId: 'demo-wrist',
        clean: true,
        keepalive: 60,
        username: 'demo-wrist',
        password: Buffer.from(DEMO_DEVICE_SECRET),
      }),
    );
    await until(() => c.packets.some((p) => p.cmd === 'connack'), LONG);
    const big = mqttPacket.generate({
      cmd: 'publish',
      topic: 'odart/v1/devices/demo-wrist/vitals',
      payload: Buffer.alloc(100_000, 0x20),
      qos: 1,
      messageId: 9,
      retain: false,
      dup: false,
    });
    const good = mqttPacket.generate({
      cmd: 'publish',
      topic: 'odart/v1/devices/demo-wrist/vitals',
      payload: JSON.stringify({ hr: 70, spo2: 97, rr: 14 }),
      qos: 1,
      messageId: 10,
      retain: false,
      dup: false,
    });
    // split at awkward places: inside the fixed header of the big one, inside its topic
    const all = Buffer.concat([big, good]);
    for (const [a, b] of [
      [0, 1],
      [1, 5],
      [5, 40],
      [40, all.length],
    ] as const)
      c.sock.write(all.subarray(a, b));
    await until(() => c.packets.filter((p) => p.cmd === 'puback').length === 2, LONG);
    expect(c.packets.filter((p) => p.cmd === 'puback').map((p) => (p as mqttPacket.IPubackPacket).messageId)).toEqual([9, 10]);
    await until(async () => counter(await metrics(), 'odart_mqtt_messages_total', 'stream="vitals"') === 1, 2000);
    expect(counter(await metrics(), 'odart_mqtt_dropped_total', 'reason="too_large"')).toBe(1);
    expect(c.closed()).toBe(false);
    c.sock.destroy();
  });
});

describe('connections per address', () => {
  it('MQTT_MAX_CONNECTIONS_PER_ADDRESS: one more is closed at once and counted; a freed place can be taken again', async () => {
    ts = await startTestServer({ env: { MQTT_MAX_CONNECTIONS_PER_ADDRESS: '3' } });
    const held = [await rawSocket(), await rawSocket(), await rawSocket()];
    const extra = await rawSocket();
    await until(() => extra.closed(), LONG);
    expect(held.some((h) => h.closed())).toBe(false);
    expect(counter(await metrics(), 'odart_mqtt_connections_refused_total', 'reason="per_address"')).toBe(1);
    // another address is not affected
    expect(await login('demo-room', DEMO_DEVICE_SECRET, '127.0.0.2')).toBe(0);
    held[0]!.sock.destroy();
    await until(() => held[0]!.closed(), LONG);
    expect(await login('demo-wrist', DEMO_DEVICE_SECRET)).toBe(0);
    for (const h of held) h.sock.destroy();
  });
});

describe('failed MQTT logins are throttled', () => {
  it('per device id: after 10 wrong secrets even the right one is refused, until time has passed', async () => {
    ts = await startTestServer();
    for (let i = 0; i < 10; i++) expect(await login('demo-wrist', `wrong-${i}`, `127.0.0.${10 + i}`)).toBe(5);
    expect(await login('demo-wrist', DEMO_DEVICE_SECRET, '127.0.0.3')).toBe(5);
    const m = await metrics();
    expect(counter(m, 'odart_mqtt_auth_failures_total', 'kind="connect"')).toBe(10);
    expect(counter(m, 'odart_mqtt_auth_failures_total', 'kind="throttled"')).toBe(1);
    ts.clock.advance(60_000);
    expect(await login('demo-wrist', DEMO_DEVICE_SECRET, '127.0.0.3')).toBe(0);
  });

  it('per address: after 20 failures an address is refused for any device, other addresses are not', async () => {
    ts = await startTestServer();
    for (let i = 0; i < 20; i++) expect(await login(`nobody-${i}`, 'whatever-secret', '127.0.0.4')).toBe(5);
    expect(await login('demo-room', DEMO_DEVICE_SECRET, '127.0.0.4')).toBe(5);
    expect(await login('demo-room', DEMO_DEVICE_SECRET, '127.0.0.5')).toBe(0);
    expect(counter(await metrics(), 'odart_mqtt_auth_failures_total', 'kind="throttled"')).toBe(1);
  });

  it('a device that logged in from an address before is not locked out by failures of others', async () => {
    ts = await startTestServer();
    expect(await login('demo-wrist', DEMO_DEVICE_SECRET, '127.0.0.6')).toBe(0);
    for (let i = 0; i < 25; i++) await login('demo-wrist', `wrong-${i}`, '127.0.0.6');
    expect(await login('demo-wrist', DEMO_DEVICE_SECRET, '127.0.0.6')).toBe(0);
    expect(await login('demo-wrist', DEMO_DEVICE_SECRET, '127.0.0.7')).toBe(5);
  });
});
