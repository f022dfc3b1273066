// Store-and-forward (docs/firmware-protocol.md, "Store-and-forward"): in order, at least once,
// bounded with vitals thinned and button/door/status never dropped, and durable across a restart.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiskQueue } from './disk-queue.js';
import { Forwarder, type Publisher } from './forwarder.js';
import type { Outgoing } from './translate.js';

const msg = (deviceId: string, stream: Outgoing['stream'], n: number): Outgoing => ({
  deviceId,
  stream,
  topic: `odart/v1/devices/${deviceId}/${stream}`,
  payload: JSON.stringify({ n }),
  critical: stream === 'button' || stream === 'door' || stream === 'status',
});

/** A broker stand-in that records publishes and acknowledges them when told. */
function fakeUplink() {
  const sent: { topic: string; n: number; done: (err?: Error) => void }[] = [];
  const pub: Publisher = { publish: (topic, payload, done) => sent.push({ topic, n: (JSON.parse(payload) as { n: number }).n, done }) };
  return {
    pub,
    sent,
    ackAll: () => {
      for (const s of sent.splice(0)) s.done();
    },
  };
}
const turn = () => new Promise<void>((r) => setImmediate(r));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'odart-fwd-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('store-and-forward queue', () => {
  it('queues while down and drains oldest first, including what was in flight when the link dropped', async () => {
    const q = new DiskQueue(path.join(dir, 'q.sqlite'));
    const f = new Forwarder(q, { maxQueued: 1000, hardMaxQueued: 10_000 });
    const up = fakeUplink();
    f.connected(up.pub);
    f.setAllowed(['a']);
    f.push(msg('a', 'vitals', 1));
    f.push(msg('a', 'vitals', 2));
    expect(up.sent.map((s) => s.n)).toEqual([1, 2]);
    up.sent[0]!.done(); // 1 acknowledged, 2 still in flight
    f.disconnected();
    for (let n = 3; n <= 6; n++) f.push(msg('a', n === 4 ? 'button' : 'vitals', n));
    f.flush();
    expect(q.size).toBe(5);
    const again = fakeUplink();
    f.connected(again.pub);
    f.setAllowed(['a']);
    expect(again.sent.map((s) => s.n)).toEqual([2, 3, 4, 5, 6]);
    again.ackAll();
    await turn();
    f.flush();
    expect(q.size).toBe(0);
    expect(f.backlog).toBe(0);
    f.close();
  });

  it('when full, thins old vitals but never drops a button, door or status message', () => {
    const q = new DiskQueue(path.join(dir, 'q.sqlite'));
    const f = new Forwarder(q, { maxQueued: 100, hardMaxQueued: 1000 });
    for (let n = 0; n < 1000; n++) f.push(msg('a', n % 50 === 0 ? 'button' : n % 50 === 25 ? 'door' : 'vitals', n));
    f.flush();
    expect(q.size).toBeLessThanOrEqual(101);
    const rows = q.after(0, 10_000);
    expect(rows.filter((r) => r.critical)).toHaveLength(40);
    expect(f.stats.thinned).toBe(1000 - q.size);
    // still in order, and the newest vitals are kept at full resolution
    const ns = rows.map((r) => (JSON.parse(r.payload) as { n: number }).n);
    expect([...ns].sort((a, b) => a - b)).toEqual(ns);
    expect(ns.slice(-3)).toEqual([997, 998, 999]);
    f.close();
  });

  it('refuses critical messages only beyond the hard bound (a device flooding the button), counted', () => {
    const q = new DiskQueue(':memory:');
    const f = new Forwarder(q, { maxQueued: 10, hardMaxQueued: 20 });
    for (let n = 0; n < 30; n++) f.push(msg('a', 'button', n));
    f.flush();
    expect(q.size).toBe(20);
    expect(f.stats.overflow).toBe(10);
    f.close();
  });

  it('survives a gateway restart: what was queued on disk is sent after it, in order, before newer messages', () => {
    const file = path.join(dir, 'q.sqlite');
    let q = new DiskQueue(file);
    let f = new Forwarder(q, { maxQueued: 1000, hardMaxQueued: 10_000 });
    for (let n = 1; n <= 3; n++) f.push(msg('a', 'vitals', n));
    f.close();
    q = new DiskQueue(file);
    f = new Forwarder(q, { maxQueued: 1000, hardMaxQueued: 10_000 });
    f.push(msg('a', 'door', 4));
    const up = fakeUplink();
    f.connected(up.pub);
    f.setAllowed(['a']);
    expect(up.sent.map((s) => s.n)).toEqual([1, 2, 3, 4]);
    f.close();
  });

  it('messages of devices the server no longer lists for this gateway are dropped and counted, not retried forever', () => {
    const q = new DiskQueue(':memory:');
    const f = new Forwarder(q, { maxQueued: 1000, hardMaxQueued: 10_000 });
    f.push(msg('gone', 'button', 1));
    f.push(msg('a', 'button', 2));
    const up = fakeUplink();
    f.connected(up.pub);
    f.setAllowed(['a']);
    expect(up.sent.map((s) => s.n)).toEqual([2]);
    expect(f.stats.notRegistered).toBe(1);
    f.close();
  });
});
