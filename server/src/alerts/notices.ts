// Admin notices: what the live feed tells a service's admins (a chain that ran out, consent changes,
// device problems) is also stored, so it is still there after a reload until an admin dismisses it.
import type { NoticeView } from '@odart/protocol/api';
import type { Clock } from '../clock.js';
import type { Ids } from '../ids.js';
import type { Logger } from '../log.js';
import type { NoticeRepo, NoticeRow, Repos } from '../store/index.js';
import type { LiveEvent, LiveHub } from './live.js';

/** A notice as the API and the live feed show it (the app's type too, @odart/protocol/api). */
export type { NoticeView };

export function noticeView(n: NoticeRow): NoticeView {
  const data = JSON.parse(n.data) as Record<string, unknown>;
  const { alias, ...rest } = data;
  return {
    id: n.id,
    at: new Date(Number(n.at)).toISOString(),
    kind: n.kind,
    wearerId: n.wearer_id,
    alertId: n.alert_id,
    alias: typeof alias === 'string' ? alias : null,
    count: Number(n.count),
    data: rest,
  };
}

export class NoticeBoard {
  readonly repo: NoticeRepo;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly d: { repos: Repos; clock: Clock; ids: Ids; live: LiveHub; log: Logger }) {
    this.repo = d.repos.notices;
  }

  /** Taps the live hub: every event worth a notice is stored (in order) and re-sent with its id. */
  attach(): void {
    this.d.live.tap((ev) => {
      const p = this.record(ev).catch((err: unknown) => this.d.log.error({ err }, 'storing a notice failed'));
      this.pending.add(p);
      void p.finally(() => this.pending.delete(p));
    });
  }

  /** Resolves once every notice seen so far is stored (reads wait for it, so a list is never behind the feed). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private async record(ev: LiveEvent): Promise<void> {
    let n: {
      kind: NoticeRow['kind'];
      wearerId: string;
      alertId: string | null;
      key: string;
      data: Record<string, unknown>;
      at: number;
    } | null = null;
    const now = this.d.clock.now();
    switch (ev.type) {
      case 'alert':
        // The escalator's reminder after the chain ran out (every 5 min until someone acknowledges).
        if (ev.change === 'unacknowledged' && ev.alert.state === 'escalating') {
          n = {
            kind: 'chain_exhausted',
            wearerId: ev.alert.wearerId,
            alertId: ev.alert.id,
            key: `chain_exhausted:${ev.alert.id}`,
            data: { alias: ev.alert.wearerAlias },
            at: now,
          };
        }
        break;
      case 'consent':
        n = {
          kind: 'consent',
          wearerId: ev.wearerId,
          alertId: null,
          key: `consent:${ev.wearerId}:${ev.at}:${ev.change}`,
          data: { alias: ev.alias, change: ev.change, state: ev.state, via: ev.via, pausedUntil: ev.pausedUntil },
          at: Date.parse(ev.at),
        };
        break;
      case 'technical':
        n = {
          kind: 'technical',
          wearerId: ev.wearerId,
          alertId: null,
          key: `technical:${ev.deviceId}:${ev.issue}`,
          data: { deviceId: ev.deviceId, issue: ev.issue, detail: ev.detail },
          at: Date.parse(ev.at),
        };
        break;
      case 'page':
      case 'notice':
      case 'test_page':
      case 'test_page_result':
        break;
      default:
        ev satisfies never;
    }
    if (!n) return;
    const wearer = await this.d.repos.wearerById(n.wearerId);
    if (!wearer) return;
    if (n.kind === 'technical') n.data.alias = wearer.alias;
    const row = await this.repo.upsert({
      id: this.d.ids.next('ntc'),
      service_id: wearer.service_id,
      at: Number.isFinite(n.at) ? n.at : now,
      kind: n.kind,
      wearer_id: n.wearerId,
      alert_id: n.alertId,
      dedup_key: n.key,
      data: JSON.stringify(n.data),
    });
    this.d.live.sendTo(await this.d.repos.users.adminIds(wearer.service_id), { type: 'notice', notice: noticeView(row) });
  }
}
