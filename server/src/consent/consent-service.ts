// Wearer consent: pending until the person opts in (personal link or SMS YES); opt-out stops monitoring at
// once and tells the service; pause for a chosen time with a reminder and automatic resume (injected clock);
// raw vitals purged after the retention period; erasure of everything consent-related on deletion.
// Personal links expire (CONSENT_LINK_TTL_H): a link forwarded or found in an old SMS must not work forever.
import { createHash, randomBytes } from 'node:crypto';
import type { Clock, TimerHandle } from '../clock.js';
import { AppError } from '../errors.js';
import type { Bus } from '../events/index.js';
import type { Logger } from '../log.js';
import { en } from '../messages/en.js';
import type { SmsSender } from '../notify/index.js';
import type { ConsentState, Repos, WearerRow } from '../store/index.js';
import type { VitalsStore } from '../store/vitals.js';
import { MAX_PAUSE_MS, MIN_PAUSE_MS, parseWearerKeyword } from './keywords.js';
import { CONSENT_VERSION } from './text.js';

export type ConsentVia = 'web' | 'sms' | 'admin' | 'system';
export type ConsentChange = 'invited' | 'opted_in' | 'opted_out' | 'paused' | 'resumed' | 'pause_reminder';

/** The reminder goes this long before a pause ends. */
export const PAUSE_REMINDER_MS = 10 * 60_000;
const HOUR = 3600_000;

export interface ConsentDeps {
  repos: Repos;
  clock: Clock;
  sms: SmsSender;
  /** tells `consent.applied` (ingest and the detector follow at once) and `consent.changed` (the service's admins are told live) */
  bus: Bus;
  log: Logger;
  vitals: VitalsStore;
  publicUrl: string;
  retentionDays: number;
  /** a personal link works this long after it was issued */
  linkTtlMs: number;
}

export interface ConsentEventView {
  at: string;
  type: string;
  via: string;
  [k: string]: unknown;
}

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

/** Pausing needs monitoring on (or an existing pause to change). */
function monitored(w: WearerRow): boolean {
  if (w.consent !== 'active' && w.consent !== 'paused')
    throw new AppError('ODART_ERR_CONFLICT', 'Monitoring is not on, so it cannot be paused');
  return true;
}

export class ConsentService {
  /** wearers on pause -> resume time; loaded at start so a restart keeps every pause */
  private readonly pauses = new Map<string, number>();
  private ticking: Promise<void> | null = null;
  private again = false;

  constructor(private readonly d: ConsentDeps) {}

  async start(): Promise<TimerHandle[]> {
    const paused = await this.d.repos.consent.paused();
    for (const w of paused) this.pauses.set(w.id, Number(w.paused_until ?? 0));
    await this.tick();
    await this.purge();
    return [
      this.d.clock.setInterval(() => void this.tick().catch((err: unknown) => this.d.log.error({ err }, 'consent tick failed')), 1000),
      this.d.clock.setInterval(() => void this.purge().catch((err: unknown) => this.d.log.error({ err }, 'vitals purge failed')), HOUR),
    ];
  }

  // ---- links --------------------------------------------------------------------------------

  /** A new personal link (earlier ones stop working). Only the token's hash is stored. */
  async issueLink(wearer: WearerRow, send: boolean): Promise<{ url: string; sent: boolean; expiresAt: string }> {
    const token = randomBytes(32).toString('base64url');
    const now = this.d.clock.now();
    await this.d.repos.consent.replaceLink(wearer.id, digest(token), now);
    const url = `${this.d.publicUrl}/#/consent/${token}`;
    let sent = false;
    if (send && wearer.phone) {
      const service = await this.d.repos.serviceById(wearer.service_id);
      const res = await this.d.sms.send({
        to: wearer.phone,
        body: en.smsConsentInvite({ service: service?.name ?? 'Your service', link: url }),
        owner: { serviceId: wearer.service_id, wearerId: wearer.id },
      });
      sent = res.ok;
      if (!res.ok) this.d.log.warn({ wearerId: wearer.id, code: res.code }, 'consent invite sms failed');
    }
    await this.record(wearer, 'invited', 'admin', { sent });
    return { url, sent, expiresAt: new Date(now + this.d.linkTtlMs).toISOString() };
  }

  /** The wearer behind a link, 'expired' once its lifetime is over (kept apart so the page can say so), else undefined. */
  async linkFor(token: string): Promise<WearerRow | 'expired' | undefined> {
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return undefined;
    const row = await this.d.repos.consent.linkByHash(digest(token));
    if (!row) return undefined;
    if (this.d.clock.now() >= Number(row.created_at) + this.d.linkTtlMs) return 'expired';
    return this.d.repos.wearerById(row.wearer_id);
  }

  async wearerByToken(token: string): Promise<WearerRow | undefined> {
    const w = await this.linkFor(token);
    return w === 'expired' ? undefined : w;
  }

  // ---- choices ------------------------------------------------------------------------------

  async optIn(wearerId: string, via: ConsentVia, version: string): Promise<WearerRow> {
    if (version !== CONSENT_VERSION)
      throw new AppError('ODART_ERR_VALIDATION', 'invalid fields: version (the consent text has changed; reload it)');
    return this.set(wearerId, 'active', 'opted_in', via, { version });
  }

  async optOut(wearerId: string, via: ConsentVia): Promise<WearerRow> {
    return this.set(wearerId, 'opted_out', 'opted_out', via, {});
  }

  async pause(wearerId: string, ms: number, via: ConsentVia): Promise<WearerRow> {
    const w = await this.wearer(wearerId);
    if (w.consent !== 'active' && w.consent !== 'paused')
      throw new AppError('ODART_ERR_CONFLICT', 'Monitoring is not on, so it cannot be paused');
    if (!Number.isFinite(ms) || ms < MIN_PAUSE_MS || ms > MAX_PAUSE_MS)
      throw new AppError('ODART_ERR_VALIDATION', 'invalid fields: a pause is 15 minutes to 72 hours');
    return this.set(wearerId, 'paused', 'paused', via, { minutes: Math.round(ms / 60_000) }, this.d.clock.now() + ms, monitored);
  }

  async resume(wearerId: string, via: ConsentVia): Promise<WearerRow> {
    const w = await this.wearer(wearerId);
    if (w.consent !== 'paused') return w;
    return this.set(wearerId, 'active', 'resumed', via, {}, null, (x) => x.consent === 'paused');
  }

  /** An SMS from a wearer's own phone: applies the keyword and returns the reply. */
  async handleSms(wearer: WearerRow, body: string): Promise<string> {
    const kw = parseWearerKeyword(body);
    if (!kw) return en.smsWearerHelp;
    switch (kw.kind) {
      case 'yes':
        if (wearer.consent === 'paused') await this.resume(wearer.id, 'sms');
        else if (wearer.consent !== 'active') await this.optIn(wearer.id, 'sms', CONSENT_VERSION);
        return wearer.consent === 'paused' ? en.smsResumed : en.smsOptedIn;
      case 'stop':
        if (wearer.consent !== 'opted_out') await this.optOut(wearer.id, 'sms');
        return en.smsOptedOut;
      case 'pause':
        if (wearer.consent !== 'active' && wearer.consent !== 'paused') return en.smsNotMonitored;
        await this.pause(wearer.id, kw.ms, 'sms');
        return en.smsPaused({ duration: en.duration(kw.ms) });
      case 'pause_invalid':
        return en.smsPauseHelp;
      default:
        return kw satisfies never;
    }
  }

  async wearerByPhone(phone: string): Promise<WearerRow | undefined> {
    return this.d.repos.wearers.wearerByPhone(phone);
  }

  /** Consent log of one wearer, oldest first. */
  async events(wearerId: string): Promise<ConsentEventView[]> {
    const rows = await this.d.repos.consent.events(wearerId);
    return rows.map((r) => ({
      at: new Date(Number(r.at)).toISOString(),
      type: r.type,
      via: r.via,
      ...(JSON.parse(r.data) as Record<string, unknown>),
    }));
  }

  /** After a wearer's deletion: their links, consent log and raw vitals go too. */
  async forgetWearer(wearerId: string): Promise<void> {
    this.pauses.delete(wearerId);
    await this.d.repos.consent.forgetWearer(wearerId);
    await this.d.vitals.deleteWearer(wearerId);
  }

  // ---- time-driven work ---------------------------------------------------------------------

  /** Sends due pause reminders and ends due pauses. Runs every second on the injected clock. */
  tick(): Promise<void> {
    // One pass at a time (a pass still waiting on the store must not race the next into a double resume);
    // a tick that arrives meanwhile makes the running pass go round once more, so no due time is missed.
    if (this.ticking) {
      this.again = true;
      return this.ticking;
    }
    this.ticking = (async () => {
      // Yield first, so `ticking` is set before the pass (which may not await at all) clears it.
      await Promise.resolve();
      try {
        do {
          this.again = false;
          const now = this.d.clock.now();
          for (const [wearerId, until] of [...this.pauses]) {
            if (now >= until) await this.resume(wearerId, 'system');
            else if (until - now <= PAUSE_REMINDER_MS) await this.remind(wearerId, until);
          }
        } while (this.again);
      } finally {
        this.ticking = null;
      }
    })();
    return this.ticking;
  }

  /** Resolves when no time-driven consent work is running (tests wait on it). */
  async idle(): Promise<void> {
    while (this.ticking) await this.ticking;
  }

  /**
   * Deletes raw vitals older than the retention period (VITALS_RETENTION_DAYS), and detector snapshots not renewed in
   * it (a wearer whose detector has been gone that long: opted out, or no device reporting).
   */
  async purge(): Promise<number> {
    const before = this.d.clock.now() - this.d.retentionDays * 24 * HOUR;
    const n = await this.d.vitals.purgeBefore(before);
    await this.d.repos.snapshots.purgeBefore(before);
    if (n > 0) this.d.log.info({ samples: n, days: this.d.retentionDays }, 'purged old vitals');
    return n;
  }

  private async remind(wearerId: string, until: number) {
    const w = await this.d.repos.wearerById(wearerId);
    if (!w || w.consent !== 'paused' || w.pause_reminded === 1) return;
    // A pause shorter than twice the reminder lead gets no reminder: the wearer just chose it.
    const startedAt = Number(w.consent_changed_at ?? 0);
    // Claimed in the store, so of two nodes ticking at once only one reminds.
    if (!(await this.d.repos.consent.claimPauseReminder(wearerId))) return;
    if (until - startedAt < 2 * PAUSE_REMINDER_MS) return;
    if (w.phone) await this.sendToWearer(w, en.smsPauseReminder({ minutes: Math.round((until - this.d.clock.now()) / 60_000) }));
    await this.record(w, 'pause_reminder', 'system', {});
  }

  /**
   * Applies a change decided on the wearer's current state. The store writes it only while that state still
   * holds (compare-and-set); when another node changed it first, the state is read again and `allowed`
   * (which may throw) asked again, so the change and its log entry's `from` are always true.
   */
  private async set(
    wearerId: string,
    state: ConsentState,
    change: ConsentChange,
    via: ConsentVia,
    data: Record<string, unknown>,
    pausedUntil: number | null = null,
    allowed: (w: WearerRow) => boolean = () => true,
  ): Promise<WearerRow> {
    let before: WearerRow;
    let now: number;
    for (;;) {
      before = await this.wearer(wearerId);
      if (!allowed(before)) {
        // Another node made the change; this node's pause schedule follows the store.
        if (before.consent === 'paused') this.pauses.set(wearerId, Number(before.paused_until ?? 0));
        else this.pauses.delete(wearerId);
        return before;
      }
      now = this.d.clock.now();
      const won = await this.d.repos.consent.transition(wearerId, before.consent, {
        consent: state,
        consent_changed_at: now,
        paused_until: pausedUntil,
        ...(change === 'opted_in' ? { consent_version: String(data.version) } : {}),
      });
      if (won) break;
    }
    if (pausedUntil !== null) this.pauses.set(wearerId, pausedUntil);
    else this.pauses.delete(wearerId);
    // Before anything else: the ingest directory must stop (or start) taking this wearer's data now.
    await this.d.bus.publish('consent.applied', { wearerId });
    const after = (await this.d.repos.wearerById(wearerId))!;
    await this.record(after, change, via, {
      ...data,
      from: before.consent,
      ...(pausedUntil ? { until: new Date(pausedUntil).toISOString() } : {}),
    });
    if (via !== 'sms' && after.phone) {
      // Web, admin and automatic changes are confirmed by SMS; SMS choices get their reply on the webhook.
      const body =
        change === 'opted_in'
          ? en.smsOptedIn
          : change === 'opted_out'
            ? en.smsOptedOut
            : change === 'paused'
              ? en.smsPaused({ duration: en.duration(pausedUntil! - now) })
              : change === 'resumed'
                ? en.smsResumed
                : null;
      if (body) await this.sendToWearer(after, body);
    }
    return after;
  }

  private async record(w: WearerRow, change: ConsentChange, via: ConsentVia, data: Record<string, unknown>) {
    const now = this.d.clock.now();
    await this.d.repos.consent.appendEvent({
      wearer_id: w.id,
      service_id: w.service_id,
      at: now,
      type: change,
      via,
      data: JSON.stringify(data),
    });
    this.d.log.info({ wearerId: w.id, change, via }, 'wearer consent changed');
    if (change === 'invited' || change === 'pause_reminder') return;
    await this.d.bus.publish('consent.changed', {
      wearerId: w.id,
      serviceId: w.service_id,
      alias: w.alias,
      change,
      state: w.consent,
      via,
      at: now,
      pausedUntil: w.paused_until ? Number(w.paused_until) : null,
    });
  }

  private async sendToWearer(w: WearerRow, body: string) {
    if (!w.phone) return;
    const res = await this.d.sms.send({ to: w.phone, body, owner: { serviceId: w.service_id, wearerId: w.id } });
    if (!res.ok) this.d.log.warn({ wearerId: w.id, code: res.code }, 'wearer sms failed');
  }

  private async wearer(id: string): Promise<WearerRow> {
    const w = await this.d.repos.wearerById(id);
    if (!w) throw new AppError('ODART_ERR_NOT_FOUND', 'No such wearer');
    return w;
  }
}
