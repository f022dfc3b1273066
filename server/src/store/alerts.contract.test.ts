// The alerts and escalation part of the store contract: what any store adapter must do for the alert
// lifecycle (fenced transitions correct under concurrent connections, one open alert per wearer).
// `alertStoreContract` takes a factory that opens a store on a fresh database and, for the concurrency
// cases, a second connection to the same one: SQLite (a file, two connections) now, PostgreSQL next.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { describePostgres } from '../../../test/helpers/postgres.js';
import { alertRow, CONTRACT_T, seedWearer } from '../../../test/helpers/store-contract.js';
import pg from 'pg';
import { MIGRATION_LOCK_KEY, openDatabase, type OpenedDb } from './db.js';
import { migrateTo, migrateToLatest } from './migrations.js';
import { createRepos, type Repos } from './repos.js';
import type { AlertRow } from './alerts.js';
import type { DB } from './schema.js';
import type { JobRow, NewNotification } from './escalation-repo.js';
import { FencedWriteError, type CoreWrite } from './lease.js';

export interface OpenedStore {
  /** two connections to one database */
  a: Repos;
  b: Repos;
  /**
   * A second caller for concurrent transactions: another connection where one process may hold two
   * open transactions (PostgreSQL); for SQLite the same connection, whose driver queues transactions,
   * because better-sqlite3 is synchronous: a second connection waiting on a lock would block the one
   * thread the first transaction needs to finish (a test artefact; one SQLite process has one writer).
   */
  txPeer: Repos;
  close(): Promise<void>;
}

const T = CONTRACT_T;
const LEASE = 6000;

const step0 =
  (alertId: string) =>
  (token: number): JobRow => ({
    id: `${alertId}.${token}.step.0`,
    alert_id: alertId,
    kind: 'step',
    step_index: 0,
    due_at: T,
    token,
    created_at: T,
    state: 'pending',
    attempts: 0,
    claimed_at: null,
    lease_until: null,
    finished_at: null,
  });

export function alertStoreContract(name: string, open: () => Promise<OpenedStore>) {
  describe(`alert store contract: ${name}`, () => {
    const stores: OpenedStore[] = [];
    afterEach(async () => {
      for (const s of stores.splice(0)) await s.close();
    });
    const fresh = async () => {
      const s = await open();
      stores.push(s);
      await seedWearer(s.a);
      return s;
    };

    it('refuses a second open alert of a wearer, also from another connection at the same time; a closed one does not count', async () => {
      const { a, b } = await fresh();
      const got = await Promise.all([a.insertOpenAlert(alertRow('al1')), b.insertOpenAlert(alertRow('al2'))]);
      expect(got.filter(Boolean)).toHaveLength(1);
      expect((await a.openAlerts()).map((x) => x.wearer_id)).toEqual(['w1']);
      const winner = got[0] ? 'al1' : 'al2';
      expect(await a.transitionAlert(winner, ['escalating'], { state: 'resolved', closed_at: T, updated_at: T })).toBe(true);
      expect(await b.insertOpenAlert(alertRow('al3', 'pending_checkin'))).toBe(true);
    });

    it('beginEscalation moves the alert and bumps the token only from the expected state and token, and stores step 0 under the new token', async () => {
      const { a } = await fresh();
      await a.insertOpenAlert(alertRow('al1', 'acknowledged'));
      await a.updateAlert('al1', { attending_responder_id: null, attending_contact: 'Sam', acknowledged_at: T, escalation_token: 3 });
      expect(
        await a.beginEscalation('al1', { from: ['acknowledged'], expectToken: 2, clearAttending: true, now: T + 1, job: step0('al1') }),
      ).toBeNull();
      expect(await a.beginEscalation('al1', { from: ['escalating'], now: T + 1, job: step0('al1') })).toBeNull();
      expect((await a.alertById('al1'))!.escalation_token).toBe(3);
      const begun = await a.beginEscalation('al1', {
        from: ['acknowledged'],
        expectToken: 3,
        clearAttending: true,
        now: T + 1,
        job: step0('al1'),
      });
      expect(begun).toMatchObject({ token: 4, inserted: true, job: { id: 'al1.4.step.0', token: 4 } });
      const after = (await a.alertById('al1'))! as AlertRow;
      expect(after).toMatchObject({
        state: 'escalating',
        escalation_token: 4,
        attending_contact: null,
        acknowledged_at: null,
        updated_at: T + 1,
      });
      expect((await a.esc.liveJobs(['al1'])).map((j) => j.id)).toEqual(['al1.4.step.0']);
    });

    it('two callers re-escalating on the same token at once: exactly one wins, one job, one token step', async () => {
      const { a, txPeer } = await fresh();
      await a.insertOpenAlert(alertRow('al1', 'acknowledged'));
      const o = { from: ['acknowledged'] as const, expectToken: 0, clearAttending: true, now: T + 1, job: step0('al1') };
      const got = await Promise.all([a.beginEscalation('al1', o), txPeer.beginEscalation('al1', o)]);
      expect(got.filter((x) => x !== null)).toHaveLength(1);
      expect((await a.alertById('al1'))!.escalation_token).toBe(1);
      expect((await a.esc.liveJobs(['al1'])).map((j) => j.id)).toEqual(['al1.1.step.0']);
    });

    it('two acknowledgements at once on two connections: exactly one becomes attending', async () => {
      const { a, b } = await fresh();
      await a.insertOpenAlert(alertRow('al1'));
      const ack = (r: Repos, who: string) =>
        r.transitionAlert('al1', ['pending_checkin', 'escalating'], {
          state: 'acknowledged',
          attending_contact: who,
          acknowledged_at: T,
          updated_at: T,
        });
      const won = await Promise.all([ack(a, 'A'), ack(b, 'B')]);
      expect(won.filter(Boolean)).toHaveLength(1);
      expect((await a.alertById('al1'))!.attending_contact).toBe(won[0] ? 'A' : 'B');
    });

    it('many callers at once on several connections (concurrent transactions on PostgreSQL): one open alert, one re-escalation, one acknowledgement', async () => {
      const { a, b, txPeer } = await fresh();
      const n = 8;
      const opened = await Promise.all(
        Array.from({ length: n }, (_, i) => (i % 2 ? a : b).insertOpenAlert(alertRow(`al${i}`, 'acknowledged'))),
      );
      expect(opened.filter(Boolean)).toHaveLength(1);
      const id = `al${opened.indexOf(true)}`;
      const o = { from: ['acknowledged'] as const, expectToken: 0, clearAttending: true, now: T + 1, job: step0(id) };
      // transactions: a and txPeer (for SQLite one connection, see OpenedStore.txPeer)
      const begun = await Promise.all(Array.from({ length: n }, (_, i) => (i % 2 ? a : txPeer).beginEscalation(id, o)));
      expect(begun.filter((x) => x !== null)).toHaveLength(1);
      expect((await b.alertById(id))!.escalation_token).toBe(1);
      expect((await b.esc.liveJobs([id])).map((j) => j.id)).toEqual([`${id}.1.step.0`]);
      const acks = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          (i % 2 ? a : b).transitionAlert(id, ['pending_checkin', 'escalating'], {
            state: 'acknowledged',
            attending_contact: `R${i}`,
            acknowledged_at: T + 2,
            updated_at: T + 2,
          }),
        ),
      );
      expect(acks.filter(Boolean)).toHaveLength(1);
      expect((await a.alertById(id))!.attending_contact).toBe(`R${acks.indexOf(true)}`);
    });

    it('awaitArrival fences the chain and stores the arrival timer under the new token; stopArrivalTimer fences it; the first arrival wins once', async () => {
      const { a, b } = await fresh();
      await a.insertOpenAlert(alertRow('al1'));
      await a.beginEscalation('al1', { from: ['escalating'], now: T, job: step0('al1') });
      await a.transitionAlert('al1', ['escalating'], { state: 'acknowledged', acknowledged_at: T, updated_at: T });
      const token = await a.awaitArrival('al1', T, (t) => ({
        id: `al1.${t}.ack_timeout.0`,
        alert_id: 'al1',
        kind: 'ack_timeout',
        step_index: 0,
        due_at: T + 600_000,
        token: t,
        created_at: T,
      }));
      expect(token).toBe(2);
      expect((await a.esc.liveJobs(['al1'])).map((j) => j.id)).toEqual(['al1.2.ack_timeout.0']);
      expect(
        await a.awaitArrival('nope', T, () => {
          throw new Error('not called');
        }),
      ).toBeNull();
      expect(await Promise.all([a.markArrived('al1', T + 5), b.markArrived('al1', T + 6)])).toEqual(expect.arrayContaining([true, false]));
      await a.stopArrivalTimer('al1');
      expect(await a.esc.liveJobs(['al1'])).toEqual([]);
      expect((await a.alertById('al1'))!.escalation_token).toBe(3);
    });

    it('core writes carry the lease fence: a stale epoch is refused and stores nothing, the current one lands, a person needs none', async () => {
      const { a, b } = await fresh();
      await a.lease.acquire('node-a', null, T, LEASE); // epoch 1
      await b.lease.acquire('node-b', null, T + LEASE, LEASE); // A's lease ran out: B is the core, epoch 2
      const now = T + LEASE + 1;
      const stale: CoreWrite = { fence: { nodeId: 'node-a', epoch: 1 }, now };
      const current: CoreWrite = { fence: { nodeId: 'node-b', epoch: 2 }, now };
      const refused = (op: string) => expect.objectContaining({ name: 'FencedWriteError', op });

      // raise
      await expect(a.insertOpenAlert(alertRow('al1', 'pending_checkin'), stale)).rejects.toEqual(refused('alert_insert'));
      expect(await b.openAlerts()).toEqual([]);
      expect(await b.insertOpenAlert(alertRow('al1', 'pending_checkin'), current)).toBe(true);
      await expect(a.appendTimeline('al1', now, 'created', {}, stale)).rejects.toEqual(refused('timeline'));
      await b.appendTimeline('al1', now, 'created', {}, current);
      expect((await a.timeline('al1')).map((e) => e.type)).toEqual(['created']);
      // check-in -> escalating
      const escalate = { state: 'escalating' as const, updated_at: now };
      await expect(a.transitionAlert('al1', ['pending_checkin'], escalate, stale)).rejects.toEqual(refused('alert_transition'));
      expect((await b.alertById('al1'))!.state).toBe('pending_checkin');
      expect(await b.transitionAlert('al1', ['pending_checkin'], escalate, current)).toBe(true);
      // the chain begins
      await expect(a.beginEscalation('al1', { from: ['escalating'], now, job: step0('al1'), core: stale })).rejects.toEqual(
        refused('escalation_begin'),
      );
      expect((await b.alertById('al1'))!.escalation_token).toBe(0);
      expect(await b.esc.liveJobs(['al1'])).toEqual([]);
      expect(await b.beginEscalation('al1', { from: ['escalating'], now, job: step0('al1'), core: current })).toMatchObject({ token: 1 });
      // a score update
      await expect(a.updateAlert('al1', { score: 99 }, stale)).rejects.toEqual(refused('alert_update'));
      expect((await b.alertById('al1'))!.score).toBe(90);
      // the next step's job, and the pages of a step
      const next = {
        id: 'al1.1.step.1',
        alert_id: 'al1',
        kind: 'step' as const,
        step_index: 1,
        due_at: now + 60_000,
        token: 1,
        created_at: now,
      };
      await expect(a.esc.insertJob(next, stale)).rejects.toEqual(refused('job_insert'));
      expect(await b.esc.insertJob(next, current)).toBe(true);
      const page: NewNotification = {
        id: 'n1',
        idempotency_key: 'al1:1:0:phone:+447700900001:sms',
        alert_id: 'al1',
        step_index: 0,
        target: 'phone:+447700900001',
        channel: 'sms',
        kind: 'page',
        state: 'queued',
        priority: 0,
        token: 1,
        to_addr: '+447700900001',
        user_id: null,
        body: 'page',
        provider_id: null,
        status: 'queued',
        error_code: null,
        created_at: now,
        updated_at: now,
      };
      await expect(a.esc.insertNotifications([page], stale)).rejects.toEqual(refused('notification_insert'));
      await expect(a.esc.insertNotification(page, stale)).rejects.toEqual(refused('notification_insert'));
      expect(await b.esc.notificationsForAlert('al1')).toEqual([]);
      await b.esc.insertNotifications([page], current);
      // the send: claimed by the core's dispatcher
      const queued = (await b.esc.notificationById('n1'))!;
      await expect(a.esc.claimNotification(queued, now, now + 30_000, stale.fence)).rejects.toEqual(refused('notification_claim'));
      expect((await b.esc.notificationById('n1'))!.state).toBe('queued');
      expect(await b.esc.claimNotification(queued, now, now + 30_000, current.fence)).toBe(true);
      // taking over running work
      await expect(a.esc.releaseRunningJobs(stale)).rejects.toEqual(refused('jobs_release'));
      // a person's acknowledgement, on any node's connection, carries no fence and lands
      expect(
        await a.transitionAlert('al1', ['escalating'], {
          state: 'acknowledged',
          attending_contact: 'Sam',
          acknowledged_at: now,
          updated_at: now,
        }),
      ).toBe(true);
      // a cancel by the stale core changes nothing; the current core's does
      await expect(a.stopEscalation('al1', now, stale)).rejects.toEqual(refused('escalation_stop'));
      expect((await b.alertById('al1'))!.escalation_token).toBe(1);
      await b.stopEscalation('al1', now, current);
      expect((await b.alertById('al1'))!.escalation_token).toBe(2);
      // the holder's own lease run out (no renewal): its writes are refused too
      const late: CoreWrite = { fence: current.fence, now: T + 2 * LEASE + 1 };
      await expect(b.appendTimeline('al1', late.now, 'late', {}, late)).rejects.toBeInstanceOf(FencedWriteError);
      expect((await a.timeline('al1')).map((e) => e.type)).toEqual(['created']);
    });

    it('stopEscalation fences and cancels every pending job; setOutcomeOnce sets the outcome of a resolved alert once', async () => {
      const { a } = await fresh();
      await a.insertOpenAlert(alertRow('al1'));
      await a.beginEscalation('al1', { from: ['escalating'], now: T, job: step0('al1') });
      await a.transitionAlert('al1', ['escalating'], { state: 'resolved', closed_at: T, updated_at: T });
      await a.stopEscalation('al1', T);
      expect(await a.esc.liveJobs(['al1'])).toEqual([]);
      expect((await a.alertById('al1'))!.escalation_token).toBe(2);
      expect(await a.setOutcomeOnce('al1', 'wearer_ok', T)).toBe(true);
      expect(await a.setOutcomeOnce('al1', 'other', T)).toBe(false);
      expect((await a.alertById('al1'))!.outcome).toBe('wearer_ok');
    });
  });
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

alertStoreContract('SQLite (one file, two connections)', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'odart-alert-contract-'));
  dirs.push(dir);
  const one = await openDatabase(dir);
  const two = await openDatabase(dir);
  const a = createRepos(one.db);
  return {
    a,
    b: createRepos(two.db),
    txPeer: a,
    async close() {
      await one.close();
      await two.close();
    },
  };
});

// PostgreSQL: two pools on one fresh database; every pool has several connections, so each side's calls run as
// concurrent transactions too.
describePostgres('PostgreSQL', (cluster) => {
  alertStoreContract('PostgreSQL (one database, two pools)', async () => {
    const pg = await cluster();
    const url = await pg.createDatabase();
    const one = await openDatabase('', url);
    const two = await openDatabase('', url);
    const b = createRepos(two.db);
    return {
      a: createRepos(one.db),
      b,
      txPeer: b,
      async close() {
        await one.close();
        await two.close();
        await pg.dropDatabase(url);
      },
    };
  });

  it('a node starting while another holds the migration lock waits for it (pg_advisory_lock), then migrates', async () => {
    const url = await (await cluster()).createDatabase();
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    let opened: OpenedDb | undefined;
    try {
      await holder.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      let settled = false;
      const opening = openDatabase('', url).finally(() => (settled = true));
      // until the opener is seen waiting on the advisory lock (it must not have got past it)
      for (;;) {
        const r = await holder.query<{ n: number }>(`select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted`);
        if (r.rows[0]!.n > 0 || settled) break;
      }
      expect(settled).toBe(false);
      const before = await holder.query(`select 1 from information_schema.tables where table_name = 'alerts'`);
      expect(before.rowCount).toBe(0);
      await holder.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      opened = await opening;
      expect((await holder.query(`select 1 from information_schema.tables where table_name = 'alerts'`)).rowCount).toBe(1);
    } finally {
      await holder.end();
      await opened?.close();
      await (await cluster()).dropDatabase(url);
    }
  });

  it('migrations run once under the advisory lock when several nodes open one empty database at once', async () => {
    const url = await (await cluster()).createDatabase();
    const opened = await Promise.all(Array.from({ length: 4 }, () => openDatabase('', url)));
    try {
      const rows = await sql<{
        name: string;
        n: number;
      }>`select name, count(*) as n from kysely_migration group by name order by name`.execute(opened[0]!.db);
      expect(rows.rows.length).toBeGreaterThan(10);
      expect(rows.rows.every((r) => r.n === 1)).toBe(true);
      expect(rows.rows.map((r) => r.name)).toContain('0014_store_wall');
    } finally {
      for (const o of opened) await o.close();
      await (await cluster()).dropDatabase(url);
    }
  });
});

describe('migration 0013_one_open_alert', () => {
  it('closes older duplicate open alerts of a wearer (the newest stays open, the timeline says why), then refuses new duplicates', async () => {
    const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    try {
      await migrateTo(db, '0012_console_notices');
      const r = createRepos(db);
      await seedWearer(r);
      await r.insertAlert(alertRow('old', 'escalating', T));
      await r.insertAlert(alertRow('new', 'acknowledged', T + 10));
      await r.insertAlert({ ...alertRow('done', 'resolved', T - 10), closed_at: T - 5 });
      expect(await migrateToLatest(db)).toContain('0013_one_open_alert');
      expect((await r.openAlerts()).map((a) => a.id)).toEqual(['new']);
      expect(await r.alertById('old')).toMatchObject({ state: 'cancelled', closed_at: T });
      expect((await r.timeline('old')).map((e) => [e.type, e.data.kept])).toEqual([['cancelled', 'new']]);
      expect(await r.insertOpenAlert(alertRow('again', 'pending_checkin'))).toBe(false);
      await expect(r.insertAlert(alertRow('again2', 'pending_checkin'))).rejects.toThrow(/UNIQUE/);
    } finally {
      await db.destroy();
    }
  });
});
