// In-process escalation rig for scheduler tests and the benchmark: real SQLite, the real AlertService
// and Escalator, a virtual clock, and scripted SMS/voice providers that record every request.
import { performance } from 'node:perf_hooks';
import { AlertService, LiveHub, liveAppPager, subscribeLiveFanOut, type LiveEvent } from '../../server/src/alerts/index.js';
import { InProcessBus, type Bus, type Events } from '../../server/src/events/index.js';
import { VirtualClock } from '../../server/src/clock.js';
import { sequentialIds } from '../../server/src/ids.js';
import { createLogger, type Logger } from '../../server/src/log.js';
import { createMetrics } from '../../server/src/metrics.js';
import {
  createChannels,
  type SmsMessage,
  type SmsResult,
  type SmsSender,
  type VoiceCall,
  type VoiceCaller,
} from '../../server/src/notify/index.js';
import { createRepos, openDatabase, type OpenedDb, type Repos } from '../../server/src/store/index.js';
import type { ChainDefinition } from '../../server/src/escalation/chain.js';
import { Escalator, type EscalatorDeps } from '../../server/src/escalation/escalator.js';

export interface ProviderRequest {
  to: string;
  body: string;
  /** virtual time of the request */
  at: number;
  /** wall clock (performance.now) of the request */
  wall: number;
  sid: string | null;
}

/** Decides the answer to one request; may return a promise that never settles (a hung provider). */
export type Script = (req: { to: string; body: string; n: number }) => SmsResult | Promise<SmsResult>;

export class ScriptedProvider implements SmsSender, VoiceCaller {
  readonly provider = 'fake' as const;
  readonly requests: ProviderRequest[] = [];
  script: Script = () => ({ ok: true, sid: '', status: 'queued' });
  private n = 0;

  constructor(
    private readonly clock: VirtualClock,
    private readonly prefix: 'SM' | 'CA',
  ) {}

  send(msg: SmsMessage): Promise<SmsResult> {
    return this.handle(msg.to, msg.body);
  }

  call(c: VoiceCall): Promise<SmsResult> {
    return this.handle(c.to, c.twiml);
  }

  private async handle(to: string, body: string): Promise<SmsResult> {
    const n = ++this.n;
    const req: ProviderRequest = { to, body, at: this.clock.now(), wall: performance.now(), sid: null };
    this.requests.push(req);
    const res = await this.script({ to, body, n });
    if (res.ok) {
      const sid = res.sid || `${this.prefix}${n.toString(16).padStart(32, '0')}`;
      req.sid = sid;
      return { ...res, sid };
    }
    return res;
  }

  to(phone: string): ProviderRequest[] {
    return this.requests.filter((r) => r.to === phone);
  }
}

export interface Harness {
  db: OpenedDb;
  repos: Repos;
  clock: VirtualClock;
  live: LiveHub;
  /** the event bus the escalator and alerts talk over */
  bus: Bus;
  escalator: Escalator;
  alerts: AlertService;
  sms: ScriptedProvider;
  voice: ScriptedProvider;
  log: Logger;
  /** live events per user id */
  events: Map<string, LiveEvent[]>;
  /** raise a responder alert for a wearer (as detection would); resolves with the alert id */
  raise(wearerId: string): Promise<string>;
  /** let every queued job and send finish */
  drain(): Promise<void>;
  /** move virtual time forward in steps (so timers fire in order), draining after each */
  advance(ms: number, stepMs?: number): Promise<void>;
  connect(userId: string): () => void;
  close(): Promise<void>;
}

export const SERVICE = 'svc';

export interface HarnessOptions {
  dataDir?: string;
  start?: number;
  escalator?: Partial<Omit<EscalatorDeps, 'repos' | 'clock' | 'ids' | 'channels' | 'bus' | 'log' | 'metrics'>>;
  /** reuse an existing clock and providers (a "restart" on the same data) */
  clock?: VirtualClock;
  sms?: ScriptedProvider;
  voice?: ScriptedProvider;
}

export async function createHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const clock = opts.clock ?? new VirtualClock(opts.start ?? Date.UTC(2026, 0, 1, 12));
  const db = await openDatabase(opts.dataDir ?? ':memory:');
  const repos = createRepos(db.db);
  const log = createLogger('silent');
  const metrics = createMetrics({ defaults: false });
  const bus: Bus = new InProcessBus<Events>({ log });
  const live = new LiveHub();
  subscribeLiveFanOut(bus, { repos, live });
  const sms = opts.sms ?? new ScriptedProvider(clock, 'SM');
  const voice = opts.voice ?? new ScriptedProvider(clock, 'CA');
  const ids = sequentialIds();
  const escalator = new Escalator({
    repos,
    clock,
    ids: { next: (p) => `${p}_${Math.random().toString(36).slice(2, 8)}_${ids.next('x')}` },
    channels: createChannels({
      app: liveAppPager(live),
      sms,
      voice,
      smsStatusCallback: 'https://odart.example/webhooks/twilio/status',
      voiceStatusCallback: 'https://odart.example/webhooks/twilio/status',
      voiceGatherUrl: 'https://odart.example/webhooks/twilio/voice',
    }),
    bus,
    log,
    metrics,
    publicUrl: 'https://odart.example',
    ackTimeoutMs: 600_000,
    ratePerS: 0,
    notifyTimeoutMs: 5000,
    maxAttempts: 3,
    retryBaseMs: 2000,
    ...opts.escalator,
  });
  const alerts = new AlertService({
    repos,
    clock,
    ids: { next: (p) => `${p}_${Math.random().toString(36).slice(2, 10)}` },
    live,
    escalator,
    bus,
    log,
    metrics,
    checkinWindowMs: 15_000,
  });
  const events = new Map<string, LiveEvent[]>();
  const drain = async () => {
    for (let i = 0; i < 50; i++) {
      await alerts.idle();
      await bus.idle();
      await escalator.runDue();
      // Scripted providers answer at once or never (a hung provider times out in virtual time).
      await escalator.idle(20);
      await new Promise<void>((r) => setImmediate(r));
      await escalator.dispatcher.idle(20);
      // Rate-limited sends wait for their timer (virtual time): only due jobs count as work left now.
      if ((await escalator.esc.dueJobs(clock.now(), 1)).length === 0) return;
    }
  };
  return {
    db,
    repos,
    clock,
    live,
    bus,
    escalator,
    alerts,
    sms,
    voice,
    log,
    events,
    async raise(wearerId) {
      await alerts.handle([
        { kind: 'responder_alert', wearerId, t: clock.now(), score: 90, reasons: ['test: no breathing 30 s'], news2: null },
      ]);
      const a = await repos.openAlertForWearer(wearerId);
      if (!a) throw new Error(`no alert for ${wearerId}`);
      return a.id;
    },
    drain,
    async advance(ms, stepMs = 1000) {
      const end = clock.now() + ms;
      await drain();
      while (clock.now() < end) {
        clock.advanceTo(Math.min(end, clock.now() + stepMs));
        await escalator.tick();
        await drain();
      }
    },
    connect(userId) {
      const list = events.get(userId) ?? [];
      events.set(userId, list);
      return live.subscribe(userId, (ev) => list.push(ev));
    },
    async close() {
      escalator.close();
      await db.close();
    },
  };
}

/** A service with responders r1..rN (phones +4477009001NN), an admin, and wearers w1..wM using one chain. */
export async function seedService(
  h: Pick<Harness, 'repos' | 'clock'>,
  opts: { responders: number; wearers: number; chain: ChainDefinition; emergencyContact?: boolean },
): Promise<{ responders: string[]; wearers: string[]; phone: (i: number) => string }> {
  const now = h.clock.now();
  const phone = (i: number) => `+44770090${(1000 + i).toString().slice(-4)}`;
  await h.repos.db.transaction().execute(async (trx) => {
    await trx.insertInto('services').values({ id: SERVICE, name: 'Test service', emergency_number: '999', created_at: now }).execute();
    await trx
      .insertInto('users')
      .values({
        id: 'admin',
        service_id: SERVICE,
        username: 'admin',
        password_hash: 'x',
        role: 'admin',
        display_name: 'Admin',
        phone: null,
        on_duty: 1,
        created_at: now,
      })
      .execute();
    for (let i = 1; i <= opts.responders; i++) {
      await trx
        .insertInto('users')
        .values({
          id: `r${i}`,
          service_id: SERVICE,
          username: `r${i}`,
          password_hash: 'x',
          role: 'responder',
          display_name: `Responder ${i}`,
          phone: phone(i),
          on_duty: 1,
          created_at: now,
        })
        .execute();
    }
    await trx
      .insertInto('chains')
      .values({ id: 'chain', service_id: SERVICE, name: 'Chain', definition: JSON.stringify(opts.chain), created_at: now, updated_at: now })
      .execute();
    for (let i = 1; i <= opts.wearers; i++) {
      await trx
        .insertInto('wearers')
        .values({
          id: `w${i}`,
          service_id: SERVICE,
          alias: `Wearer${i}`,
          address: `${i} Test Street, Glasgow`,
          access_notes: null,
          phone: null,
          emergency_contact_phone: opts.emergencyContact === false ? null : '+447700900999',
          chain_id: 'chain',
          consent: 'active',
          thresholds: null,
          created_at: now,
        })
        .execute();
    }
  });
  return {
    responders: Array.from({ length: opts.responders }, (_, i) => `r${i + 1}`),
    wearers: Array.from({ length: opts.wearers }, (_, i) => `w${i + 1}`),
    phone,
  };
}
