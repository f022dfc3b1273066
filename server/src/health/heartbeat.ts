// The dead man's switch: ping HEARTBEAT_URL every HEARTBEAT_S while the core is healthy (healthchecks.io
// style). An unhealthy core pings `HEARTBEAT_URL/fail` instead (the monitor alerts at once, with the
// reason in the body); a dead or hung process pings nothing and the monitor alerts after its grace time.
import type { Clock, TimerHandle } from '../clock.js';
import type { Logger } from '../log.js';
import type { CoreHealth } from './core-health.js';

export type BeatResult = 'ok' | 'fail' | 'error' | 'standby';

export interface HeartbeatOptions {
  url: string;
  everyMs: number;
  clock: Clock;
  health: CoreHealth;
  log: Logger;
  /** whether this node is the active core now (cluster/core-lease.ts); a standby pings nothing: the core's health is not its to report */
  isCore?: () => boolean;
  /** a ping not answered by then is abandoned (real time: it is network I/O, not a schedule) */
  timeoutMs?: number;
}

/** HEARTBEAT_URL fit for a log line: the path and query (the check's token, as in hc-ping.com/<uuid>) and any password hidden. */
export function redactHeartbeatUrl(url: string): string {
  try {
    const u = new URL(url);
    const hidden = u.pathname.length > 1 || u.search !== '' || u.username !== '' || u.password !== '';
    return `${u.protocol}//${u.host}${hidden ? '/***' : '/'}`;
  } catch {
    return '[unparseable HEARTBEAT_URL]';
  }
}

export class Heartbeat {
  private inFlight: Promise<BeatResult> | null = null;
  private lastState: 'healthy' | 'unhealthy' | null = null;
  private readonly where: string;

  constructor(private readonly o: HeartbeatOptions) {
    this.where = redactHeartbeatUrl(o.url);
  }

  start(): TimerHandle {
    this.o.log.info({ url: this.where, everyS: this.o.everyMs / 1000 }, 'heartbeat on');
    return this.o.clock.setInterval(() => void this.beat(), this.o.everyMs);
  }

  /** One beat: check health, then ping the URL (healthy) or URL/fail (not). Beats never overlap. */
  beat(): Promise<BeatResult> {
    if (this.inFlight) return this.inFlight;
    this.inFlight = this.run().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  /** Resolves when no ping is in flight (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.inFlight) await this.inFlight.catch(() => undefined);
  }

  private async run(): Promise<BeatResult> {
    if (this.o.isCore && !this.o.isCore()) return 'standby';
    const report = await this.o.health.check();
    const state = report.healthy ? 'healthy' : 'unhealthy';
    if (state !== this.lastState) {
      if (report.healthy) this.o.log.info({ url: this.where }, 'core healthy: heartbeat pings resume');
      else this.o.log.warn({ url: this.where, problems: report.problems }, 'core unhealthy: heartbeat pings /fail');
      this.lastState = state;
    }
    const target = report.healthy ? this.o.url : failUrl(this.o.url);
    try {
      const res = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        body: report.healthy ? 'ok' : report.problems.join('\n'),
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000),
        redirect: 'manual',
      });
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) {
        this.o.log.warn({ url: this.where, status: res.status }, 'heartbeat ping refused');
        return 'error';
      }
      return report.healthy ? 'ok' : 'fail';
    } catch (err) {
      this.o.log.warn({ url: this.where, err: err instanceof Error ? err.name : 'error' }, 'heartbeat ping failed');
      return 'error';
    }
  }
}

/** healthchecks.io: `<ping URL>/fail` signals a failure now; the query string stays at the end. */
export function failUrl(url: string): string {
  const u = new URL(url);
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/fail`;
  return u.toString();
}
