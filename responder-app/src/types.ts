// Shapes of the API answers the app reads: the server's own types (@odart/protocol/api), which its
// producers (alerts/view.ts, escalation/state.ts, alerts/live.ts, the routes) are typed against, so
// the app cannot drift from what the server sends. Only the app's names for them are set here:
// `Alert` is an alert as listed, acknowledged or fanned out live (open ones carry `escalation`).
export type {
  AlertContext,
  AlertDetail,
  AlertListItem as Alert,
  EscalationView as Escalation,
  LiveMsg,
  NoticeView as NoticeItem,
  TimelineItem,
  User,
  VitalsWindow,
} from '@odart/protocol/api';
// The console's: alert history and dashboard, wearer readiness.
export type { HistoryRow, Readiness, ReadinessSummary as ReadinessRow, Stats } from '@odart/protocol/api';
// The console's wearer page: what the detector has learnt (room sensor scales, baselines).
export type { CalibrationView as Calibration } from '@odart/protocol/api';
export type { TestPageAnswer, TestPageResult } from '@odart/protocol/api';
// The console's admin records: people monitored, devices, users, groups, service settings, consent.
export type {
  AdminUserView as UserRow,
  ConsentDetail as Consent,
  ConsentInfo,
  DeviceView as Device,
  GroupView as Group,
  KitView as Kit,
  NearbyKit,
  PageInfo,
  ServiceSettings,
  OnCallView,
  RotaView,
  RotaWarningsView,
  WearerView as Wearer,
} from '@odart/protocol/api';
// The console's call chains: the server's chain schema's types (@odart/protocol/src/chain.ts), the channels
// it runs and the alarm centres a step may hand an alert to.
export type {
  ChainDefinition,
  ChainStepInput as ChainStep,
  ChainTarget,
  ChainView as Chain,
  ChannelView as ChannelInfo,
  HandoffEndpointView as HandoffEndpoint,
} from '@odart/protocol/api';
export const OPEN_STATES = new Set(['pending_checkin', 'escalating', 'acknowledged']);
