// Is a wearer monitored now (issue 16.4)? Only if the core told one of their devices so within
// NOT_MONITORED_AFTER_MS: the `monitoring` command goes out every minute while the core is healthy and
// their consent is active (health/monitoring.ts), and each round is stored (devices.monitored_at). The
// wearer's page and the console's readiness say "not monitored" otherwise, as a device does.
import { NOT_MONITORED_AFTER_MS } from '@odart/protocol';
import type { MonitoringView } from '@odart/protocol/api';
import type { Repos } from '../store/index.js';

export async function monitoringOf(repos: Pick<Repos, 'devices'>, wearerId: string, now: number): Promise<MonitoringView> {
  const at = await repos.devices.wearerMonitoredAt(wearerId);
  return { monitored: at !== null && now - at < NOT_MONITORED_AFTER_MS, lastAt: at === null ? null : new Date(at).toISOString() };
}
