// Durable escalation: each chain position is a stored job with a due time and a fencing token. Jobs
// are claimed with a lease (pending -> running -> done), so a crash mid-run re-runs them; a job whose
// token no longer matches its alert (acknowledged, resolved, re-started) is a no-op. A step stores one
// notification per (alert, token, position, target, channel) under a unique key before any provider
// call; the Dispatcher sends them. An auditor re-runs overdue or orphaned work and repairs alerts
// that lost their next job, so a restart in the middle of any escalation loses nothing.
import type { Clock, TimerHandle } from '../clock.js';
import type { Bus } from '../events/index.js';
import type { Ids } from '../ids.js';
import type { Logger } from '../log.js';
import { en } from '../messages/en.js';
import type { Metrics } from '../metrics.js';
import { isSingleSegment, type ChannelRegistry, type LivePage } from '../notify/index.js';
import {
  FencedWriteError,
  type AlertRow,
  type AlertState,
  type CoreWrite,
  type EscalationRepo,
  type Fence,
  type FencedCore,
  type JobKind,
  type JobRow,
  type NewNotification,
  type NotificationRow,
  type Repos,
} from '../store/index.js';
import { chainGroupIds, chainOnShiftGroupIds, chainSchema, contactLabel, positionCount, stepAt, type Channel } from './chain.js';
import { Dispatcher } from './dispatcher.js';
import { effectiveChain, escalationViews } from './effective-chain.js';
import { FollowUps } from './follow-ups.js';
import type { EscalationView } from './state.js';
import { channelsFor, resolveTargets, type ResolvedTarget } from './targets.js';
import { PageLinks } from './page-links.js';
import type { PageFacts } from './page-text.js';
import { PRIORITY } from './rate.js';
import { onShiftNow } from './rota.js';

export interface EscalatorDeps {
  repos: Repos;
  clock: Clock;
  ids: Ids;
  /** the channels pages go out on (notify/registry.ts `createChannels`, composed in server.ts) */
  channels: ChannelRegistry;
  /** what escalation tells (step ran, ack timed out, chain exhausted, others told): alerts/ and the live fan-out listen */
  bus: Bus;
  log: Logger;
  metrics: Metrics;
  publicUrl: string;
  /** attending responder must mark arrived or resolve within this, or the chain starts again */
  ackTimeoutMs: number;
  ratePerS: number;
  notifyTimeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  /** lease of a running job; a job still running after it is re-run by the auditor */
  jobLeaseMs?: number;
  /** how often the auditor checks that every open alert has its next job */
  auditEveryMs?: number;
  /** after the chain is exhausted, admins are reminded this often */
  reminderEveryMs?: number;
  /** the wearer's check-in window; a check-in still open long after it (its detector state was lost) escalates */
  checkinWindowMs?: number;
  /** a responder whose app did not see a page gets one reminder SMS this long after the step (0 = off) */
  pageReminderMs?: number;
  /** signs the no-login page links and derives reply codes (a random secret when not given) */
  links?: PageLinks;
  /**
   * Several nodes (issue 14): whether this node is the active core now, and the lease fence its core writes carry
   * (job claims, the pages and next jobs of a step, a chain begun by the core; a stale epoch stores nothing and
   * the node steps down). Absent: the embedded single node, always the core, unfenced.
   */
  core?: FencedCore;
}

/** An app page whose row is being stored: pushed once the insert committed. */
interface AppPush {
  row: NewNotification;
  userId: string;
  page: LivePage;
}

const jobId = (alertId: string, token: number, kind: JobKind, position: number) => `${alertId}.${token}.${kind}.${position}`;

export class Escalator {
  readonly esc: EscalationRepo;
  readonly dispatcher: Dispatcher;
  readonly links: PageLinks;
  /** The channels pages go out on (notify/registry.ts), as handed in. */
  readonly channels: ChannelRegistry;
  private running: Promise<void> | null = null;
  private again = false;
  private readonly suspects = new Set<string>();
  private lastAudit = -Infinity;
  /** when the loop last finished a pass (the core's health check: a stuck store or job stops it) */
  lastLoopPassAt: number;
  private readonly leaseMs: number;
  private readonly auditEveryMs: number;
  private readonly reminderEveryMs: number;
  private readonly pageReminderMs: number;
  private readonly followUps: FollowUps;

  constructor(private readonly d: EscalatorDeps) {
    this.esc = d.repos.esc;
    this.lastLoopPassAt = d.clock.now();
    this.links = d.links ?? new PageLinks();
    this.leaseMs = d.jobLeaseMs ?? 60_000;
    this.auditEveryMs = d.auditEveryMs ?? 2_000;
    this.reminderEveryMs = d.reminderEveryMs ?? 300_000;
    this.pageReminderMs = d.pageReminderMs ?? 0;
    this.channels = d.channels;
    this.dispatcher = new Dispatcher({
      repos: d.repos,
      esc: this.esc,
      clock: d.clock,
      log: d.log,
      metrics: d.metrics,
      channels: this.channels,
      ratePerS: d.ratePerS,
      timeoutMs: d.notifyTimeoutMs,
      maxAttempts: d.maxAttempts,
      retryBaseMs: d.retryBaseMs,
      pageIsCurrent: async (n) => {
        const a = await d.repos.alertById(n.alert_id);
        return a?.state === 'escalating' && a.escalation_token === n.token;
      },
      onFailed: (n) => this.onNotificationFailed(n),
      core: d.core,
    });
    this.followUps = new FollowUps({ ...d, kick: () => this.dispatcher.kick() });
  }

  /** A core write now: the fence it carries (undefined: the embedded single node) and the time it is checked at. */
  coreWrite(fence: Fence | undefined = this.d.core?.fence()): CoreWrite | undefined {
    return fence ? { fence, now: this.d.clock.now() } : undefined;
  }

  /**
   * A FencedWriteError ends this node's turn as the core, it is no failure: the core counts it and steps down
   * (true). Anything else is the caller's to handle (false).
   */
  fencedOut(err: unknown): boolean {
    if (!(err instanceof FencedWriteError)) return false;
    this.d.core?.refused(err.op);
    return true;
  }

  /**
   * The text stored on a new alert: the chain as it is now, with the current members of its groups and,
   * for its `on_shift` targets, who is on shift now in the service's time zone.
   */
  async snapshotChain(definition: string | null, serviceId?: string): Promise<string> {
    if (definition === null) return JSON.stringify({ steps: [], repeat: 0, groups: {} });
    try {
      const chain = chainSchema.parse(JSON.parse(definition));
      const members = await this.esc.groupMembers(chainGroupIds(chain));
      const rotaGroups = chainOnShiftGroupIds(chain);
      if (rotaGroups.length === 0 || serviceId === undefined) return JSON.stringify({ ...chain, groups: Object.fromEntries(members) });
      const onShift = await onShiftNow(this.d.repos, serviceId, rotaGroups, this.d.clock.now());
      return JSON.stringify({ ...chain, groups: Object.fromEntries(members), onShift: Object.fromEntries(onShift) });
    } catch (err) {
      // A stored chain that no longer parses must not stop the alert: the default chain takes over.
      this.d.log.error({ err }, 'stored chain does not parse; alert uses the default chain');
      return JSON.stringify({ steps: [], repeat: 0, groups: {} });
    }
  }

  // ---- transitions driven by the alert lifecycle -------------------------------------------

  /**
   * Begin (or begin again) escalation of an alert now in `escalating`: new token, step 0 now. `core`: the
   * core began it (a detection decision), fenced (FencedWriteError when its epoch is stale).
   */
  async start(alertId: string, decidedAt?: number, core?: CoreWrite): Promise<void> {
    if (decidedAt !== undefined) this.dispatcher.markDecided(alertId, decidedAt);
    // Fast path: step 0 is stored already claimed by this process and run at once, not behind other
    // due work. Should we die before it finishes, its lease makes the auditor run it again.
    const begun = await this.begin(alertId, ['escalating'], {}, true, undefined, core);
    if (begun?.job) await this.runClaimed(begun.job, core?.fence);
    this.kickRun();
  }

  /**
   * Atomically: (optionally move the alert from `from` to escalating,) bump the fencing token, cancel
   * every pending job and unsent page, and store the job of position 0 (claimed when `claim`).
   */
  private async begin(
    alertId: string,
    from: readonly AlertState[],
    patch: { clearAttending?: boolean },
    claim = false,
    expectToken?: number,
    core?: CoreWrite,
  ): Promise<{ token: number; job: JobRow | null } | null> {
    const now = this.d.clock.now();
    // One store operation: state and token are checked in its UPDATE, so an arrival or resolve since the caller looked wins.
    const begun = await this.d.repos.beginEscalation(alertId, {
      from,
      expectToken,
      clearAttending: patch.clearAttending,
      now,
      ...(core ? { core } : {}),
      job: (token) => ({
        id: jobId(alertId, token, 'step', 0),
        alert_id: alertId,
        kind: 'step',
        step_index: 0,
        due_at: now,
        token,
        created_at: now,
        state: claim ? 'running' : 'pending',
        attempts: claim ? 1 : 0,
        claimed_at: claim ? now : null,
        lease_until: claim ? now + this.leaseMs : null,
        finished_at: null,
      }),
    });
    if (begun === null) return null;
    return { token: begun.token, job: claim && begun.inserted ? begun.job : null };
  }

  /** Fence every pending step and unsent page of an alert (resolved, cancelled); `core`: the core cancelled it. */
  async stop(alertId: string, core?: CoreWrite): Promise<void> {
    await this.d.repos.stopEscalation(alertId, this.d.clock.now(), core);
    const a = await this.d.repos.alertById(alertId);
    if (a && (a.state === 'resolved' || a.state === 'cancelled')) await this.followUps.tellChange(alertId, a.state);
  }

  /**
   * The alert was just acknowledged (the caller won the compare-and-set): fence the chain, start the
   * arrival timer, and tell everyone else who was paged, by the channels that reached them.
   */
  async acknowledged(alertId: string, by: { userId: string | null; phone: string | null; name: string }): Promise<void> {
    const now = this.d.clock.now();
    await this.d.repos.awaitArrival(alertId, now, (token) => ({
      id: jobId(alertId, token, 'ack_timeout', 0),
      alert_id: alertId,
      kind: 'ack_timeout',
      step_index: 0,
      due_at: now + this.d.ackTimeoutMs,
      token,
      created_at: now,
    }));
    await this.followUps.tellOthers(alertId, by);
    await this.followUps.tellChange(alertId, 'acknowledged');
  }

  /** Someone is with the wearer: the arrival timer is no longer needed. */
  async arrived(alertId: string): Promise<void> {
    await this.d.repos.stopArrivalTimer(alertId);
  }

  // ---- the scheduler -------------------------------------------------------------------

  /** Start-up: jobs and sends of a dead process are taken over at once, then the auditor checks every open alert. */
  async recover(): Promise<{ jobs: number; sends: number }> {
    let jobs: number;
    let sends: number;
    try {
      jobs = await this.esc.releaseRunningJobs(this.coreWrite());
      sends = await this.dispatcher.recoverStuck(true);
      await this.audit(true);
    } catch (err) {
      if (this.fencedOut(err)) return { jobs: 0, sends: 0 };
      throw err;
    }
    if (jobs + sends > 0) this.d.log.warn({ jobs, sends }, 'recovered escalation work left by a previous process');
    return { jobs, sends };
  }

  /** Periodic auditor: runs whatever is due (and stale runs), sends what is ready, repairs lost chains. */
  startLoop(intervalMs = 1000): TimerHandle {
    return this.d.clock.setInterval(() => {
      this.tick().catch((err: unknown) => {
        if (!this.fencedOut(err)) this.d.log.error({ err }, 'escalation audit failed');
      });
    }, intervalMs);
  }

  async tick(): Promise<void> {
    if (this.d.core && !this.d.core.active) return;
    const now = this.d.clock.now();
    if (now - this.lastAudit >= this.auditEveryMs) {
      this.lastAudit = now;
      await this.dispatcher.recoverStuck(false);
      await this.audit(false);
    }
    await this.runDue();
    this.dispatcher.kick();
    this.lastLoopPassAt = this.d.clock.now();
  }

  /** Runs all due jobs. Concurrent calls coalesce into one more pass. */
  runDue(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          const jobs = await this.esc.dueJobs(this.d.clock.now());
          for (const job of jobs) {
            if (this.d.core && !this.d.core.active) return;
            // The run's writes carry the fence its claim was made with.
            const fence = this.d.core?.fence();
            let claimed: JobRow | undefined;
            try {
              claimed = await this.esc.claimJob(job, this.d.clock.now(), this.leaseMs, fence);
            } catch (err) {
              if (this.fencedOut(err)) return;
              throw err;
            }
            if (!claimed) continue;
            await this.runClaimed(claimed, fence);
          }
          if (jobs.length >= 200) this.again = true;
        } while (this.again);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  /** Resolves when no job runs and nothing is being sent. */
  async idle(providerTurns = Infinity): Promise<void> {
    for (let i = 0; i < 1000; i++) {
      if (this.running) await this.running;
      await this.dispatcher.idle(providerTurns);
      if (!this.running) return;
    }
  }

  close(): void {
    this.dispatcher.stop();
  }

  /** Inside a run, ask for another pass instead of awaiting the run itself (which would deadlock). */
  private kickRun(): void {
    if (this.running) this.again = true;
    else this.runDue().catch((err: unknown) => this.d.log.error({ err }, 'escalation run failed'));
  }

  /** Runs a claimed job; `fence`: the one its claim was made with (its writes carry it). */
  private async runClaimed(job: JobRow, fence?: Fence): Promise<void> {
    try {
      let result: 'done' | 'cancelled';
      switch (job.kind) {
        case 'step':
          result = await this.runStep(job, fence);
          break;
        case 'ack_timeout':
          result = await this.runAckTimeout(job);
          break;
        case 'reminder':
          result = await this.runReminder(job, fence);
          break;
        case 'seen_check':
          result = await this.runSeenCheck(job, fence);
          break;
        default:
          result = job.kind satisfies never;
      }
      await this.esc.finishJob(job, this.d.clock.now(), result);
    } catch (err) {
      // Left 'running': its lease runs out and the auditor runs it again (idempotent by key). Refused by the
      // fence: the node that holds the lease now runs it, this one steps down.
      if (this.fencedOut(err)) return;
      this.d.log.error({ err, jobId: job.id, alertId: job.alert_id }, 'escalation job failed; will be re-run');
      this.d.metrics.escalationSteps.inc({ result: 'error' });
    }
  }

  private async currentAlert(job: JobRow, state: AlertState): Promise<AlertRow | null> {
    const alert = await this.d.repos.alertById(job.alert_id);
    if (!alert || alert.state !== state || alert.escalation_token !== job.token) {
      this.d.metrics.escalationSteps.inc({ result: 'fenced' });
      return null;
    }
    return alert;
  }

  /** Where each alert's escalation stands (docs/api.md `escalation`), with targets named for people. */
  escalationViews(alerts: readonly AlertRow[]): Promise<Map<string, EscalationView>> {
    return escalationViews(this.d, alerts);
  }

  private async runStep(job: JobRow, fence?: Fence): Promise<'done' | 'cancelled'> {
    const { repos, clock } = this.d;
    const alert = await this.currentAlert(job, 'escalating');
    if (!alert) return 'cancelled';
    const { chain, isDefault } = await effectiveChain(this.d, alert);
    const at = stepAt(chain, job.step_index);
    if (!at) return 'done';
    const now = clock.now();
    const pos = job.step_index;

    const core = this.coreWrite(fence);
    // What comes next is stored first: a crash or a slow provider never holds the chain up.
    const nextAt = now + at.step.waitS * 1000;
    if (stepAt(chain, pos + 1)) {
      await this.esc.insertJob(
        {
          id: jobId(alert.id, job.token, 'step', pos + 1),
          alert_id: alert.id,
          kind: 'step',
          step_index: pos + 1,
          due_at: nextAt,
          token: job.token,
          created_at: now,
        },
        core,
      );
    } else {
      await this.esc.insertJob(
        {
          id: jobId(alert.id, job.token, 'reminder', 0),
          alert_id: alert.id,
          kind: 'reminder',
          step_index: 0,
          due_at: nextAt,
          token: job.token,
          created_at: now,
        },
        core,
      );
    }
    this.d.metrics.escalationSteps.inc({ result: 'run' });
    await repos.appendTimeline(
      alert.id,
      now,
      'escalation_step',
      {
        step: pos,
        cycle: at.cycle,
        stepInChain: at.index,
        final: at.final,
        token: job.token,
        ...(isDefault && pos === 0 ? { defaultChain: true } : {}),
        ...(job.attempts > 1 ? { rerun: true } : {}),
      },
      core,
    );
    // Observers only (nothing here waits for them): the step itself goes on regardless.
    void this.d.bus.publish('escalation.stepRan', { alertId: alert.id, token: job.token, step: pos });

    const facts = await this.pageFacts(alert);
    // Someone who said they cannot go is not asked again for this alert.
    const declined = await this.esc.declinedTargets(alert.id);
    const resolved = (await resolveTargets(this.d, at, chain, alert)).filter((t) => !declined.has(t.key));
    for (const x of resolved.filter((r) => r.offDuty)) {
      await repos.appendTimeline(alert.id, now, 'target_skipped', { target: x.key, step: pos, reason: 'off_duty' }, core);
    }
    const targets = await this.withoutUnconfirmed(
      alert,
      pos,
      resolved.filter((x) => !x.offDuty),
      now,
    );
    const rows: NewNotification[] = [];
    const pending: AppPush[] = [];
    for (const target of targets) {
      for (const channel of channelsFor(target, at.step.channels)) {
        const key = `${alert.id}:${job.token}:${pos}:${target.key}:${channel}`;
        // A re-run must not page the app again (queued channels' keys are deduplicated by the insert).
        if (this.channels.isLive(channel) && job.attempts > 1 && (await this.esc.notificationByKey(key))) continue;
        rows.push(this.pageRow(alert, job.token, pos, target, channel, key, facts, now, pending));
      }
    }
    // App pages are pushed only once their rows are stored under the fence: a refused epoch pages nobody.
    await this.esc.insertNotifications(rows, this.coreWrite(fence));
    await this.noteAppPages(alert.id, pos, await this.pushAppPages(pending, now), now);
    for (const r of rows.filter((x) => x.state === 'failed' && !this.channels.isLive(x.channel))) {
      await repos.appendTimeline(
        alert.id,
        now,
        'notify_failed',
        {
          channel: r.channel,
          target: r.target,
          step: pos,
          kind: 'page',
          errorCode: r.error_code,
          retryable: false,
        },
        this.coreWrite(fence),
      );
    }
    this.dispatcher.kick();
    if (this.pageReminderMs > 0 && at.step.channels.some((c) => this.channels.isLive(c)) && targets.some((x) => x.userId)) {
      await this.esc.insertJob(
        {
          id: jobId(alert.id, job.token, 'seen_check', pos),
          alert_id: alert.id,
          kind: 'seen_check',
          step_index: pos,
          due_at: now + this.pageReminderMs,
          token: job.token,
          created_at: now,
        },
        this.coreWrite(fence),
      );
    }
    const allOffDuty = targets.length === 0 && resolved.length > 0;
    await this.evaluateStep(alert.id, job.token, pos, allOffDuty ? 'everyone in the step is off duty' : undefined, fence);
    return 'done';
  }

  /**
   * A step paged responders in the app: each one whose app did not report seeing it (closed, or no
   * live client got it) is texted a reminder, once per step, while the alert still needs them. The
   * alert's token moves on acknowledge, so a check after anyone took it is fenced.
   */
  private async runSeenCheck(job: JobRow, fence?: Fence): Promise<'done' | 'cancelled'> {
    const { repos, clock } = this.d;
    const alert = await this.currentAlert(job, 'escalating');
    if (!alert) return 'cancelled';
    const now = clock.now();
    const pos = job.step_index;
    const rows = (await this.esc.notificationsForStep(alert.id, job.token, pos)).filter(
      (n) => this.channels.isLive(n.channel) && n.kind === 'page' && n.user_id,
    );
    const declined = await this.esc.declinedTargets(alert.id);
    const wearer = await repos.wearerById(alert.wearer_id);
    let queued = 0;
    for (const n of rows) {
      if (n.status === 'seen' || declined.has(n.target)) continue;
      const u = await repos.userById(n.user_id!);
      if (!u || !u.phone || u.on_duty !== 1 || u.disabled_at !== null) continue;
      // The recipient's own no-login link (the app page's notification names them), as on the page SMS.
      const body = pageReminderBody(wearer?.alias ?? 'Someone', `${this.d.publicUrl}/#/p/${this.links.token(n.id)}`);
      const inserted = await this.esc.insertNotification(
        {
          id: this.d.ids.next('ntf'),
          idempotency_key: `${alert.id}:${job.token}:${pos}:${n.target}:reminder`,
          alert_id: alert.id,
          step_index: pos,
          target: n.target,
          channel: this.channels.textChannel().id,
          kind: 'page',
          state: 'queued',
          priority: PRIORITY.page,
          token: job.token,
          to_addr: u.phone,
          user_id: u.id,
          body,
          provider_id: null,
          status: 'queued',
          error_code: null,
          created_at: now,
          updated_at: now,
        },
        this.coreWrite(fence),
      );
      if (!inserted) continue;
      queued++;
      await repos.appendTimeline(alert.id, now, 'reminder_sms', {
        target: n.target,
        step: pos,
        reason: n.state === 'sent' ? 'not_seen' : 'app_not_open',
      });
    }
    if (queued > 0) this.dispatcher.kick();
    return 'done';
  }

  /**
   * External chain numbers that have not confirmed by SMS are not paged: each is skipped with a
   * timeline entry, and the service's admins are told live, so nobody believes that number is covered.
   */
  private async withoutUnconfirmed(alert: AlertRow, pos: number, targets: ResolvedTarget[], now: number): Promise<ResolvedTarget[]> {
    const phones = targets.filter((t) => t.key.startsWith('phone:') && t.phone).map((t) => t.phone!);
    if (phones.length === 0) return targets;
    const ok = await this.esc.verifiedPhones(alert.service_id, phones);
    const out: ResolvedTarget[] = [];
    for (const t of targets) {
      if (!t.key.startsWith('phone:') || (t.phone && ok.has(t.phone))) {
        out.push(t);
        continue;
      }
      await this.d.repos.appendTimeline(alert.id, now, 'notify_skipped', { target: t.key, step: pos, reason: 'number not confirmed' });
      await this.d.bus.publish('escalation.numberNotConfirmed', { alert, label: contactLabel(alert.chain_snapshot, t.key), at: now });
    }
    return out;
  }

  /** What a page says about the alert (the wearer's alias, address and access notes, the reasons). */
  private async pageFacts(alert: AlertRow): Promise<PageFacts> {
    const w = await this.d.repos.wearerById(alert.wearer_id);
    let reasons: string[] = [];
    try {
      reasons = JSON.parse(alert.reasons) as string[];
    } catch {
      // no reasons: the page says "possible overdose"
    }
    return { alias: w?.alias ?? 'Someone', address: w?.address ?? null, accessNotes: w?.access_notes ?? null, reasons };
  }

  /** The timeline line of each live (app) page of a step: it has no notification row to show it. */
  private async noteAppPages(alertId: string, pos: number, appSent: { target: string; connections: number }[], now: number): Promise<void> {
    for (const a of appSent) {
      await this.d.repos.appendTimeline(alertId, now, 'notified', {
        channel: 'app',
        target: a.target,
        step: pos,
        kind: 'page',
        result: a.connections > 0 ? 'delivered' : 'no_connection',
        connections: a.connections,
      });
    }
  }

  /**
   * Pushes the app pages of rows just stored (never before: a refused insert pushes nothing). A page no open
   * connection took is recorded failed (`no_connection`), the outcome of the push, like a provider's answer.
   */
  private async pushAppPages(pending: readonly AppPush[], now: number): Promise<{ target: string; connections: number }[]> {
    const sent: { target: string; connections: number }[] = [];
    for (const p of pending) {
      const ch = this.channels.get(p.row.channel as Channel);
      const connections = ch.delivery === 'live' ? ch.push(p.userId, p.page) : 0;
      sent.push({ target: p.row.target, connections });
      if (connections > 0) continue;
      const patch = { state: 'failed', status: 'failed', error_code: 'no_connection', updated_at: now } as const;
      await this.esc.finishNotification(p.row.id, 0, 'sent', patch);
      Object.assign(p.row, patch);
    }
    return sent;
  }

  private pageRow(
    alert: AlertRow,
    token: number,
    pos: number,
    target: ResolvedTarget,
    channel: Channel,
    key: string,
    facts: PageFacts,
    now: number,
    pending: AppPush[],
  ): NewNotification {
    const base = {
      id: this.d.ids.next('ntf'),
      idempotency_key: key,
      alert_id: alert.id,
      step_index: pos,
      target: target.key,
      channel,
      kind: 'page' as const,
      token,
      priority: pos === 0 ? PRIORITY.first : PRIORITY.page,
      user_id: target.userId,
      provider_id: null,
      created_at: now,
      updated_at: now,
    };
    const ch = this.channels.get(channel);
    if (ch.delivery === 'live') {
      if (!target.userId) return { ...base, state: 'failed', status: 'failed', error_code: 'no_app_user', to_addr: null, body: null };
      // Stored as delivered, pushed after the insert commits (pushAppPages); no connection took it: failed.
      const row: NewNotification = { ...base, state: 'sent', status: 'delivered', error_code: null, to_addr: null, body: null };
      pending.push({ row, userId: target.userId, page: { alert, alias: facts.alias, step: pos } });
      return row;
    }
    // A queued channel sends to the target's phone, or (push) to the app user it finds the browsers of.
    const to = ch.address === 'user' ? target.userId : ch.address === 'endpoint' ? (target.endpointId ?? null) : target.phone;
    if (!to) {
      const error_code = ch.address === 'user' ? 'no_app_user' : ch.address === 'endpoint' ? 'no_endpoint' : 'no_phone';
      return { ...base, state: 'failed', status: 'failed', error_code, to_addr: null, body: null };
    }
    // The link names this very notification: it works for this recipient and this alert only.
    const body = ch.render({
      alertId: alert.id,
      facts,
      replyCode: this.links.replyCode(alert.id),
      link: `${this.d.publicUrl}/#/p/${this.links.token(base.id)}`,
      score: alert.score,
      at: now,
    });
    return { ...base, state: 'queued', status: 'queued', error_code: null, to_addr: to, body };
  }

  /**
   * After a failure: a target none of whose channels worked gets the step's fallback channels; a step
   * none of whose targets can be reached moves the chain on at once.
   */
  private async onNotificationFailed(n: NotificationRow): Promise<void> {
    if (n.kind !== 'page') return;
    await this.evaluateStep(n.alert_id, n.token, n.step_index);
  }

  /** `fence`: the core's step decided it (its writes carry the fence); none after a send's outcome or a person's decline. */
  private async evaluateStep(
    alertId: string,
    token: number,
    pos: number,
    failReason = 'no target could be reached',
    fence?: Fence,
  ): Promise<void> {
    const { repos, clock } = this.d;
    const alert = await repos.alertById(alertId);
    if (!alert || alert.state !== 'escalating' || alert.escalation_token !== token) return;
    const { chain } = await effectiveChain(this.d, alert);
    const at = stepAt(chain, pos);
    if (!at) return;
    const rows = await this.esc.notificationsForStep(alertId, token, pos);
    const byTarget = new Map<string, NotificationRow[]>();
    for (const r of rows) byTarget.set(r.target, [...(byTarget.get(r.target) ?? []), r]);
    const now = clock.now();
    const declined = await this.esc.declinedTargets(alertId);
    let anyAlive = false;
    let anyDeclined = false;
    let resolved: ResolvedTarget[] | null = null;
    for (const [target, trs] of byTarget) {
      // Reached or not, someone who said they cannot go is not coming: no fallback, not alive.
      if (declined.has(target)) {
        anyDeclined = true;
        continue;
      }
      const status = targetStatus(trs, this.d.maxAttempts);
      if (status !== 'unreached') {
        anyAlive = true;
        continue;
      }
      const used = new Set(trs.map((r) => r.channel));
      const fallback = at.step.fallbackChannels.filter((c) => !used.has(c) && !target.startsWith('handoff:') && c !== 'handoff');
      if (fallback.length === 0) continue;
      resolved ??= await resolveTargets(this.d, at, chain, alert);
      const t = resolved.find((x) => x.key === target);
      if (!t) continue;
      const facts = await this.pageFacts(alert);
      const pending: AppPush[] = [];
      const fresh = fallback.map((channel) =>
        this.pageRow(alert, token, pos, t, channel, `${alertId}:${token}:${pos}:${target}:${channel}`, facts, now, pending),
      );
      await this.esc.insertNotifications(fresh, this.coreWrite(fence));
      await repos.appendTimeline(alertId, now, 'fallback', { target, step: pos, channels: fallback }, this.coreWrite(fence));
      await this.noteAppPages(alertId, pos, await this.pushAppPages(pending, now), now);
      if (fresh.some((r) => r.state !== 'failed')) anyAlive = true;
      this.dispatcher.kick();
      if (fresh.every((r) => r.state === 'failed')) return this.evaluateStep(alertId, token, pos, undefined, fence);
    }
    // No rows at all means no target resolved (an empty group): that step cannot reach anyone either.
    if (anyAlive) return;
    const nextId = stepAt(chain, pos + 1) ? jobId(alertId, token, 'step', pos + 1) : jobId(alertId, token, 'reminder', 0);
    if (await this.esc.pullJobForward(nextId, now)) {
      if (anyDeclined)
        await repos.appendTimeline(
          alertId,
          now,
          'step_declined',
          { step: pos, reason: 'nobody paged in this step can go', next: 'now' },
          this.coreWrite(fence),
        );
      else await repos.appendTimeline(alertId, now, 'step_failed', { step: pos, reason: failReason, next: 'now' }, this.coreWrite(fence));
      this.d.metrics.escalationSteps.inc({ result: anyDeclined ? 'declined_moved_on' : 'failed_moved_on' });
      this.kickRun();
    }
  }

  /**
   * Someone paged said they cannot go (already recorded). When that leaves nobody in the current step
   * who may still come, the next step goes now instead of after the wait; a decline by one of several
   * leaves the others paged and the step's wait as it was.
   */
  async declined(alertId: string): Promise<void> {
    const alert = await this.d.repos.alertById(alertId);
    if (!alert || alert.state !== 'escalating') return;
    const pages = (await this.esc.notificationsForAlert(alertId)).filter((n) => n.kind === 'page' && n.token === alert.escalation_token);
    if (pages.length === 0) return;
    const current = pages.reduce((m, n) => Math.max(m, n.step_index), 0);
    await this.evaluateStep(alertId, alert.escalation_token, current);
  }

  /**
   * For alerts/, which decides: the chain starts again from step 0 now, with a new token. From
   * `acknowledged` (ack timeout, the attending responder cannot go) only while the alert still holds
   * `token`, and the attending responder is cleared; from `escalating` (a check-in that expired) the
   * chain is simply begun afresh. The new token, or null when the alert moved on meanwhile. `core`: the core's
   * timers decided it (fenced); a person's "I can't go" passes none.
   */
  async restartChain(alertId: string, from: 'acknowledged' | 'escalating', token?: number, core?: CoreWrite): Promise<number | null> {
    const begun =
      from === 'acknowledged'
        ? await this.begin(alertId, ['acknowledged'], { clearAttending: true }, false, token, core)
        : await this.begin(alertId, ['escalating'], {}, false, undefined, core);
    // Not run from here: the caller records why first, then kick()s (so step 0 comes after it on the timeline).
    return begun === null ? null : begun.token;
  }

  /** Runs due jobs soon (from inside a run: one more pass). */
  kick(): void {
    this.kickRun();
  }

  private async runAckTimeout(job: JobRow): Promise<'done' | 'cancelled'> {
    const alert = await this.currentAlert(job, 'acknowledged');
    if (!alert || alert.arrived_at !== null) return 'cancelled';
    // alerts/ re-escalates (fenced on this token) and tells the audience; whether it did shows in the alert.
    await this.d.bus.publish('escalation.ackTimedOut', {
      alertId: alert.id,
      token: job.token,
      afterS: Math.round(this.d.ackTimeoutMs / 1000),
    });
    const after = await this.d.repos.alertById(alert.id);
    return after?.state === 'escalating' && after.escalation_token !== job.token ? 'done' : 'cancelled';
  }

  private async runReminder(job: JobRow, fence?: Fence): Promise<'done' | 'cancelled'> {
    const alert = await this.currentAlert(job, 'escalating');
    if (!alert) return 'cancelled';
    const now = this.d.clock.now();
    if (job.step_index === 0) {
      const { chain } = await effectiveChain(this.d, alert);
      await this.d.repos.appendTimeline(alert.id, now, 'chain_exhausted', { positions: positionCount(chain) });
    }
    await this.d.repos.appendTimeline(alert.id, now, 'unacknowledged_reminder', { n: job.step_index + 1 });
    await this.esc.insertJob(
      {
        id: jobId(alert.id, job.token, 'reminder', job.step_index + 1),
        alert_id: alert.id,
        kind: 'reminder',
        step_index: job.step_index + 1,
        due_at: now + this.reminderEveryMs,
        token: job.token,
        created_at: now,
      },
      this.coreWrite(fence),
    );
    await this.d.bus.publish('escalation.chainExhausted', { alertId: alert.id, token: job.token, reminder: job.step_index + 1 });
    return 'done';
  }

  /**
   * Invariants: an escalating alert always has a live job under its token; an acknowledged alert
   * whose responder has not arrived always has its arrival timer. A broken one is repaired (at
   * start-up at once; while running only when seen twice, so an in-flight transition is not raced).
   */
  async audit(atStartup: boolean): Promise<number> {
    const { repos, clock } = this.d;
    const all = await repos.openAlerts();
    const now = clock.now();
    let repaired = 0;
    // A check-in is decided by the detector, in memory: after a restart nobody would end it. One
    // still open well past its window escalates (lives first: the wearer did not say OK).
    // The window is the wearer's own when the service set one (thresholds), else the server's.
    for (const a of all.filter((x) => x.state === 'pending_checkin')) {
      const w = await repos.wearerById(a.wearer_id);
      let windowMs = this.d.checkinWindowMs ?? 15_000;
      try {
        const own = w?.thresholds ? (JSON.parse(w.thresholds) as { checkinWindowMs?: unknown }).checkinWindowMs : undefined;
        if (typeof own === 'number' && Number.isFinite(own)) windowMs = own;
      } catch {
        // unreadable thresholds: the server default applies
      }
      if (now - a.created_at <= windowMs * 2 + 30_000) continue;
      // alerts/ owns the move to escalating (and restarts the chain); it counts as repaired if it happened.
      await this.d.bus.publish('escalation.checkinExpired', { alertId: a.id });
      if ((await repos.alertById(a.id))?.state === 'escalating') repaired++;
    }
    const open = (await repos.openAlerts()).filter((a) => a.state === 'escalating' || a.state === 'acknowledged');
    const live = await this.esc.liveJobs(open.map((a) => a.id));
    const seen = new Set<string>();
    for (const a of open) {
      const mine = live.filter((j) => j.alert_id === a.id && j.token === a.escalation_token && j.kind !== 'seen_check');
      if (a.state === 'acknowledged') {
        if (a.arrived_at !== null || mine.some((j) => j.kind === 'ack_timeout')) continue;
        const inserted = await this.esc.insertJob(
          {
            id: jobId(a.id, a.escalation_token, 'ack_timeout', 0),
            alert_id: a.id,
            kind: 'ack_timeout',
            step_index: 0,
            due_at: (a.acknowledged_at ?? now) + this.d.ackTimeoutMs,
            token: a.escalation_token,
            created_at: now,
          },
          this.coreWrite(),
        );
        if (inserted) {
          repaired++;
          await repos.appendTimeline(a.id, now, 'escalation_repaired', { what: 'arrival timer' });
        }
        continue;
      }
      if (mine.length > 0) continue;
      seen.add(a.id);
      if (!atStartup && !this.suspects.has(a.id)) continue;
      const done = (await this.esc.jobsForAlert(a.id)).filter(
        (j) => j.token === a.escalation_token && j.kind === 'step' && j.state === 'done',
      );
      const last = done.reduce((m, j) => Math.max(m, j.step_index), -1);
      const { chain } = await effectiveChain(this.d, a);
      const nextPos = last + 1;
      const job = stepAt(chain, nextPos)
        ? { id: jobId(a.id, a.escalation_token, 'step', nextPos), kind: 'step' as const, step_index: nextPos }
        : { id: jobId(a.id, a.escalation_token, 'reminder', 0), kind: 'reminder' as const, step_index: 0 };
      if (await this.esc.insertJob({ ...job, alert_id: a.id, due_at: now, token: a.escalation_token, created_at: now }, this.coreWrite())) {
        repaired++;
        await repos.appendTimeline(a.id, now, 'escalation_repaired', { what: 'next step', step: job.kind === 'step' ? nextPos : null });
      } else {
        // The deterministic id exists but is not live (finished or cancelled): start afresh.
        await this.begin(a.id, ['escalating'], {}, false, undefined, this.coreWrite());
        repaired++;
        await repos.appendTimeline(a.id, now, 'escalation_repaired', { what: 'restarted' });
      }
    }
    this.suspects.clear();
    for (const id of seen) this.suspects.add(id);
    if (repaired > 0) {
      this.d.log.warn({ repaired }, 'escalation auditor repaired alerts');
      this.kickRun();
    }
    return repaired;
  }
}

function targetStatus(rows: NotificationRow[], maxAttempts: number): 'reached' | 'pending' | 'unreached' {
  if (rows.some((r) => r.state === 'sent')) return 'reached';
  // A page past its quick retries is still retried slowly, but for fallbacks it counts as unreached.
  if (rows.some((r) => r.state === 'queued' || r.state === 'sending' || (r.state === 'retry' && r.attempts < maxAttempts)))
    return 'pending';
  return 'unreached';
}

/** The reminder SMS: the alias is shortened before the link ever is. */
export function pageReminderBody(alias: string, link: string): string {
  let a = alias;
  let body = en.smsPageReminder({ alias: a, link });
  while (!isSingleSegment(body) && a.length > 8) {
    a = a.slice(0, -1);
    body = en.smsPageReminder({ alias: a, link });
  }
  return body;
}

export { alertSmsBody, alertVoiceTwiml, escapeXml } from './page-text.js';
