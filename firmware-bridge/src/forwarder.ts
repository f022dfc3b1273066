// Store-and-forward between intake and the MQTT uplink. While the uplink is up and nothing is
// queued, messages go straight out from memory; when it goes down (or falls behind), everything
// not yet acknowledged moves to the disk queue and later drains oldest first. A message leaves
// the queue only on PUBACK (at least once: a message whose PUBACK was lost is sent again).
import type { DiskQueue, QueuedMessage } from './disk-queue.js';
import type { Outgoing } from './translate.js';

export interface Publisher {
  /** QoS 1 publish; `done` runs on PUBACK (err undefined) or on failure. */
  publish(topic: string, payload: string, done: (err?: Error) => void): void;
}

export interface ForwarderOptions {
  /** soft bound of the disk queue, messages; vitals/presence are thinned beyond it */
  maxQueued: number;
  /** hard bound: beyond it even critical messages are refused (a flooding device), loudly */
  hardMaxQueued: number;
  /** publishes awaiting PUBACK at once */
  window?: number;
  /** memory backlog beyond which messages spill to disk although the uplink is up */
  memLimit?: number;
  onOverflow?: (m: Outgoing) => void;
}

export interface ForwarderStats {
  published: number;
  acked: number;
  spilled: number;
  thinned: number;
  overflow: number;
  notRegistered: number;
  queued: number;
  inflight: number;
}

export class Forwarder {
  private pub: Publisher | null = null;
  private generation = 0;
  private allowed: ReadonlySet<string> | null = null;
  private nextId: number;
  private mem: QueuedMessage[] = [];
  private memHead = 0;
  /** in flight, by id; `disk` says whether the message also sits in the disk queue */
  private readonly inflight = new Map<number, { m: QueuedMessage; disk: boolean }>();
  private diskCursor = 0;
  private pendingDisk: QueuedMessage[] = [];
  private pendingDelete: number[] = [];
  private flushScheduled = false;
  private closed = false;
  private readonly window: number;
  private readonly memLimit: number;
  readonly stats: ForwarderStats = {
    published: 0,
    acked: 0,
    spilled: 0,
    thinned: 0,
    overflow: 0,
    notRegistered: 0,
    queued: 0,
    inflight: 0,
  };

  constructor(
    private readonly disk: DiskQueue,
    private readonly o: ForwarderOptions,
  ) {
    this.nextId = disk.maxId() + 1;
    this.window = o.window ?? 4096;
    this.memLimit = o.memLimit ?? 20_000;
  }

  /** The devices this gateway may publish for (from the server); null = not yet known. */
  setAllowed(devices: Iterable<string> | null): void {
    this.allowed = devices === null ? null : new Set(devices);
    this.pump();
  }

  get knowsDevices(): boolean {
    return this.allowed !== null;
  }

  isAllowed(deviceId: string): boolean | null {
    return this.allowed === null ? null : this.allowed.has(deviceId);
  }

  push(m: Outgoing): void {
    if (this.closed) return;
    const q: QueuedMessage = { id: this.nextId++, deviceId: m.deviceId, topic: m.topic, payload: m.payload, critical: m.critical };
    if (this.onDisk() || this.pub === null || this.pendingMem() >= this.memLimit) {
      if (!this.onDisk() && this.pendingMem() > 0) this.spillMem();
      this.toDisk(q, m);
    } else {
      this.mem.push(q);
    }
    this.pump();
  }

  /** The uplink is up (after the server told us our devices, the pump starts). */
  connected(pub: Publisher): void {
    this.pub = pub;
    this.generation++;
    this.diskCursor = 0;
    this.pump();
  }

  /** The uplink went down: everything unacknowledged goes to disk, in order. */
  disconnected(): void {
    this.pub = null;
    this.generation++;
    const back: QueuedMessage[] = [];
    for (const { m, disk } of this.inflight.values()) if (!disk) back.push(m);
    this.inflight.clear();
    back.push(...this.mem.slice(this.memHead));
    this.mem = [];
    this.memHead = 0;
    back.sort((a, b) => a.id - b.id);
    this.stats.spilled += back.length;
    for (const q of back) this.pendingDisk.push(q);
    this.flush();
    this.diskCursor = 0;
  }

  /** Messages not yet acknowledged (memory + disk). */
  get backlog(): number {
    let memInflight = 0;
    for (const f of this.inflight.values()) if (!f.disk) memInflight++;
    return this.pendingMem() + memInflight + this.disk.size + this.pendingDisk.length - this.pendingDelete.length;
  }

  get isUp(): boolean {
    return this.pub !== null;
  }

  /** Writes buffered disk inserts and deletes now (also runs on its own at the end of each turn). */
  flush(): void {
    this.flushScheduled = false;
    if (this.pendingDisk.length > 0) {
      const batch = this.pendingDisk;
      this.pendingDisk = [];
      this.disk.append(batch);
    }
    if (this.pendingDelete.length > 0) {
      const ids = this.pendingDelete;
      this.pendingDelete = [];
      this.disk.remove(ids);
    }
    this.stats.queued = this.disk.size;
    this.stats.inflight = this.inflight.size;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.closed) return;
    this.flushScheduled = true;
    setImmediate(() => {
      if (this.closed) return;
      this.flush();
      this.pump();
    });
  }

  /** Everything unacknowledged to disk, then the disk queue closed. */
  close(): void {
    if (this.closed) return;
    this.disconnected();
    this.flush();
    this.closed = true;
    this.disk.close();
  }

  private pendingMem(): number {
    return this.mem.length - this.memHead;
  }

  private onDisk(): boolean {
    return this.disk.size + this.pendingDisk.length > 0;
  }

  private spillMem(): void {
    const rest = this.mem.slice(this.memHead);
    this.mem = [];
    this.memHead = 0;
    this.stats.spilled += rest.length;
    this.pendingDisk.push(...rest);
  }

  private toDisk(q: QueuedMessage, m: Outgoing): void {
    const total = this.disk.size + this.pendingDisk.length;
    if (total >= this.o.maxQueued) {
      this.flush();
      this.stats.thinned += this.disk.thin();
      if (this.disk.size >= this.o.maxQueued && !q.critical) {
        // Nothing left to thin but critical messages: this vitals/presence sample is the one thinned.
        this.stats.thinned++;
        return;
      }
      if (this.disk.size >= this.o.hardMaxQueued) {
        this.stats.overflow++;
        this.o.onOverflow?.(m);
        return;
      }
    }
    this.pendingDisk.push(q);
    this.scheduleFlush();
  }

  private pump(): void {
    const pub = this.pub;
    if (pub === null || this.allowed === null) return;
    const gen = this.generation;
    while (this.inflight.size < this.window) {
      if (this.onDisk()) {
        if (this.pendingDisk.length > 0) this.flush();
        const batch = this.disk.after(this.diskCursor, Math.min(256, this.window - this.inflight.size));
        if (batch.length === 0) {
          // Everything on disk is in flight; memory waits behind it to keep the order.
          break;
        }
        for (const m of batch) {
          this.diskCursor = m.id;
          this.send(pub, gen, { m, disk: true });
        }
        continue;
      }
      const m = this.mem[this.memHead];
      if (m === undefined) break;
      this.memHead++;
      if (this.memHead > 1024 && this.memHead * 2 > this.mem.length) {
        this.mem = this.mem.slice(this.memHead);
        this.memHead = 0;
      }
      this.send(pub, gen, { m, disk: false });
    }
    this.stats.inflight = this.inflight.size;
  }

  private send(pub: Publisher, gen: number, f: { m: QueuedMessage; disk: boolean }): void {
    if (this.allowed !== null && !this.allowed.has(f.m.deviceId)) {
      // The server would refuse it (and drop our connection): it can never be delivered.
      this.stats.notRegistered++;
      if (f.disk) this.ack(f);
      return;
    }
    this.inflight.set(f.m.id, f);
    this.stats.published++;
    pub.publish(f.m.topic, f.m.payload, (err) => {
      if (gen !== this.generation) return; // the connection it went out on is gone; it is on disk again
      if (err) return; // the connection is failing; `disconnected` will requeue it
      this.inflight.delete(f.m.id);
      this.stats.acked++;
      this.ack(f);
      this.pump();
    });
  }

  private ack(f: { m: QueuedMessage; disk: boolean }): void {
    if (!f.disk) return;
    this.pendingDelete.push(f.m.id);
    this.scheduleFlush();
  }
}
