// The durable send queue: notification rows (key stored before any provider call) are claimed with a
// lease, sent through their channel (the registry's queued channels) at the per-number rate in priority order, and their outcome
// recorded as an attempt and a timeline entry. Retryable failures come back after a backoff; permanent
// ones (or the last attempt) are handed to the escalator at once, which falls back or moves on.
import type { Clock, TimerHandle } from '../clock.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { ChannelRegistry, DeliveryOutcome, SmsResult } from '../notify/index.js';
import { FencedWriteError, type EscalationRepo, type FencedCore, type NotificationRow, type Repos } from '../store/index.js';
import { BUCKET_CAPACITY, TokenBucket } from './rate.js';
import { maskTarget } from './targets.js';

/** After the quick retries, a page whose provider is down is tried again this often while its alert escalates. */
const SLOW_RETRY_MS = 60_000;

export interface DispatcherDeps {
  repos: Repos;
  esc: EscalationRepo;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  /** the channels pages go out on; each queued channel has its own queue and rate bucket */
  channels: ChannelRegistry;
  /** messages per second per sending number (0 = no limit), unless the channel sets its own */
  ratePerS: number;
  timeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  /** May this page still go out? (its alert is escalating under the same fencing token) */
  pageIsCurrent(n: NotificationRow): Promise<boolean>;
  /** A notification failed for good: the escalator falls back to other channels or moves on. */
  onFailed(n: NotificationRow): Promise<void>;
  maxInFlight?: number;
  /**
   * Several nodes (issue 14): only the active core sends, and its claims carry the lease fence (a stale epoch
   * claims nothing, the node steps down). Absent: the embedded single node.
   */
  core?: FencedCore;
}

/** How long past its timeout a 'sending' row may stay before the auditor treats its sender as dead. */
const LEASE_SLACK_MS = 30_000;

export class Dispatcher {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly inFlight = new Set<Promise<void>>();
  private pumping: Promise<void> | null = null;
  private again = false;
  private wake: { at: number; handle: TimerHandle } | null = null;
  private readonly decidedAt = new Map<string, number>();
  private readonly maxInFlight: number;
  private stopped = false;
  /** sends currently waiting for the provider's answer */
  private inProvider = 0;

  constructor(private readonly d: DispatcherDeps) {
    this.maxInFlight = d.maxInFlight ?? 32;
  }

  /** Remember when the decision for this alert was taken (wall clock) to measure decision -> first request. */
  markDecided(alertId: string, wallMs: number): void {
    this.decidedAt.set(alertId, wallMs);
  }

  kick(): void {
    if (this.stopped) return;
    this.pump().catch((err: unknown) => this.d.log.error({ err }, 'dispatch failed'));
  }

  /** Sends whatever is ready. Concurrent calls coalesce into one more pass. */
  pump(): Promise<void> {
    if (this.pumping) {
      this.again = true;
      return this.pumping;
    }
    this.pumping = (async () => {
      try {
        do {
          this.again = false;
          await this.pass();
        } while (this.again && !this.stopped);
      } finally {
        this.pumping = null;
      }
    })();
    return this.pumping;
  }

  /**
   * Resolves when nothing is being pumped or sent. `providerTurns` bounds how many event-loop turns it
   * waits on provider calls alone (a test's hung provider only answers when virtual time moves on).
   */
  async idle(providerTurns = Infinity): Promise<void> {
    let turns = 0;
    for (let i = 0; i < 100_000; i++) {
      if (this.pumping) await this.pumping;
      else if (this.inFlight.size === 0) return;
      else if (this.inProvider < this.inFlight.size) await new Promise<void>((r) => setImmediate(r));
      else if (providerTurns === Infinity) await Promise.race([...this.inFlight]);
      else if (turns++ >= providerTurns) return;
      else await new Promise<void>((r) => setImmediate(r));
    }
  }

  stop(): void {
    this.stopped = true;
    this.wake?.handle.cancel();
    this.wake = null;
  }

  private bucket(channel: string): TokenBucket {
    let b = this.buckets.get(channel);
    if (!b) {
      // Capacity 3: one token per priority level (first page, later pages, routine), see rate.ts.
      const ch = this.d.channels.get(channel);
      b = new TokenBucket((ch.delivery === 'queued' ? ch.ratePerS : undefined) ?? this.d.ratePerS, BUCKET_CAPACITY, this.d.clock.now());
      this.buckets.set(channel, b);
    }
    return b;
  }

  private async pass(): Promise<void> {
    const { esc, clock, core } = this.d;
    // A standby sends nothing: what a person's action queued on it goes out from the core's next pass.
    if (core && !core.active) return;
    const now = clock.now();
    const room = this.maxInFlight - this.inFlight.size;
    if (room <= 0) return;
    // Per channel, so texts waiting for the rate never hide a call that could go now.
    const rows: NotificationRow[] = [];
    for (const ch of this.d.channels.queued()) rows.push(...(await esc.readyNotifications(now, room + 16, ch.id)));
    const blocked = new Set<string>();
    let wakeAt: number | null = null;
    for (const row of rows) {
      if (this.inFlight.size >= this.maxInFlight || this.stopped) break;
      if (blocked.has(row.channel)) continue;
      const bucket = this.bucket(row.channel);
      const need = bucket.need(row.priority);
      if (!bucket.available(now, need)) {
        // Rows come highest priority first: everything after this one on the channel waits too.
        blocked.add(row.channel);
        const at = now + Math.max(1, bucket.waitMs(now, need));
        wakeAt = wakeAt === null ? at : Math.min(wakeAt, at);
        continue;
      }
      let claimedIt: boolean;
      try {
        claimedIt = await esc.claimNotification(row, now, now + this.d.timeoutMs + LEASE_SLACK_MS, core?.fence());
      } catch (err) {
        if (!(err instanceof FencedWriteError)) throw err;
        core?.refused(err.op);
        return;
      }
      if (!claimedIt) continue;
      bucket.take(now);
      const claimed: NotificationRow = { ...row, state: 'sending', attempts: row.attempts + 1 };
      const p = this.sendOne(claimed)
        .catch((err: unknown) => this.d.log.error({ err, notificationId: row.id }, 'send failed unexpectedly'))
        .finally(() => {
          this.inFlight.delete(p);
          this.kick();
        });
      this.inFlight.add(p);
    }
    if (wakeAt === null) {
      const retry = await esc.nextRetryDue();
      if (retry !== null && retry > now) wakeAt = retry;
    }
    if (wakeAt !== null) this.wakeAt(wakeAt);
  }

  private wakeAt(at: number): void {
    if (this.stopped) return;
    if (this.wake && this.wake.at <= at) return;
    this.wake?.handle.cancel();
    const handle = this.d.clock.setTimeout(() => {
      this.wake = null;
      this.kick();
    }, at - this.d.clock.now());
    this.wake = { at, handle };
  }

  private async sendOne(n: NotificationRow): Promise<void> {
    const { repos, clock } = this.d;
    if (n.kind === 'page' && !(await this.d.pageIsCurrent(n))) {
      const now = clock.now();
      await this.d.esc.finishNotification(n.id, n.attempts, 'sending', { state: 'cancelled', lease_until: null, updated_at: now });
      await repos.appendTimeline(n.alert_id, now, 'notify_skipped', {
        channel: n.channel,
        target: n.target,
        step: n.step_index,
        reason: 'alert no longer escalating',
      });
      this.d.metrics.notifications.inc({ channel: n.channel, result: 'skipped' });
      return;
    }
    if (!n.to_addr || n.body === null) {
      await this.record(n, { ok: false, code: 'no_address', message: 'no address', retryable: false });
      return;
    }
    const decided = n.kind === 'page' ? this.decidedAt.get(n.alert_id) : undefined;
    if (decided !== undefined) {
      this.decidedAt.delete(n.alert_id);
      this.d.metrics.decisionToSms.observe(Math.max(0, Date.now() - decided) / 1000);
    }
    const alert = await repos.alertById(n.alert_id);
    const owner = alert ? { serviceId: alert.service_id, wearerId: alert.wearer_id } : undefined;
    const ch = this.d.channels.get(n.channel);
    // Only queued channels have rows to send; a live channel's row here would be a bug, failed like a provider's refusal.
    const call =
      ch.delivery === 'queued'
        ? ch.send({ to: n.to_addr, body: n.body, owner })
        : Promise.resolve<SmsResult>({
            ok: false,
            code: 'not_queued',
            message: `${n.channel} is not sent from the queue`,
            retryable: false,
          });
    this.inProvider++;
    let res: SmsResult;
    try {
      res = await this.withTimeout(n, call);
    } finally {
      this.inProvider--;
    }
    await this.record(n, res);
  }

  /** The provider call races the injected clock, so timeouts are testable in virtual time. */
  private withTimeout(n: NotificationRow, call: Promise<SmsResult>): Promise<SmsResult> {
    return new Promise<SmsResult>((resolve) => {
      let settled = false;
      const timer = this.d.clock.setTimeout(() => {
        if (settled) return;
        settled = true;
        resolve({ ok: false, code: 'timeout', message: `no answer from the provider in ${this.d.timeoutMs} ms`, retryable: true });
      }, this.d.timeoutMs);
      call.then(
        (res) => {
          if (!settled) {
            settled = true;
            timer.cancel();
            resolve(res);
          } else {
            this.late(n, res).catch((err: unknown) => this.d.log.error({ err }, 'recording a late provider answer failed'));
          }
        },
        (err: unknown) => {
          if (settled) return;
          settled = true;
          timer.cancel();
          resolve({ ok: false, code: 'exception', message: err instanceof Error ? err.message : String(err), retryable: true });
        },
      );
    });
  }

  /** The provider answered after we gave up: if it accepted the message, the person may get it twice. */
  private async late(n: NotificationRow, res: SmsResult): Promise<void> {
    if (!res.ok) return;
    const now = this.d.clock.now();
    await this.d.esc.insertAttempt({
      notification_id: n.id,
      attempt: n.attempts,
      provider_id: res.sid,
      result: `late_${res.status}`,
      error_code: null,
      at: now,
    });
    await this.d.repos.appendTimeline(n.alert_id, now, 'late_provider_result', {
      channel: n.channel,
      target: n.target,
      step: n.step_index,
      providerId: res.sid,
      result: res.status,
      attempt: n.attempts,
      possibleDuplicate: true,
    });
  }

  private async record(n: NotificationRow, res: SmsResult): Promise<void> {
    const { esc, repos, clock, metrics } = this.d;
    const now = clock.now();
    const attempt = n.attempts;
    await esc.insertAttempt({
      notification_id: n.id,
      attempt,
      provider_id: res.ok ? res.sid : null,
      result: res.ok ? res.status : 'error',
      error_code: res.ok ? null : res.code,
      at: now,
    });
    const base = { channel: n.channel, target: n.target, step: n.step_index, kind: n.kind, attempt };
    if (res.ok) {
      const current = await esc.finishNotification(n.id, attempt, 'sending', {
        state: 'sent',
        provider_id: res.sid,
        status: res.status,
        error_code: null,
        lease_until: null,
        updated_at: now,
      });
      await repos.appendTimeline(n.alert_id, now, 'notified', {
        ...base,
        providerId: res.sid,
        result: res.status,
        ...(current ? {} : { superseded: true }),
      });
      metrics.notifications.inc({ channel: n.channel, result: 'sent' });
      return;
    }
    // Quick retries with backoff first; after those a page keeps being retried slowly for as long as
    // its alert is still escalating (an outage of minutes must not lose a page), while the chain
    // moves on to fallbacks at once.
    const quick = res.retryable && attempt < this.d.maxAttempts;
    const slow = res.retryable && !quick && n.kind === 'page';
    const retry = quick || slow;
    const nextAt = quick ? now + this.d.retryBaseMs * 2 ** (attempt - 1) : now + SLOW_RETRY_MS;
    const current = await esc.finishNotification(
      n.id,
      attempt,
      'sending',
      retry
        ? { state: 'retry', next_attempt_at: nextAt, status: 'failed', error_code: res.code, lease_until: null, updated_at: now }
        : { state: 'failed', status: 'failed', error_code: res.code, lease_until: null, updated_at: now },
    );
    await repos.appendTimeline(n.alert_id, now, 'notify_failed', {
      ...base,
      errorCode: res.code,
      retryable: retry,
      ...(slow ? { slowRetry: true } : {}),
      ...(retry ? { nextAttemptAt: new Date(nextAt).toISOString() } : {}),
    });
    metrics.notifications.inc({ channel: n.channel, result: retry ? 'retry' : 'failed' });
    this.d.log.warn(
      { alertId: n.alert_id, target: maskTarget(n.target), channel: n.channel, code: res.code, attempt, retry },
      'notification failed',
    );
    if (!current) return;
    if (retry) this.wakeAt(nextAt);
    if (!quick && attempt <= this.d.maxAttempts) await this.d.onFailed({ ...n, state: 'failed', error_code: res.code });
  }

  /**
   * A delivery status callback (message or call). Recorded always; the notification's channel reads
   * the status words, and a failure of the current attempt turns a 'sent' notification into a retry
   * or a failure, like a synchronous error would.
   */
  async onProviderStatus(sid: string, status: string, errorCode: string | null): Promise<boolean> {
    const { esc, repos, clock } = this.d;
    const att = await esc.attemptByProviderId(sid);
    if (!att) return false;
    const n = await esc.notificationById(att.notification_id);
    if (!n) return false;
    const now = clock.now();
    await repos.appendTimeline(n.alert_id, now, 'delivery_status', {
      channel: n.channel,
      target: n.target,
      step: n.step_index,
      providerId: sid,
      result: status,
      errorCode,
      attempt: att.attempt,
    });
    if (n.provider_id !== sid || n.state !== 'sent') return true;
    const ch = this.d.channels.get(n.channel);
    const outcome: DeliveryOutcome = ch.delivery === 'queued' ? ch.parseStatus(status, errorCode) : 'pending';
    if (outcome === 'ok' || outcome === 'pending') {
      await esc.finishNotification(n.id, n.attempts, 'sent', { status, updated_at: now });
      return true;
    }
    const retry = outcome === 'retryable' && n.attempts < this.d.maxAttempts;
    const nextAt = now + this.d.retryBaseMs * 2 ** (n.attempts - 1);
    const current = await esc.finishNotification(
      n.id,
      n.attempts,
      'sent',
      retry
        ? { state: 'retry', status, error_code: errorCode ?? status, next_attempt_at: nextAt, updated_at: now }
        : { state: 'failed', status, error_code: errorCode ?? status, updated_at: now },
    );
    if (!current) return true;
    this.d.metrics.notifications.inc({ channel: n.channel, result: retry ? 'retry' : 'failed' });
    if (retry) {
      await repos.appendTimeline(n.alert_id, now, 'notify_retry_scheduled', {
        channel: n.channel,
        target: n.target,
        step: n.step_index,
        errorCode: errorCode ?? status,
        nextAttemptAt: new Date(nextAt).toISOString(),
      });
      this.wakeAt(nextAt);
    } else {
      await this.d.onFailed({ ...n, state: 'failed', error_code: errorCode ?? status });
    }
    return true;
  }

  /**
   * Sends left in 'sending' by a process that died (at start-up: all; later: lease expired). We
   * cannot know whether the provider got them, and a lost page can cost a life while a duplicate
   * costs a second text: they are sent again (at-least-once) and the timeline says so.
   */
  async recoverStuck(atStartup: boolean): Promise<number> {
    const { esc, repos, clock } = this.d;
    const now = clock.now();
    const rows = await esc.stuckSending(atStartup ? null : now);
    let n = 0;
    for (const r of rows) {
      const ok = await esc.finishNotification(r.id, r.attempts, 'sending', {
        state: 'retry',
        next_attempt_at: now,
        lease_until: null,
        updated_at: now,
      });
      if (!ok) continue;
      n++;
      await repos.appendTimeline(r.alert_id, now, 'notify_interrupted', {
        channel: r.channel,
        target: r.target,
        step: r.step_index,
        attempt: r.attempts,
        possibleDuplicate: true,
        action: 'send again',
      });
    }
    if (n > 0) this.kick();
    return n;
  }
}
