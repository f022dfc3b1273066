// The repositories, one per aggregate, over one database handle. `createRepos` (repos.ts) puts them on
// the `Repos` object by name (`repos.wearers`, `repos.consent`, ...) and the older ones flat as well.
// A new store adapter (PostgreSQL) implements these same modules and passes store.contract.test.ts.
import { createAccountRepos } from './accounts.js';
import { createAdminRepos } from './admin.js';
import { createChainRepo } from './chains.js';
import { createConsentRepo } from './consent.js';
import { createConsoleReads } from './console.js';
import type { Db } from './db.js';
import { createDeviceRepo } from './devices.js';
import { insertEnrolment, type Enrolment } from './enrolment.js';
import { createGatewayRepo } from './gateways.js';
import { createKitRepo } from './kits.js';
import { createNoticeRepo } from './notices.js';
import { createOnboardingRepo } from './onboarding.js';
import { createPushRepo } from './push.js';
import { createRotaRepo } from './rotas.js';
import { createTestPageRepo } from './test-pages.js';
import { createHandoffRepo } from './handoff.js';
import { createServiceRepo } from './services.js';
import { createUserRepo } from './users.js';
import { createWearerRepo } from './wearers.js';

export function createAggregates(db: Db) {
  return {
    services: createServiceRepo(db),
    users: createUserRepo(db),
    /** account security of users: sessions with expiry, disabling, password hashes, trusted sign-in devices */
    accounts: createAccountRepos(db),
    wearers: createWearerRepo(db),
    devices: createDeviceRepo(db),
    gateways: createGatewayRepo(db),
    chains: createChainRepo(db),
    consent: createConsentRepo(db),
    notices: createNoticeRepo(db),
    /** the console's admin CRUD: lists per service, responders, erasure, device ids with tombstones */
    admin: createAdminRepos(db),
    onboarding: createOnboardingRepo(db),
    /** Web Push subscriptions of app users (the push channel's addresses) */
    push: createPushRepo(db),
    /** naloxone kits: boxes, pharmacies and kits responders carry */
    kits: createKitRepo(db),
    /** rotas of responder groups: weekly shifts and overrides (0020_rotas) */
    rotas: createRotaRepo(db),
    /** alarm-centre hand-off endpoints (the handoff channel's addresses) */
    handoff: createHandoffRepo(db),
    /** test pages' per-method results, moved on by provider status callbacks (0027_test_pages) */
    testPages: createTestPageRepo(db),
    readModels: createConsoleReads(db),
    /** services, users, chains, wearers and devices in one transaction (the demo seed, bulk enrolment) */
    enrol: (e: Enrolment) => insertEnrolment(db, e),
  };
}
