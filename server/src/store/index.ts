// Store: database access and migrations (kysely over embedded SQLite, or PostgreSQL with DATABASE_URL).
export { openDatabase, type Db, type OpenedDb } from './db.js';
export {
  createRepos,
  type Repos,
  type AlertRow,
  type UserRow,
  type DeviceRow,
  type WearerRow,
  type ChainRow,
  type TimelineEntry,
} from './repos.js';
export * from './schema.js';
export { createAdminRepos, type AdminRepos } from './admin.js';
export { createGatewayRepo, type GatewayRepo } from './gateways.js';
export { createAlertStore, type AlertStore } from './alerts.js';
export {
  createEscalationRepo,
  type EscalationRepo,
  type JobRow,
  type NotificationRow,
  type GroupRow,
  type NewJob,
  type NewNotification,
} from './escalation-repo.js';
export { insertServiceWithAdmin, onboardingConflict, type NewServiceRow } from './onboarding.js';
export { createAccountRepos, type AccountRepos } from './accounts.js';
export { createNoticeRepo, type NoticeRepo, type NoticeRow } from './notices.js';
export { createAggregates } from './aggregates.js';
export { createServiceRepo, type ServiceRepo, type ServiceRow, type ServicePatch } from './services.js';
export { createUserRepo, type UserRepo, type UserPatch } from './users.js';
export { createWearerRepo, type WearerRepo, type WearerPatch } from './wearers.js';
export { createDeviceRepo, type DeviceRepo } from './devices.js';
export { createChainRepo, type ChainRepo } from './chains.js';
export { createConsentRepo, type ConsentRepo, type ConsentEventRow, type ConsentChangeRow } from './consent.js';
export { createConsoleReads, type ConsoleReads, type HistorySource } from './console.js';
export { insertEnrolment, type Enrolment } from './enrolment.js';
export { createOnboardingRepo, isUniqueViolation, type OnboardingRepo } from './onboarding.js';
export { openStore, type Store } from './store.js';
export { PgNotifyTransport, NOTIFY_INLINE_LIMIT, type PgNotifyOptions } from './pg-notify.js';
export { createPushRepo, type PushRepo, type PushSubscriptionRow } from './push.js';
export { createTestPageRepo, type TestPageRepo, type TestPageResultRow } from './test-pages.js';
export { createKitRepo, type KitRepo, type KitRow, type KitPatch } from './kits.js';
export { createRotaRepo, type RotaRepo, type RotaShiftRow, type RotaOverrideRow } from './rotas.js';
export { createHandoffRepo, type HandoffRepo, type HandoffEndpointRow } from './handoff.js';
export { createSnapshotRepo, type SnapshotRepo, type SnapshotRow } from './snapshots.js';
export { FencedWriteError, type CoreWrite, type Fence, type FencedCore, type FencedOp } from './lease.js';
