// Durable escalation: each step is a stored job with a due time and a fencing token. A job whose token
// no longer matches its alert (acknowledged, resolved, re-triggered) is a no-op; each
// (alert, token, step, target, channel) reserves an idempotency key before any provider call,
// so a step is never sent twice, even across a crash and restart.
import type { Clock, TimerHandle } from '../clock.js';
import type { Ids } from '../ids.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { SmsSender } from '../notify/index.js';
import type { AlertRow, Repos } from '../store/index.js';
import { en } from '../messages/en.js';
import { chainSchema, targetKey, type ChainDefinition, type ChainTarget } from './chain.js';
import type { LiveHub } from '../alerts/live.js';
import { alertSummary } from '../alerts/view.js';
import { isSingleSegment } from '../notify/sms.js';

export interface EscalatorDeps {
  repos: Repos;
  clock: Clock;
  ids: Ids;
  sms: SmsSender;
  live: LiveHub;
  log: Logger;
  metrics: Metrics;
  publicUrl: string;
  /** webhook URL for delivery status callbacks */
  statusCallbackUrl: string | undefined;
}

interface ResolvedTarget {
  key: string;
  userId: string | null;
  phone: string | null;
  label: string;
}

export class Escalator {
  private running: Promise<void> | null = null;
  private again = false;

  constructor(private readonly d: EscalatorDeps) {}

  /** Begin escalation for an alert now in `escalating`: fence earlier jobs, schedule step 0 now. */
  async start(alertId: string, decidedAt: number): Promise<void> {
    const alert = await this.d.repos.alertById(alertId);
    if (!alert) return;
    const token = alert.escalation_token + 1;
    await this.d.repos.cancelJobs(alertId);
    await this.d.repos.updateAlert(alertId, { escalation_token: token });
    await this.d.repos.insertJob({
      id: this.d.ids.next('job'),
      alert_id: alertId,
      step_index: 0,
      due_at: this.d.clock.now(),
      token,
      created_at: this.d.clock.now(),
    });
    await this.runDue(decidedAt);
  }

  /** Fence every pending step of an alert (acknowledged, resolved or cancelled). */
  async stop(alertId: string): Promise<void> {
    await this.d.repos.cancelJobs(alertId);
  }

  /** Periodic auditor: runs whatever is due, including steps left over from before a restart. */
  startLoop(intervalMs = 1000): TimerHandle {
    return this.d.clock.setInterval(() => {
      this.runDue().catch((err: unknown) => this.d.log.error({ err }, 'escalation run failed'));
    }, intervalMs);
  }

  /** Runs all due jobs. Concurrent calls coalesce into one more pass. */
  async runDue(decidedAt?: number): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          const jobs = await this.d.repos.dueJobs(this.d.clock.now());
          for (const job of jobs) {
            if (!(await this.d.repos.claimJob(job.id))) continue;
            await this.runJob(job, decidedAt);
          }
        } while (this.again);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  private async runJob(job: { id: string; alert_id: string; step_index: number; token: number }, decidedAt?: number) {
    const alert = await this.d.repos.alertById(job.alert_id);
    if (!alert || alert.state !== 'escalating' || alert.escalation_token !== job.token) {
      this.d.metrics.escalationSteps.inc({ result: 'fenced' });
      return;
    }
    const chain = chainSchema.parse(JSON.parse(alert.chain_snapshot)) as ChainDefinition;
    const step = chain.steps[job.step_index];
    if (!step) return;
    this.d.metrics.escalationSteps.inc({ result: 'run' });
    const now = this.d.clock.now();
    await this.d.repos.appendTimeline(alert.id, now, 'escalation_step', { step: job.step_index, token: job.token });
    const wearer = await this.d.repos.wearerById(alert.wearer_id);
    const alias = wearer?.alias ?? 'Someone';
    const targets = await Promise.all(step.targets.map((t) => this.resolveTarget(t, alert)));
    const sends: Promise<void>[] = [];
    for (const target of targets) {
      for (const channel of step.channels) {
        if (channel === 'app' && target.userId) {
          this.d.live.sendTo([target.userId], { type: 'page', alert: alertSummary(alert, alias), step: job.step_index });
          await this.d.repos.appendTimeline(alert.id, now, 'notified', { channel: 'app', target: target.key, step: job.step_index });
          this.d.metrics.notifications.inc({ channel: 'app', result: 'sent' });
        } else if (channel === 'sms' && target.phone) {
          sends.push(this.sendSms(alert, job, target, alias, wearer?.address ?? null, decidedAt));
        }
      }
    }
    await Promise.all(sends);
    const next = job.step_index + 1;
    if (next < chain.steps.length) {
      await this.d.repos.insertJob({
        id: this.d.ids.next('job'),
        alert_id: alert.id,
        step_index: next,
        due_at: now + step.waitS * 1000,
        token: job.token,
        created_at: now,
      });
    } else {
      await this.d.repos.appendTimeline(alert.id, now, 'chain_exhausted', { steps: chain.steps.length });
    }
  }

  private async resolveTarget(t: ChainTarget, alert: AlertRow): Promise<ResolvedTarget> {
    const key = targetKey(t);
    switch (t.type) {
      case 'responder': {
        const u = await this.d.repos.userById(t.id);
        if (!u || u.service_id !== alert.service_id) return { key, userId: null, phone: null, label: 'unknown responder' };
        return { key, userId: u.id, phone: u.phone, label: u.display_name };
      }
      case 'phone':
        return { key, userId: null, phone: t.phone, label: t.label };
      case 'emergency_contact': {
        const w = await this.d.repos.wearerById(alert.wearer_id);
        return { key, userId: null, phone: w?.emergency_contact_phone ?? null, label: 'emergency contact' };
      }
      default:
        return t satisfies never;
    }
  }

  private async sendSms(
    alert: AlertRow,
    job: { step_index: number; token: number },
    target: ResolvedTarget,
    alias: string,
    address: string | null,
    decidedAt?: number,
  ): Promise<void> {
    const key = `${alert.id}:${job.token}:${job.step_index}:${target.key}:sms`;
    const id = this.d.ids.next('ntf');
    const now = this.d.clock.now();
    const reserved = await this.d.repos.reserveNotification({
      id, idempotency_key: key, alert_id: alert.id, step_index: job.step_index,
      target: target.key, channel: 'sms', provider_id: null, error_code: null, created_at: now, updated_at: now,
    });
    if (!reserved) return; // sent (or being sent) already: never twice
    const body = alertSmsBody(alias, address, `${this.d.publicUrl}/#/alerts/${alert.id}`);
    if (decidedAt !== undefined) this.d.metrics.decisionToSms.observe(Math.max(0, Date.now() - decidedAt) / 1000);
    const res = await this.d.sms.send({ to: target.phone!, body, statusCallback: this.d.statusCallbackUrl });
    const at = this.d.clock.now();
    if (res.ok) {
      await this.d.repos.updateNotification(id, { provider_id: res.sid, status: res.status, updated_at: at });
      await this.d.repos.appendTimeline(alert.id, at, 'notified', {
        channel: 'sms', target: target.key, step: job.step_index, providerId: res.sid, result: res.status,
      });
      this.d.metrics.notifications.inc({ channel: 'sms', result: 'sent' });
    } else {
      await this.d.repos.updateNotification(id, { status: 'failed', error_code: res.code, updated_at: at });
      await this.d.repos.appendTimeline(alert.id, at, 'notify_failed', {
        channel: 'sms', target: target.key, step: job.step_index, errorCode: res.code, retryable: res.retryable,
      });
      this.d.metrics.notifications.inc({ channel: 'sms', result: 'failed' });
      this.d.log.warn({ alertId: alert.id, target: target.key, code: res.code }, 'sms send failed');
    }
  }
}

/** The alert SMS, kept to one segment: the alias and place are shortened before the link ever is. */
export function alertSmsBody(alias: string, address: string | null, link: string): string {
  const place = address?.split(',')[0]?.trim() || en.smsAlertShortPlace;
  let a = alias;
  let p = place;
  let body = en.smsAlert({ alias: a, place: p, link });
  while (!isSingleSegment(body) && (p.length > 8 || a.length > 8)) {
    if (p.length >= a.length) p = p.slice(0, -1);
    else a = a.slice(0, -1);
    body = en.smsAlert({ alias: a, place: p, link });
  }
  return body;
}
