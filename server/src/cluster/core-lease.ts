// Node roles (issue 14): every node serves HTTP, the app and /api/live; exactly one, the holder of the core lease
// in the store (store/lease.ts), runs the core (ingest, detection, alerts' timers, escalation). A node tries to
// acquire or renew every `renewMs` on the injected clock; it acts as the core only until its renew deadline
// (the start of its last successful attempt + leaseMs - renewMs), which is before the lease it wrote runs out,
// so a node cut off from the database stops acting before a standby can take over. The embedded default
// (SQLite, one node) simply holds the lease: active from the start, no timer, no fence.
import type { Clock, TimerHandle } from '../clock.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Fence, FencedCore, FencedOp, LeaseRepo, LeaseResult } from '../store/lease.js';

export type Role = 'active' | 'standby';

/** What /healthz and /metrics report about this node (DESIGN.md: `role` is `active` or `standby`). */
export interface CoreStatus {
  nodeId: string;
  role: Role;
  /** the fencing epoch this node holds the lease with; null on a standby and on the embedded single node */
  epoch: number | null;
  /** who holds the lease as the last attempt read it (this node, another, or nobody); null when that attempt failed */
  holder: string | null;
  /** false while the last lease attempt failed (PostgreSQL unreachable or refusing): nobody's lease can be vouched for */
  holderKnown: boolean;
  /** who held the lease at the last attempt that succeeded (what this node last saw; null: never saw one) */
  lastHolder: string | null;
  /**
   * a core is active as far as this node knows: its own role (before its renew deadline), or another holder's
   * unexpired lease read by the last attempt; false while the holder is not known
   */
  coreActive: boolean;
  /** ms since this node's last successful lease attempt (null: never, or the single node) */
  leaseAgeMs: number | null;
  /** ms the holder's lease has left at the last attempt's reading (null when nobody holds it, or the holder is not known) */
  leaseRemainingMs: number | null;
  /** lease attempts failed in a row (an attempt still unanswered at the next round counts as failed); 0 after a success */
  leaseFailures: number;
}

export interface CoreLeaseDeps {
  /** the store's lease repository; absent for the embedded single node (it holds the lease alone) */
  lease?: LeaseRepo;
  clock: Clock;
  log: Logger;
  nodeId: string;
  leaseMs: number;
  renewMs: number;
  /** becoming the core: take over escalation work, rebuild detector state, start ingest */
  onActive(fence: Fence | undefined): Promise<void>;
  /** no longer the core (deadline passed, lease taken, shutdown): stop acting */
  onStandby(): Promise<void>;
  /** counts the core writes the store refused (`odart_fenced_writes_total{op}`) */
  metrics?: Pick<Metrics, 'fencedWrites'>;
}

export class CoreLease implements FencedCore {
  private role: Role = 'standby';
  private epoch: number | null = null;
  private deadline = 0;
  private lastOk: number | null = null;
  private last: LeaseResult | null = null;
  private failures = 0;
  private timer: TimerHandle | null = null;
  /** a standby's one attempt at the moment the holder's lease runs out (when that comes before the next round) */
  private atExpiry: TimerHandle | null = null;
  private attempt: Promise<void> | null = null;
  /** numbers the attempts: the answer of one abandoned by a later round is ignored */
  private attempts = 0;
  private change: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly d: CoreLeaseDeps) {
    // the single node is the core from the first moment (device data may arrive before start(): a persistent session)
    if (!d.lease) this.role = 'active';
  }

  get nodeId(): string {
    return this.d.nodeId;
  }

  /** This node may act as the core now (checked at every use: the deadline passes between ticks too). */
  get active(): boolean {
    if (this.role !== 'active') return false;
    return !this.d.lease || this.d.clock.now() < this.deadline;
  }

  /** The fence core writes carry: undefined on the single node (it needs none); on a standby one that matches no lease. */
  fence(): Fence | undefined {
    if (!this.d.lease) return undefined;
    return { nodeId: this.d.nodeId, epoch: this.active && this.epoch !== null ? this.epoch : -1 };
  }

  /**
   * The store refused a core write of this node (FencedWriteError: the lease row names another node or epoch, or
   * ran out): counted and logged, and the node steps down at once instead of at its next renewal. The next
   * attempt finds out who holds the lease (a new epoch of this node's own if nobody does).
   */
  refused(op: FencedOp): void {
    this.d.metrics?.fencedWrites.inc({ op });
    this.d.log.warn({ nodeId: this.d.nodeId, op }, 'a core write was refused: this node no longer holds the core lease');
    this.stepDown(`a core write (${op}) was refused by the fence`);
  }

  /** First attempt now (awaited, with its role change), then one every renewMs. */
  async start(): Promise<void> {
    if (!this.d.lease) {
      await this.d.onActive(undefined);
      return;
    }
    await this.tick();
    this.rounds();
  }

  /** The rounds, every renewMs from now. */
  private rounds(): void {
    this.timer?.cancel();
    this.timer = this.d.clock.setInterval(() => {
      void this.tick();
    }, this.d.renewMs);
  }

  /**
   * A standby that read another node's lease tries once more the moment it runs out, when that comes before its next
   * round: a takeover within leaseMs of the holder's last renewal instead of up to a round later (1⅓ x the lease at
   * the default third). The rounds go on from that attempt, so the next one is a whole round after it. Clocks of
   * the nodes are compared as in every round (the same margin: the holder stopped acting renewMs before this).
   */
  private tryAtExpiry(res: LeaseResult, now: number): void {
    if (this.stopped || res.holder === null || res.holder === this.d.nodeId) return;
    const wait = Math.max(0, res.expiresAt - now);
    if (wait >= this.d.renewMs) return; // the next round comes first
    this.atExpiry?.cancel();
    this.atExpiry = this.d.clock.setTimeout(() => {
      this.atExpiry = null;
      if (this.stopped || this.attempt) return;
      this.rounds();
      void this.tick();
    }, wait);
  }

  /**
   * One renewal round: step down if the deadline passed, then try to acquire or renew. An attempt is bounded by
   * the round: one still unanswered when the next round comes (PostgreSQL hangs) counts as failed and is abandoned
   * (its answer, should it come, is ignored), and this round tries again, so a query stuck on a dead connection
   * never stops the node from trying.
   */
  async tick(): Promise<void> {
    if (this.stopped || !this.d.lease) return;
    if (this.role === 'active' && !this.active) this.stepDown('renew deadline passed');
    if (this.attempt) {
      this.failures++;
      this.d.log.warn({ failures: this.failures, afterMs: this.d.renewMs }, 'core lease attempt unanswered: counted failed, trying again');
    }
    const id = ++this.attempts;
    const attempt = this.tryLease(id).finally(() => {
      if (this.attempt === attempt) this.attempt = null;
    });
    this.attempt = attempt;
    await attempt;
    await this.change;
  }

  /** Resolves when the role changes started so far have finished. */
  async settled(): Promise<void> {
    if (this.attempt) await this.attempt;
    await this.change;
  }

  status(): CoreStatus {
    const now = this.d.clock.now();
    const single = !this.d.lease;
    if (single) {
      const holder = this.stopped ? null : this.d.nodeId;
      const base = { holder, holderKnown: true, lastHolder: holder, leaseAgeMs: null, leaseRemainingMs: null, leaseFailures: 0 };
      return { nodeId: this.d.nodeId, role: this.active ? 'active' : 'standby', epoch: null, coreActive: this.active, ...base };
    }
    const known = this.failures === 0 && this.last !== null ? this.last : null;
    // another node's unexpired lease, as the last attempt read it; this node's own counts only while it acts (past
    // its renew deadline it does not, though the row it wrote still runs)
    const live = known !== null && known.holder !== null && known.holder !== this.d.nodeId && known.expiresAt > now;
    return {
      nodeId: this.d.nodeId,
      role: this.active ? 'active' : 'standby',
      epoch: this.active ? this.epoch : null,
      holder: known?.holder ?? null,
      holderKnown: known !== null,
      lastHolder: this.last?.holder ?? null,
      coreActive: this.active || live,
      leaseAgeMs: this.lastOk === null ? null : now - this.lastOk,
      leaseRemainingMs: known !== null && known.holder !== null && known.expiresAt > now ? known.expiresAt - now : null,
      leaseFailures: this.failures,
    };
  }

  /**
   * Shutdown: stop acting, then let the lease go so a standby takes over at its next attempt. Bounded on the
   * clock when PostgreSQL hangs: the attempt in flight is waited for at most one renewal (a renewal landing after
   * the release would hold the lease until it runs out), the release at most one more; unanswered, the lease runs
   * out by itself and a standby takes over then.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.timer?.cancel();
    this.atExpiry?.cancel();
    const fence = this.epoch !== null ? { nodeId: this.d.nodeId, epoch: this.epoch } : null;
    const wasActive = this.role === 'active';
    if (wasActive) this.stepDown('shutting down');
    await this.change;
    if (this.attempt && !(await this.atMost(this.attempt, this.d.renewMs)))
      this.d.log.warn({ afterMs: this.d.renewMs }, 'core lease attempt unanswered at shutdown: not waited for');
    if (wasActive && fence && this.d.lease) {
      const release = this.d.lease.release(fence, this.d.clock.now()).catch((err: unknown) => {
        this.d.log.warn({ err }, 'core lease release failed');
      });
      if (!(await this.atMost(release, this.d.renewMs)))
        this.d.log.warn({ afterMs: this.d.renewMs }, 'core lease release unanswered: the lease runs out by itself');
    }
    // a stopped node follows the lease no more: what it last read (its own released lease, or another holder's)
    // is not reported as a live core
    this.last = null;
    this.lastOk = null;
    this.failures = 0;
  }

  /** True once `p` settled (either way), false when `ms` passed first on the clock. */
  private atMost(p: Promise<unknown>, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = this.d.clock.setTimeout(() => resolve(false), ms);
      const done = () => {
        timer.cancel();
        resolve(true);
      };
      p.then(done, done);
    });
  }

  private async tryLease(id: number): Promise<void> {
    const lease = this.d.lease!;
    const started = this.d.clock.now();
    let res: LeaseResult;
    try {
      res = await lease.acquire(this.d.nodeId, this.role === 'active' ? this.epoch : null, started, this.d.leaseMs);
    } catch (err) {
      if (id !== this.attempts || this.stopped) return; // abandoned by a later round, or shut down
      this.failures++;
      this.d.log.warn({ err, failures: this.failures }, 'core lease attempt failed');
      if (this.role === 'active' && !this.active) this.stepDown('renew deadline passed');
      return;
    }
    if (this.stopped || id !== this.attempts) return;
    this.last = res;
    this.lastOk = started;
    this.failures = 0;
    if (!res.held) {
      if (this.role === 'active') this.stepDown(`lease held by ${res.holder ?? 'nobody'}`);
      this.tryAtExpiry(res, this.d.clock.now());
      return;
    }
    if (this.role === 'active' && res.epoch !== this.epoch) this.stepDown('new epoch');
    this.deadline = started + this.d.leaseMs - this.d.renewMs;
    if (this.d.clock.now() >= this.deadline) return; // the answer came too late to act on
    if (this.role !== 'active') {
      this.role = 'active';
      this.epoch = res.epoch;
      this.d.log.warn({ nodeId: this.d.nodeId, epoch: res.epoch }, 'this node is now the active core');
      const fence = { nodeId: this.d.nodeId, epoch: res.epoch };
      this.change = this.change.then(() =>
        this.d.onActive(fence).catch((err: unknown) => this.d.log.error({ err }, 'becoming the active core failed')),
      );
    }
  }

  private stepDown(why: string): void {
    if (this.role !== 'active') return;
    this.role = 'standby';
    this.d.log.warn({ nodeId: this.d.nodeId, epoch: this.epoch, why }, 'this node is no longer the active core');
    this.epoch = null;
    this.change = this.change.then(() =>
      this.d.onStandby().catch((err: unknown) => this.d.log.error({ err }, 'stepping down from the core failed')),
    );
  }
}
