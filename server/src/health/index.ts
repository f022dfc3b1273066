export { CoreHealth, type HealthProbes, type HealthReport } from './core-health.js';
export { Heartbeat, failUrl, redactHeartbeatUrl, type BeatResult } from './heartbeat.js';
export { MonitoringBeacon } from './monitoring.js';
