// What follows a page once the alert moves on: everyone else who was paged is told that someone took it (app and
// text), and channels that follow the alert (an alarm centre's hand-off) are told of its change.
import type { Clock } from '../clock.js';
import type { Bus } from '../events/index.js';
import type { Ids } from '../ids.js';
import { en } from '../messages/en.js';
import type { ChannelRegistry } from '../notify/index.js';
import type { NotificationRow, Repos } from '../store/index.js';
import { PRIORITY } from './rate.js';

export interface FollowUpDeps {
  repos: Repos;
  channels: ChannelRegistry;
  clock: Clock;
  ids: Ids;
  bus: Bus;
  /** the send queue has new work (Dispatcher.kick) */
  kick(): void;
}

export class FollowUps {
  constructor(private readonly d: FollowUpDeps) {}

  /**
   * Channels that follow the alert (an alarm centre's hand-off: CAP Update/Cancel) are told of its
   * change, once per page that reached them, in a queued info message made from that page.
   */
  async tellChange(alertId: string, change: 'acknowledged' | 'resolved' | 'cancelled'): Promise<void> {
    const now = this.d.clock.now();
    const pages = (await this.d.repos.esc.notificationsForAlert(alertId)).filter((n) => n.kind === 'page' && n.to_addr && n.body !== null);
    const seen = new Set<string>();
    let queued = 0;
    for (const n of pages) {
      const ch = this.d.channels.get(n.channel);
      if (ch.delivery !== 'queued' || !ch.renderChange) continue;
      if (n.state !== 'sent' && n.state !== 'sending') continue;
      if (seen.has(`${n.channel}:${n.to_addr}`)) continue;
      seen.add(`${n.channel}:${n.to_addr}`);
      const inserted = await this.d.repos.esc.insertNotification({
        id: this.d.ids.next('ntf'),
        idempotency_key: `${alertId}:${change}:${n.channel}:${n.to_addr}`,
        alert_id: alertId,
        step_index: -1,
        target: n.target,
        channel: n.channel,
        kind: 'info',
        state: 'queued',
        priority: PRIORITY.info,
        token: n.token,
        to_addr: n.to_addr,
        user_id: null,
        body: ch.renderChange(n.body!, change, now),
        provider_id: null,
        status: 'queued',
        error_code: null,
        created_at: now,
        updated_at: now,
      });
      if (inserted) queued++;
    }
    if (queued > 0) this.d.kick();
  }

  async tellOthers(alertId: string, by: { userId: string | null; phone: string | null; name: string }): Promise<void> {
    const { repos, clock } = this.d;
    const alert = await repos.alertById(alertId);
    if (!alert) return;
    const wearer = await repos.wearerById(alert.wearer_id);
    const alias = wearer?.alias ?? 'the person';
    const now = clock.now();
    const pages = (await this.d.repos.esc.notificationsForAlert(alertId)).filter((n) => n.kind === 'page');
    const appUsers = [
      ...new Set(
        pages
          .filter((n) => this.d.channels.isLive(n.channel) && n.state === 'sent' && n.user_id && n.user_id !== by.userId)
          .map((n) => n.user_id!),
      ),
    ];
    await this.d.bus.publish('escalation.othersToldTaken', { alert, alias, userIds: appUsers });
    // Everyone a text or call reached is texted back, once per number.
    const told = new Map<string, NotificationRow>();
    for (const n of pages) {
      if (!this.d.channels.reachesPhone(n.channel) || !n.to_addr || n.to_addr === by.phone) continue;
      if (n.user_id !== null && n.user_id === by.userId) continue;
      if (n.state !== 'sent' && n.state !== 'sending') continue;
      if (!told.has(n.to_addr)) told.set(n.to_addr, n);
    }
    for (const [addr, n] of told) {
      await this.d.repos.esc.insertNotification({
        id: this.d.ids.next('ntf'),
        idempotency_key: `${alertId}:taken:${alert.escalation_token}:${addr}`,
        alert_id: alertId,
        step_index: -1,
        target: n.target,
        channel: this.d.channels.textChannel().id,
        kind: 'info',
        state: 'queued',
        priority: PRIORITY.info,
        token: alert.escalation_token,
        to_addr: addr,
        user_id: n.user_id,
        body: en.smsTakenByOther({ alias, responder: by.name }),
        provider_id: null,
        status: 'queued',
        error_code: null,
        created_at: now,
        updated_at: now,
      });
    }
    await repos.appendTimeline(alertId, now, 'others_told', {
      app: appUsers.length,
      sms: told.size,
      targets: [...new Set([...appUsers.map((u) => `responder:${u}`), ...[...told.values()].map((n) => n.target)])],
    });
    this.d.kick();
  }
}
