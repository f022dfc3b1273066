// Alert lifecycle: turns detection decisions into one alert per wearer episode, moves it through
// pending_checkin -> escalating -> acknowledged -> resolved (or cancelled), and writes every
// transition to the append-only timeline.
import type { AlertDetail } from '@odart/protocol/api';
import type { Clock } from '../clock.js';
import type { WearerDecision } from '../detection/index.js';
import { AppError } from '../errors.js';
import type { Bus, Events } from '../events/index.js';
import type { Ids } from '../ids.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { CommandPayload } from '@odart/protocol';
import {
  FencedWriteError,
  OPEN_ALERT_STATES,
  type AlertRow,
  type CoreWrite,
  type FencedCore,
  type Repos,
  type UserRow,
} from '../store/index.js';
import type { EscalationView, Escalator } from '../escalation/index.js';
import { episodeAction, type OpenAlertState } from './episode.js';
import type { LiveHub } from './live.js';
import { alertSummary, maskTarget, timelineView, type AlertSummary } from './view.js';

import type { Outcome } from '@odart/protocol/api';

export { OUTCOMES, type Outcome } from '@odart/protocol/api';

const MAX_CONCURRENT_DECISIONS = 4;

/** Someone paged who says they cannot go: a user, or an external contact (chain phone, emergency contact). */
export interface Decliner {
  /** target key as in the notifications (`responder:<id>`, `phone:<e164>`, `emergency_contact`) */
  target: string;
  userId: string | null;
  name: string;
}

export interface AlertServiceDeps {
  repos: Repos;
  clock: Clock;
  ids: Ids;
  live: LiveHub;
  escalator: Escalator;
  /** tells `device.command` (check-in prompt, cancel) and `alert.episodeClosed`; hears what escalation tells */
  bus: Bus;
  log: Logger;
  metrics: Metrics;
  /** server default (CHECKIN_WINDOW_S); each wearer_prompt carries the window the detector really uses */
  checkinWindowMs: number;
  /**
   * Several nodes (issue 14): what the core decides (raise, check-in, escalate, cancel, score, its timers) is
   * written with the lease fence, refused by the store when this node's epoch is stale (counted, the node steps
   * down, the decision is not retried: the core that holds the lease decides it). People's actions carry none
   * and work on every node. Absent: the embedded single node, unfenced.
   */
  core?: FencedCore;
}

export class AlertService {
  /** Per-wearer queue so decisions for one wearer apply in order. */
  private readonly queues = new Map<string, Promise<void>>();
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  /** shutting down: a failed decision is not retried (stop()) */
  private stopping = false;
  /** the backoff waits under way, woken by stop() */
  private readonly backoffs = new Set<() => void>();

  constructor(private readonly d: AlertServiceDeps) {
    // The scheduler only tells what its clock found; what that means for the alert is decided here.
    d.bus.subscribe('detection.decisions', (e) => this.handle(e.decisions));
    d.bus.subscribe('escalation.ackTimedOut', (e) => this.asCore(() => this.ackTimedOut(e)));
    d.bus.subscribe('escalation.checkinExpired', (e) => this.asCore(() => this.checkinExpired(e.alertId)));
    d.bus.subscribe('escalation.chainExhausted', async (e) => {
      const a = await d.repos.alertById(e.alertId);
      if (a) await this.broadcast(a, 'unacknowledged');
    });
  }

  /** A core write now (undefined: the embedded single node). */
  private coreWrite(): CoreWrite | undefined {
    const fence = this.d.core?.fence();
    return fence ? { fence, now: this.d.clock.now() } : undefined;
  }

  /** Runs what the core decided; a write the fence refused ends there (counted, the node steps down). */
  private async asCore(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      if (!(err instanceof FencedWriteError)) throw err;
      this.d.core?.refused(err.op);
    }
  }

  /**
   * The attending responder neither arrived nor resolved within the ack timeout: the chain starts
   * again from step 0 (attending cleared), unless they arrived or the alert moved on meanwhile.
   */
  private async ackTimedOut(e: Events['escalation.ackTimedOut']): Promise<void> {
    const { repos, clock } = this.d;
    const alert = await repos.alertById(e.alertId);
    if (!alert || alert.state !== 'acknowledged' || alert.escalation_token !== e.token || alert.arrived_at !== null) return;
    const now = clock.now();
    const core = this.coreWrite();
    const attending = alert.attending_responder_id ?? alert.attending_contact;
    const token = await this.d.escalator.restartChain(alert.id, 'acknowledged', e.token, core);
    if (token === null) return;
    await repos.appendTimeline(alert.id, now, 'ack_timeout', { attending, afterS: e.afterS, action: 'escalation starts again' }, core);
    await repos.appendTimeline(alert.id, now, 'escalating', { reason: 'ack_timeout', token }, core);
    this.d.escalator.kick();
    const fresh = await repos.alertById(alert.id);
    if (fresh) await this.broadcast(fresh, 'retriggered');
  }

  /** A check-in open long past its window (its detector state was lost, e.g. a restart): lives first, it escalates. */
  private async checkinExpired(alertId: string): Promise<void> {
    const { repos, clock } = this.d;
    const now = clock.now();
    const core = this.coreWrite();
    const ok = await repos.transitionAlert(alertId, ['pending_checkin'], { state: 'escalating', updated_at: now }, core);
    if (!ok) return;
    await repos.appendTimeline(alertId, now, 'escalating', { reason: 'check-in expired without an answer', auditor: true }, core);
    await this.d.escalator.restartChain(alertId, 'escalating', undefined, core);
    const fresh = await repos.alertById(alertId);
    if (fresh) await this.broadcast(fresh, 'escalating');
  }

  /** Applies decisions; never throws (failures are logged, counted and retried once). */
  handle(decisions: WearerDecision[]): Promise<void> {
    const all: Promise<void>[] = [];
    for (const dec of decisions) {
      this.d.metrics.decisions.inc({ kind: dec.kind });
      const prev = this.queues.get(dec.wearerId) ?? Promise.resolve();
      const next = prev.then(() => this.withSlot(() => this.applyWithRetry(dec)));
      this.queues.set(dec.wearerId, next);
      void next.finally(() => {
        if (this.queues.get(dec.wearerId) === next) this.queues.delete(dec.wearerId);
      });
      all.push(next);
    }
    return Promise.all(all).then(() => undefined);
  }

  /**
   * At most a few wearers' decisions are applied at once: with hundreds at the same instant, the
   * earliest are paged first instead of every alert advancing in lockstep and all paging late.
   */
  private async withSlot<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= MAX_CONCURRENT_DECISIONS) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  /**
   * Shutdown: what fails from now on is not retried, and the retries waiting are woken to end, so idle() settles
   * (each attempt under way is bounded by the store's query timeout). Safe: a press is acknowledged only once its
   * alert is stored (broker/external.ts), so the broker gives it to the next core; what vitals decided, the next
   * core's detectors decide again from the stored vitals.
   */
  stop(): void {
    this.stopping = true;
    for (const wake of [...this.backoffs]) wake();
  }

  /** Resolves once every queued decision has been applied (or, after stop(), given up). */
  async idle(): Promise<void> {
    while (this.queues.size > 0) await Promise.all([...this.queues.values()]);
  }

  /**
   * Applies one decision. A decision that raises or moves an alert is never given up: after three
   * quick attempts it is retried with backoff (store busy, disk full...) until it lands, holding the
   * wearer's queue so order is kept. Other kinds are dropped after three attempts (logged, counted).
   */
  private async applyWithRetry(dec: WearerDecision): Promise<void> {
    const vital = dec.kind === 'wearer_prompt' || dec.kind === 'responder_alert' || dec.kind === 'help';
    for (let attempt = 1; ; attempt++) {
      try {
        await this.apply(dec);
        return;
      } catch (err) {
        // Refused by the fence: this node is no longer the core; the one that is decides from its own detector.
        if (err instanceof FencedWriteError) {
          this.d.core?.refused(err.op);
          return;
        }
        this.d.metrics.alertHandlingErrors.inc();
        this.d.log.error({ err, wearerId: dec.wearerId, kind: dec.kind, attempt }, 'applying detection decision failed');
        if (this.stopping) {
          this.d.log.warn(
            { wearerId: dec.wearerId, kind: dec.kind },
            'detection decision not applied: shutting down, the next core decides it',
          );
          return;
        }
        if (attempt >= 3 && !vital) return;
        if (attempt >= 3) {
          const waitMs = Math.min(30_000, 500 * 2 ** Math.min(attempt - 3, 6));
          await new Promise<void>((resolve) => {
            const wake = () => {
              timer.cancel();
              this.backoffs.delete(wake);
              resolve();
            };
            const timer = this.d.clock.setTimeout(wake, waitMs);
            this.backoffs.add(wake);
          });
        }
      }
    }
  }

  /** Applies one decision with the store, by the same episode rules `evaluate` replays (episode.ts). */
  private async apply(dec: WearerDecision): Promise<void> {
    const { repos, clock } = this.d;
    const now = clock.now();
    const core = this.coreWrite();
    const open = await repos.openAlertForWearer(dec.wearerId);
    const a = episodeAction(open ? (open.state as OpenAlertState) : null, dec);
    switch (a.action) {
      case 'create_pending': {
        if (dec.kind !== 'wearer_prompt') return;
        const alert = await this.create(dec.wearerId, 'pending_checkin', dec.score, dec.reasons, dec.news2, core);
        // Another node opened this wearer's alert first: the decision applies to that one.
        if (alert === 'already_open') return this.apply(dec);
        if (!alert) return;
        // The detector's window for this wearer (per-wearer thresholds), so the timeline and the
        // wearable's countdown match when the detector escalates.
        const windowMs = dec.windowMs;
        await repos.appendTimeline(
          alert.id,
          now,
          'wearer_prompt',
          { score: dec.score, reasons: dec.reasons, windowS: windowMs / 1000 },
          core,
        );
        await this.commandWearables(dec.wearerId, { type: 'checkin', alertId: alert.id, expiresInS: Math.round(windowMs / 1000) });
        await this.broadcast(alert, 'created');
        return;
      }
      case 'create_escalating':
      case 'escalate': {
        if (dec.kind !== 'responder_alert') return;
        let alert = open;
        if (!alert) {
          const created = await this.create(dec.wearerId, 'escalating', dec.score, dec.reasons, dec.news2, core);
          if (created === 'already_open') return this.apply(dec);
          if (!created) return;
          alert = created;
        } else {
          const ok = await repos.transitionAlert(
            alert.id,
            ['pending_checkin'],
            {
              state: 'escalating',
              score: Math.max(alert.score, dec.score),
              reasons: JSON.stringify(dec.reasons),
              news2: dec.news2,
              updated_at: now,
            },
            core,
          );
          if (!ok) return this.apply(dec);
        }
        await repos.appendTimeline(alert.id, now, 'escalating', { score: dec.score, reasons: dec.reasons }, core);
        await this.d.escalator.start(alert.id, Date.now(), core);
        await this.broadcast((await repos.alertById(alert.id))!, 'escalating');
        return;
      }
      case 'update':
        if (open && 'score' in dec)
          await this.updateScore(open, dec.score, dec.reasons, dec.news2, dec.kind === 'update' ? 'score_update' : 'retriggered', core);
        return;
      case 'ok_reported':
        if (!open || dec.kind !== 'cancelled') return;
        // Once people are paged only a person closes the alert: someone in an overdose may press OK
        // confusedly or briefly breathe better. The responders are told and decide.
        await repos.appendTimeline(open.id, now, 'wearer_ok_reported', { by: dec.reason, action: 'escalation continues' }, core);
        await this.broadcast(open, 'wearer_ok_reported');
        return;
      case 'cancel': {
        if (!open || dec.kind !== 'cancelled') return;
        const ok = await repos.transitionAlert(open.id, ['pending_checkin'], { state: 'cancelled', updated_at: now, closed_at: now }, core);
        if (!ok) return;
        await repos.appendTimeline(open.id, now, 'cancelled', { by: dec.reason }, core);
        await this.d.escalator.stop(open.id, core);
        await this.commandWearables(dec.wearerId, { type: 'cancel', alertId: open.id });
        await this.broadcast((await repos.alertById(open.id))!, 'cancelled');
        return;
      }
      case 'technical': {
        if (dec.kind !== 'technical') return;
        const wearer = await repos.wearerById(dec.wearerId);
        if (!wearer) return;
        this.d.log.info({ wearerId: dec.wearerId, deviceId: dec.deviceId, issue: dec.issue }, 'technical notice');
        this.d.live.sendTo(await repos.users.adminIds(wearer.service_id), {
          type: 'technical',
          wearerId: dec.wearerId,
          deviceId: dec.deviceId,
          issue: dec.issue,
          detail: dec.detail,
          at: new Date(now).toISOString(),
        });
        return;
      }
      case 'none':
        return;
      default:
        a satisfies never;
    }
  }

  /** The new alert; 'already_open' when the store refused it (one open alert per wearer, another node was first). */
  private async create(
    wearerId: string,
    state: 'pending_checkin' | 'escalating',
    score: number,
    reasons: string[],
    news2: number | null,
    core: CoreWrite | undefined,
  ): Promise<AlertRow | 'already_open' | undefined> {
    const { repos, clock, ids } = this.d;
    const wearer = await repos.wearerById(wearerId);
    if (!wearer) return undefined;
    const chain = wearer.chain_id ? await repos.chainById(wearer.chain_id) : undefined;
    const now = clock.now();
    const id = ids.next('al');
    const stored = await repos.insertOpenAlert(
      {
        id,
        service_id: wearer.service_id,
        wearer_id: wearerId,
        state,
        score,
        reasons: JSON.stringify(reasons),
        news2,
        // The chain (and its groups' members) is copied onto the alert: later edits never change a running alert.
        chain_snapshot: await this.d.escalator.snapshotChain(chain?.definition ?? null, wearer.service_id),
        escalation_token: 0,
        attending_responder_id: null,
        outcome: null,
        note: null,
        created_at: now,
        updated_at: now,
        closed_at: null,
      },
      core,
    );
    if (!stored) return 'already_open';
    await repos.appendTimeline(id, now, 'created', { state, score, reasons, chainId: chain?.id ?? null }, core);
    if (!chain) this.d.log.warn({ wearerId, alertId: id }, 'wearer has no escalation chain');
    return repos.alertById(id);
  }

  private async updateScore(
    alert: AlertRow,
    score: number,
    reasons: string[],
    news2: number | null,
    type: string,
    core: CoreWrite | undefined,
  ) {
    const now = this.d.clock.now();
    await this.d.repos.updateAlert(
      alert.id,
      {
        score: Math.max(alert.score, score),
        reasons: JSON.stringify(reasons),
        news2,
        updated_at: now,
      },
      core,
    );
    await this.d.repos.appendTimeline(alert.id, now, type, { score, reasons }, core);
    await this.broadcast((await this.d.repos.alertById(alert.id))!, 'updated');
  }

  private async commandWearables(wearerId: string, cmd: CommandPayload) {
    const devices = await this.d.repos.devices.devicesOfWearer(wearerId);
    for (const dev of devices)
      if (dev.kind === 'wearable' || dev.kind === 'button') void this.d.bus.publish('device.command', { deviceId: dev.id, command: cmd });
  }

  // ---- people's actions -------------------------------------------------------------------

  /** `naloxone`: the responder said they have a naloxone kit with them (the timeline and the others' screens show it). */
  async ack(
    alertId: string,
    user: UserRow,
    via: 'app' | 'sms' | 'voice' | 'link',
    opts: { naloxone?: boolean } = {},
  ): Promise<{ alert: AlertSummary; attending: boolean }> {
    const { repos, clock } = this.d;
    const alert = await this.visibleAlert(alertId, user);
    const now = clock.now();
    const kit = opts.naloxone ? { naloxone: true } : {};
    if (!OPEN_ALERT_STATES.includes(alert.state)) throw new AppError('ODART_ERR_ALERT_CLOSED');
    // Compare-and-set: of two responders acknowledging at the same instant exactly one wins.
    const won = await repos.transitionAlert(alertId, ['pending_checkin', 'escalating'], {
      state: 'acknowledged',
      attending_responder_id: user.id,
      attending_contact: null,
      acknowledged_at: now,
      updated_at: now,
    });
    if (won) {
      await repos.appendTimeline(alertId, now, 'acknowledged', { by: user.id, via, attending: true, ...kit });
      await this.d.escalator.acknowledged(alertId, { userId: user.id, phone: user.phone, name: user.display_name });
      const fresh = (await repos.alertById(alertId))!;
      await this.broadcast(fresh, 'acknowledged');
      return { alert: await this.summary(fresh), attending: true };
    }
    const fresh = (await repos.alertById(alertId))!;
    if (!OPEN_ALERT_STATES.includes(fresh.state)) throw new AppError('ODART_ERR_ALERT_CLOSED');
    await repos.appendTimeline(alertId, now, 'acknowledged', { by: user.id, via, attending: false, ...kit });
    return { alert: await this.summary(fresh), attending: fresh.attending_responder_id === user.id };
  }

  /** An external phone contact of the chain replied to acknowledge: they attend, but have no account. */
  async ackByContact(
    alertId: string,
    contact: { key: string; label: string; phone: string },
    via: 'sms' | 'voice' | 'link' | 'handoff' = 'sms',
  ): Promise<{ attending: boolean; alert: AlertRow }> {
    const { repos, clock } = this.d;
    const now = clock.now();
    const won = await repos.transitionAlert(alertId, ['pending_checkin', 'escalating'], {
      state: 'acknowledged',
      attending_responder_id: null,
      attending_contact: contact.label,
      acknowledged_at: now,
      updated_at: now,
    });
    if (won) {
      await repos.appendTimeline(alertId, now, 'acknowledged', { by: contact.key, via, attending: true, contact: true });
      await this.d.escalator.acknowledged(alertId, { userId: null, phone: contact.phone, name: contact.label });
      const fresh = (await repos.alertById(alertId))!;
      await this.broadcast(fresh, 'acknowledged');
      return { attending: true, alert: fresh };
    }
    await repos.appendTimeline(alertId, now, 'acknowledged', { by: contact.key, via, attending: false, contact: true });
    return { attending: false, alert: (await repos.alertById(alertId))! };
  }

  /**
   * An alarm centre answered a hand-off (POST /webhooks/handoff/:endpointId): `acknowledged` takes an
   * open alert like a contact's acknowledgement (the chain stops, the others are told); every answer
   * is a timeline entry and goes live to the alert's audience with its words ("Alarm centre:
   * ambulance dispatched"). `text` is those words (messages/, chosen by the caller).
   */
  async handoffAnswer(
    alertId: string,
    centre: { key: string; name: string },
    action: 'acknowledged' | 'dispatched' | 'resolved',
    note: string | undefined,
    text: string,
  ): Promise<void> {
    const { repos, clock } = this.d;
    const alert = await repos.alertById(alertId);
    if (!alert) throw new AppError('ODART_ERR_NOT_FOUND');
    if (action === 'acknowledged' && (alert.state === 'pending_checkin' || alert.state === 'escalating')) {
      await this.ackByContact(alertId, { key: centre.key, label: centre.name, phone: '' }, 'handoff');
    }
    await repos.appendTimeline(alertId, clock.now(), 'handoff_answer', {
      by: centre.key,
      centre: centre.name,
      action,
      text,
      ...(note !== undefined ? { note } : {}),
    });
    const fresh = (await repos.alertById(alertId))!;
    this.d.live.sendTo(await this.audience(fresh), { type: 'alert', change: 'handoff', alert: await this.summary(fresh), name: text });
  }

  /**
   * A responder is with the wearer. If nobody had acknowledged yet, they become attending first.
   * Anyone who may see the alert can say so (whoever gets there first matters); it stops the arrival timer.
   */
  async arrived(alertId: string, user: UserRow, via: 'app' | 'sms'): Promise<AlertSummary> {
    const { repos, clock } = this.d;
    let alert = await this.visibleAlert(alertId, user);
    if (!OPEN_ALERT_STATES.includes(alert.state)) throw new AppError('ODART_ERR_ALERT_CLOSED');
    if (alert.state !== 'acknowledged') {
      await this.ack(alertId, user, via);
      alert = (await repos.alertById(alertId))!;
    }
    const now = clock.now();
    const isFirst = await repos.markArrived(alertId, now);
    await repos.appendTimeline(alertId, now, 'arrived', {
      by: user.id,
      via,
      first: isFirst,
      attending: alert.attending_responder_id === user.id,
    });
    if (isFirst) await this.d.escalator.arrived(alertId);
    const fresh = (await repos.alertById(alertId))!;
    if (!OPEN_ALERT_STATES.includes(fresh.state)) throw new AppError('ODART_ERR_ALERT_CLOSED');
    await this.broadcast(fresh, 'arrived');
    return this.summary(fresh);
  }

  /** Resolve with an outcome; by SMS the outcome may follow as a digit (null until then). */
  async resolve(
    alertId: string,
    user: UserRow,
    outcome: Outcome | null,
    note: string | null,
    via: 'app' | 'sms' = 'app',
  ): Promise<AlertSummary> {
    const { repos, clock } = this.d;
    const alert = await this.visibleAlert(alertId, user);
    const now = clock.now();
    const ok = await repos.transitionAlert(alertId, OPEN_ALERT_STATES, {
      state: 'resolved',
      outcome,
      note,
      updated_at: now,
      closed_at: now,
      attending_responder_id: alert.attending_responder_id ?? (alert.attending_contact ? null : user.id),
    });
    if (!ok) throw new AppError('ODART_ERR_ALERT_CLOSED');
    await this.d.escalator.stop(alertId);
    await repos.appendTimeline(alertId, now, 'resolved', {
      by: user.id,
      outcome,
      note,
      via,
      ...(outcome === null ? { outcomePending: true } : {}),
    });
    void this.d.bus.publish('alert.episodeClosed', { wearerId: alert.wearer_id });
    const fresh = (await repos.alertById(alertId))!;
    await this.broadcast(fresh, 'resolved');
    return this.summary(fresh);
  }

  /**
   * The responder's app received a page (live socket `seen`, or `POST /api/alerts/:id/seen`): the
   * reminder SMS for that step is not needed. True when it marked a page of the current chain run.
   */
  async seen(alertId: string, user: UserRow, via: 'live' | 'app'): Promise<boolean> {
    const { repos, clock } = this.d;
    const alert = await this.visibleAlert(alertId, user);
    const now = clock.now();
    const steps = await repos.esc.markAppPagesSeen(alertId, user.id, alert.escalation_token, now);
    if (steps.length === 0) return false;
    for (const step of new Set(steps)) await repos.appendTimeline(alertId, now, 'seen', { by: user.id, via, step });
    return true;
  }

  /** The outcome digit of an SMS survey, for an alert resolved by SMS without one. Set once. */
  async setOutcome(alertId: string, user: UserRow, outcome: Outcome): Promise<boolean> {
    const { repos, clock } = this.d;
    const now = clock.now();
    if (!(await repos.setOutcomeOnce(alertId, outcome, now))) return false;
    await repos.appendTimeline(alertId, now, 'outcome', { by: user.id, outcome, via: 'sms' });
    const fresh = await repos.alertById(alertId);
    if (fresh) await this.broadcast(fresh, 'outcome');
    return true;
  }

  /** A signed-in user cannot go (app or SMS); same visibility rule as acknowledging. */
  async declineAsUser(alertId: string, user: UserRow, via: 'app' | 'sms' | 'voice' | 'link'): Promise<AlertSummary> {
    await this.visibleAlert(alertId, user);
    return this.decline(alertId, { target: `responder:${user.id}`, userId: user.id, name: user.display_name }, via);
  }

  /**
   * "I can't go": recorded once per person and alert, on the timeline and to live clients (the app
   * stops ringing for them). The escalator moves on at once when nobody in the current step can still
   * come; if the person declining was attending, the alert escalates again from the first step now.
   */
  async decline(alertId: string, by: Decliner, via: 'app' | 'sms' | 'voice' | 'link'): Promise<AlertSummary> {
    const { repos, clock } = this.d;
    const alert = await repos.alertById(alertId);
    if (!alert) throw new AppError('ODART_ERR_NOT_FOUND', 'No such alert');
    if (!OPEN_ALERT_STATES.includes(alert.state)) throw new AppError('ODART_ERR_ALERT_CLOSED');
    const now = clock.now();
    const attending =
      alert.state === 'acknowledged' &&
      (by.userId !== null
        ? alert.attending_responder_id === by.userId
        : alert.attending_responder_id === null && alert.attending_contact === by.name);
    const first = await this.d.escalator.esc.insertDecline({ alert_id: alertId, target: by.target, user_id: by.userId, at: now });
    if (first || attending)
      await repos.appendTimeline(alertId, now, 'declined', {
        by: by.target,
        name: by.name,
        via,
        ...(attending ? { attending: true } : {}),
      });
    if (attending) {
      // The attending responder cannot go after all: the alert escalates again from step 0 at once.
      const token = await this.d.escalator.restartChain(alertId, 'acknowledged', alert.escalation_token);
      if (token !== null) {
        await repos.appendTimeline(alertId, clock.now(), 'escalating', { reason: 'attending_declined', token });
        this.d.escalator.kick();
      }
    } else if (first) await this.d.escalator.declined(alertId);
    const fresh = (await repos.alertById(alertId))!;
    const audience = await this.audience(fresh);
    this.d.live.sendTo(by.userId ? [...audience, by.userId] : audience, {
      type: 'alert',
      change: 'declined',
      alert: await this.summary(fresh),
      by: by.userId ?? String(maskTarget(by.target)),
      name: by.name,
    });
    return this.summary(fresh);
  }

  // ---- reads with visibility rules ---------------------------------------------------------

  /** Users who may see alerts of this wearer: the service's admins and the responders assigned. */
  async audience(alert: AlertRow): Promise<string[]> {
    const admins = await this.d.repos.users.adminIds(alert.service_id);
    const responders = await this.d.repos.responderIdsForWearer(alert.wearer_id);
    return [...admins, ...responders];
  }

  async canSee(user: UserRow, alert: AlertRow): Promise<boolean> {
    if (user.service_id !== alert.service_id) return false;
    if (user.role === 'admin') return true;
    if ((await this.d.repos.responderIdsForWearer(alert.wearer_id)).includes(user.id)) return true;
    // Paged through a chain (directly or as a group member): they must be able to open and acknowledge it.
    return this.d.escalator.esc.wasPaged(alert.id, user.id);
  }

  /** The alert if the user may see it; otherwise 404, so ids leak nothing. */
  async visibleAlert(alertId: string, user: UserRow): Promise<AlertRow> {
    const alert = await this.d.repos.alertById(alertId);
    if (!alert || !(await this.canSee(user, alert))) throw new AppError('ODART_ERR_NOT_FOUND', 'No such alert');
    return alert;
  }

  async list(user: UserRow): Promise<(AlertSummary & { escalation?: EscalationView })[]> {
    let rows =
      user.role === 'admin'
        ? await this.d.repos.alertsForService(user.service_id)
        : await this.d.repos.alertsForWearers(await this.d.repos.wearerIdsForResponder(user.id));
    if (user.role !== 'admin') {
      const have = new Set(rows.map((r) => r.id));
      const paged = (await this.d.escalator.esc.alertIdsPagedToUser(user.id)).filter((id) => !have.has(id));
      for (const id of paged) {
        const a = await this.d.repos.alertById(id);
        if (a) rows.push(a);
      }
      rows = rows.sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? 1 : -1));
    }
    rows = rows.filter((r) => r.service_id === user.service_id);
    // Open items carry the escalation clock (who is called next, when); closed ones need none.
    const clocks = await this.d.escalator.escalationViews(rows.filter((r) => OPEN_ALERT_STATES.includes(r.state)));
    return Promise.all(
      rows.map(async (r) => {
        const clock = clocks.get(r.id);
        return { ...(await this.summary(r)), ...(clock ? { escalation: clock } : {}) };
      }),
    );
  }

  async detail(alertId: string, user: UserRow): Promise<AlertDetail> {
    const alert = await this.visibleAlert(alertId, user);
    const escalation = (await this.d.escalator.escalationViews([alert])).get(alert.id)!;
    return { ...(await this.summary(alert)), escalation, note: alert.note, timeline: timelineView(await this.d.repos.timeline(alertId)) };
  }

  async summary(a: AlertRow): Promise<AlertSummary> {
    const w = await this.d.repos.wearerById(a.wearer_id);
    return alertSummary(a, w?.alias ?? a.wearer_id);
  }

  private async broadcast(alert: AlertRow, change: string) {
    this.d.live.sendTo(await this.audience(alert), { type: 'alert', change, alert: await this.summary(alert) });
  }
}
