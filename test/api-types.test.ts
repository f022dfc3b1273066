// The app's API types are the server's: each of the app's names (responder-app/src/types.ts) must be
// exactly what the server's producer returns. These are type assertions, so they fail `tsc` (`npm run
// lint`), not vitest: a hand copy that drifts from the server, on either side, stops the build.
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import * as protocolApi from '@odart/protocol/api';
import type {
  Alert,
  AlertContext,
  AlertDetail,
  Chain,
  ChainDefinition,
  ChainStep,
  ChainTarget,
  ChannelInfo,
  HandoffEndpoint,
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
import * as serverChain from '../server/src/escalation/chain.js';
import type { ChannelRegistry } from '../server/src/notify/index.js';
import type {
  AlertContext as ApiAlertContext,
  ChainView,
  ChannelView,
  ConsentView,
  HandoffEndpointView,
  ReadinessSummary,
  VitalsWindow as ApiVitalsWindow,
} from '@odart/protocol/api';

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

  // The chain editor writes what the server's chain schema takes: one zod schema (@odart/protocol), the
  // server validating with it and the console typed by it, on_shift and handoff targets included.
  it('the console: the call chain editor is typed by the schema the server validates chains with', () => {
    expectTypeOf<z.input<typeof serverChain.chainSchema>>().toEqualTypeOf<ChainDefinition>();
    expectTypeOf<z.input<typeof serverChain.chainStepSchema>>().toEqualTypeOf<ChainStep>();
    expectTypeOf<z.output<typeof serverChain.chainTargetSchema>>().toEqualTypeOf<ChainTarget>();
    expectTypeOf<z.input<typeof serverChain.chainTargetSchema>>().toEqualTypeOf<ChainTarget>();
    expectTypeOf<Extract<ChainTarget, { type: 'on_shift' }>>().toEqualTypeOf<{ type: 'on_shift'; groupId: string }>();
    expectTypeOf<Extract<ChainTarget, { type: 'handoff' }>>().toEqualTypeOf<{ type: 'handoff'; id: string }>();
    expectTypeOf<Chain>().toEqualTypeOf<ChainView>();
    expectTypeOf<Chain['definition']>().toEqualTypeOf<z.input<typeof serverChain.chainSchema>>();
    // the editor offers the channels GET /api/channels lists, which a step's channels may name
    expectTypeOf<ReturnType<ChannelRegistry['info']>>().toEqualTypeOf<ChannelInfo[]>();
    expectTypeOf<ChannelInfo>().toEqualTypeOf<ChannelView>();
    expectTypeOf<ChannelInfo['id']>().toEqualTypeOf<ChainStep['channels'][number]>();
    expectTypeOf<HandoffEndpoint>().toEqualTypeOf<HandoffEndpointView>();
    // the same objects, not copies: the server's names are the protocol's schemas and target key
    expect(serverChain.chainSchema).toBe(protocolApi.chainSchema);
    expect(serverChain.chainSnapshotSchema).toBe(protocolApi.chainSnapshotSchema);
    expect(serverChain.chainTargetSchema).toBe(protocolApi.chainTargetSchema);
    expect(serverChain.targetKey).toBe(protocolApi.targetKey);
  });
});
