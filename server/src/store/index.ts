// Store: database access and migrations (SQLite embedded via kysely; PostgreSQL can follow).
export { openDatabase, type Db, type OpenedDb } from './db.js';
export { createRepos, type Repos, type AlertRow, type UserRow, type DeviceRow, type WearerRow, type ChainRow, type TimelineEntry } from './repos.js';
export * from './schema.js';
export { createAdminRepos, type AdminRepos } from './admin.js';
export { createGatewayRepo, type GatewayRepo } from './gateways.js';
export { createAlertStore, type AlertStore } from './alerts.js';
export { createEscalationRepo, type EscalationRepo, type JobRow, type NotificationRow, type GroupRow, type NewJob, type NewNotification } from './escalation-repo.js';
export { insertServiceWithAdmin, onboardingConflict, type NewServiceRow } from './onboarding.js';
export { createAccountRepos, type AccountRepos } from './accounts.js';
export { createNoticeRepo, type NoticeRepo, type NoticeRow } from './notices.js';
