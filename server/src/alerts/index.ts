// Alerts: lifecycle state machine, timeline, live fan-out.
export { AlertService, OUTCOMES, type Outcome, type AlertServiceDeps } from './alert-service.js';
export { LiveHub, type LiveEvent } from './live.js';
export { liveAppPager, relayLive, subscribeLiveFanOut } from './live-fanout.js';
export { ClusterPresence, type ClusterPresenceDeps } from './presence.js';
export { alertSummary, maskTarget, timelineView, type AlertSummary } from './view.js';
export { NoticeBoard, noticeView, type NoticeView } from './notices.js';
