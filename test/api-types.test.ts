// The app's API types are the server's: each of the app's names (responder-app/src/types.ts) must be
// exactly what the server's producer returns. These are type assertions, so they fail `tsc` (`npm run
// lint`), not vitest: a hand copy that drifts from the server, on either side, stops the build.
import { describe, expectTypeOf, it } from 'vitest';
import type {
  Alert,
  AlertContext,
  AlertDetail,
  Consent,
  ConsentInfo,
  Escalation,
  HistoryRow,
  LiveMsg,
  NoticeItem,
  Readiness,
  ReadinessRow,
  Stats,
  User,
  VitalsWindow,
} from '../responder-app/src/types.js';
import type { AlertService, LiveHub } from '../server/src/alerts/index.js';
import type { alertSummary, noticeView } from '../server/src/alerts/index.js';
import type { computeStats, historyRow } from '../server/src/alerts/history.js';
import type { escalationState } from '../server/src/escalation/state.js';
import type { Readiness as ServerReadiness } from '../server/src/http/routes-service.js';
import type { userView } from '../server/src/http/routes-auth.js';
import type { consentView } from '../server/src/http/routes-console.js';
import type { monitoringOf } from '../server/src/http/monitored.js';
import type { ConsentService } from '../server/src/consent/index.js';
import type { AlertContext as ApiAlertContext, ConsentView, ReadinessSummary, VitalsWindow as ApiVitalsWindow } from '@odart/protocol/api';

describe('the app reads the server own answer types', () => {
  it('alerts, their escalation and detail, as the alert service and escalation state produce them', () => {
    expectTypeOf<Awaited<ReturnType<AlertService['list']>>[number]>().toEqualTypeOf<Alert>();
    expectTypeOf<Awaited<ReturnType<AlertService['detail']>>>().toEqualTypeOf<AlertDetail>();
    expectTypeOf<ReturnType<typeof alertSummary>>().toEqualTypeOf<Omit<Alert, 'escalation'>>();
    expectTypeOf<ReturnType<typeof escalationState>>().toEqualTypeOf<Escalation>();
  });

  it('notices, users and the live feed', () => {
    expectTypeOf<ReturnType<typeof noticeView>>().toEqualTypeOf<NoticeItem>();
    expectTypeOf<ReturnType<typeof userView>>().toEqualTypeOf<User>();
    // Everything the hub fans out is a message the app handles.
    expectTypeOf<Parameters<LiveHub['sendTo']>[1]>().toExtend<LiveMsg>();
  });

  it('the responder routes reply with the shapes the app reads', () => {
    expectTypeOf<ApiAlertContext>().toEqualTypeOf<AlertContext>();
    expectTypeOf<ApiVitalsWindow>().toEqualTypeOf<VitalsWindow>();
  });

  it('the console: alert history, dashboard figures, wearer readiness', () => {
    expectTypeOf<ReturnType<typeof historyRow>>().toEqualTypeOf<HistoryRow>();
    expectTypeOf<ReturnType<typeof computeStats>>().toEqualTypeOf<Stats>();
    expectTypeOf<ServerReadiness>().toEqualTypeOf<Readiness>();
    expectTypeOf<ReadinessSummary>().toEqualTypeOf<ReadinessRow>();
  });

  // The admin routes' views (wearers, devices, users, groups, service settings; routes-admin.ts,
  // routes-chains.ts, routes-service.ts) are declared to return these types, so a field added, dropped or
  // retyped there fails tsc in the route itself; the consent views are checked here as well.
  it("the console: consent as the console and the wearer's own page read it", () => {
    expectTypeOf<ReturnType<typeof consentView>>().toEqualTypeOf<ConsentView>();
    expectTypeOf<Omit<Consent, 'linkIssuedAt' | 'events'>>().toEqualTypeOf<ConsentView>();
    expectTypeOf<Awaited<ReturnType<ConsentService['events']>>[number]>().toEqualTypeOf<Consent['events'][number]>();
    expectTypeOf<Omit<ConsentInfo, 'alias' | 'serviceName' | 'currentVersion' | 'monitoring'>>().toEqualTypeOf<ConsentView>();
    expectTypeOf<ConsentInfo['monitoring']>().toEqualTypeOf<Awaited<ReturnType<typeof monitoringOf>>>();
  });
});
