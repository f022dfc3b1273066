// Contract suite for the store: every adapter passes the same tests. Run against SQLite now (a file in
// WAL mode, so two connections can be opened on one database); a PostgreSQL adapter (issue 14) adds one
// `storeContract(...)` line. It covers the repositories of users and sessions, services, wearers, devices,
// chains, naloxone kits, alarm-centre hand-off endpoints, rotas, consent, notices, vitals and the console's
// read models: round trips, uniqueness, erasure, paging order, and the atomic operations under two
// concurrent connections.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describePostgres } from '../../../test/helpers/postgres.js';
import { isUniqueViolation } from './onboarding.js';
import { openStore, type Store } from './store.js';
import { VitalsStore } from './vitals.js';

const T0 = Date.UTC(2026, 10, 21, 12);

interface Adapter {
  /** a new, empty, migrated database */
  open(): Promise<Store>;
  /** a second connection to the database `first` is on */
  connect(first: Store): Promise<Store>;
  /** drops the database */
  drop(first: Store): Promise<void>;
}

const user = (id: string, over: Record<string, unknown> = {}) => ({
  id,
  service_id: 's1',
  username: id,
  password_hash: 'x',
  role: 'responder' as const,
  display_name: id.toUpperCase(),
  phone: null,
  on_duty: 1,
  created_at: T0,
  disabled_at: null,
  ...over,
});
const wearer = (id: string, over: Record<string, unknown> = {}) => ({
  id,
  service_id: 's1',
  alias: id,
  address: null,
  access_notes: null,
  phone: null,
  emergency_contact_phone: null,
  chain_id: null,
  consent: 'active' as const,
  thresholds: null,
  created_at: T0,
  ...over,
});
const device = (id: string, wearerId: string | null, over: Record<string, unknown> = {}) => ({
  id,
  service_id: 's1',
  wearer_id: wearerId,
  kind: 'wearable' as const,
  secret_hash: 'h',
  last_seen_at: null,
  battery: null,
  online: 0,
  created_at: T0,
  ...over,
});
const alert = (id: string, wearerId: string, createdAt: number) => ({
  id,
  service_id: 's1',
  wearer_id: wearerId,
  state: 'resolved' as const,
  score: 0.9,
  reasons: '[]',
  news2: null,
  chain_snapshot: '{}',
  escalation_token: 1,
  attending_responder_id: null,
  outcome: null,
  note: null,
  created_at: createdAt,
  updated_at: createdAt,
  closed_at: null,
});
const notice = (id: string, key: string, at: number, wearerId: string | null = 'w1') => ({
  id,
  service_id: 's1',
  at,
  kind: 'technical' as const,
  wearer_id: wearerId,
  alert_id: null,
  dedup_key: key,
  data: '{}',
});

export function storeContract(name: string, adapter: Adapter): void {
  describe(`store contract: ${name}`, () => {
    let store: Store;
    let extra: Store[];
    const second = async () => {
      const s = await adapter.connect(store);
      extra.push(s);
      return s;
    };

    beforeEach(async () => {
      store = await adapter.open();
      extra = [];
      const r = store.repos;
      await r.enrol({
        services: [
          { id: 's1', name: 'S1', emergency_number: '999', created_at: T0 },
          { id: 's2', name: 'S2', emergency_number: '112', created_at: T0 },
        ],
      });
    });
    afterEach(async () => {
      for (const s of extra) await s.close();
      await adapter.drop(store);
    });

    describe('services', () => {
      it('round-trips a service and its settings; knows when it is empty', async () => {
        const r = store.repos;
        expect(await r.isEmpty()).toBe(false);
        await r.services.updateService('s1', { phone: '+441234567890', default_country: 'IE' });
        expect(await r.serviceById('s1')).toMatchObject({
          id: 's1',
          name: 'S1',
          emergency_number: '999',
          phone: '+441234567890',
          default_country: 'IE',
        });
        expect(await r.serviceById('nope')).toBeUndefined();
        const empty = await adapter.open();
        try {
          expect(await empty.repos.isEmpty()).toBe(true);
        } finally {
          await adapter.drop(empty);
        }
      });
      it('onboarding: reports a taken service id or username, and inserts a service with its admin together', async () => {
        const r = store.repos;
        await r.insertUser(user('ann', { role: 'admin' }));
        expect(await r.onboarding.conflict('s1', 'zed')).toBe('service');
        expect(await r.onboarding.conflict('s3', 'ann')).toBe('username');
        expect(await r.onboarding.conflict('s3', 'zed')).toBeNull();
        await expect(
          r.onboarding.insertServiceWithAdmin({
            service: { id: 's3', name: 'S3', emergency_number: '999' },
            admin: { id: 'u9', username: 'ann', password_hash: 'x', display_name: 'A', phone: null },
            now: T0,
          }),
        ).rejects.toThrow();
        expect(await r.serviceById('s3')).toBeUndefined();
        await r.onboarding.insertServiceWithAdmin({
          service: { id: 's3', name: 'S3', emergency_number: '999' },
          admin: { id: 'u9', username: 'zed', password_hash: 'x', display_name: 'Z', phone: null },
          now: T0,
        });
        expect(await r.users.adminIds('s3')).toEqual(['u9']);
      });
    });

    describe('users and sessions', () => {
      it('round-trips users; usernames are unique across services', async () => {
        const r = store.repos;
        await r.insertUser(user('ann', { role: 'admin', phone: '+447700900001' }));
        await r.insertUser(user('bob'));
        const taken = await r.insertUser(user('bob2', { username: 'bob', service_id: 's2' })).then(
          () => null,
          (err: unknown) => err,
        );
        // the adapter's error is one isUniqueViolation knows (create-service and the admin API answer "taken" by it)
        expect(isUniqueViolation(taken)).toBe(true);
        expect(await r.userByUsername('ann')).toMatchObject({ id: 'ann', role: 'admin', display_name: 'ANN' });
        expect((await r.usersByIds(['ann', 'bob', 'nobody'])).map((u) => u.id).sort()).toEqual(['ann', 'bob']);
        expect(await r.usersByIds([])).toEqual([]);
        expect(await r.userByPhone('+447700900001')).toMatchObject({ id: 'ann' });
        await r.users.updateUser('bob', { display_name: 'Aaron', on_duty: 0 });
        expect(await r.userById('bob')).toMatchObject({ display_name: 'Aaron', on_duty: 0 });
        expect(await r.users.adminIds('s1')).toEqual(['ann']);
        expect((await r.users.directory('s1')).map((u) => u.display_name)).toEqual(['ANN', 'Aaron'].sort());
      });
      it('a session lasts until it expires, ends with its user disabled, and is deleted', async () => {
        const r = store.repos;
        await r.insertUser(user('ann'));
        await r.insertSession({ id: 'sess1', user_id: 'ann', created_at: T0, expires_at: T0 + 1000 });
        expect(await r.sessionUser('sess1', T0 + 999)).toMatchObject({ id: 'ann' });
        expect(await r.sessionUser('sess1', T0 + 1000)).toBeUndefined();
        expect(await r.accounts.session('sess1', T0)).toMatchObject({ user: { id: 'ann' }, expiresAt: T0 + 1000 });
        expect([...(await r.users.withLiveSession(['ann', 'bob'], T0))]).toEqual(['ann']);
        await r.accounts.setDisabled('ann', T0);
        expect(await r.sessionUser('sess1', T0)).toBeUndefined();
        expect(await r.userByPhone('x')).toBeUndefined();
        await r.accounts.setDisabled('ann', null);
        await r.deleteSession('sess1');
        expect(await r.sessionUser('sess1', T0)).toBeUndefined();
      });
    });

    describe('wearers, devices, chains', () => {
      it('round-trips wearers with their responders and chain; lists by alias', async () => {
        const r = store.repos;
        await r.insertUser(user('ann'));
        await r.insertChain({ id: 'c1', service_id: 's1', name: 'Night', definition: '{"steps":[]}', created_at: T0, updated_at: T0 });
        await r.insertWearer(wearer('w1', { alias: 'Zoe', chain_id: 'c1', phone: '+447700900009' }));
        await r.insertWearer(wearer('w2', { alias: 'Amy', created_at: T0 + 1, phone: '+447700900009' }));
        await r.insertWearer(wearer('w3', { alias: 'Max', service_id: 's2' }));
        await r.assignResponder('w1', 'ann');
        expect(await r.chainById('c1')).toMatchObject({ name: 'Night', definition: '{"steps":[]}' });
        expect(await r.wearerIdsForResponder('ann')).toEqual(['w1']);
        expect(await r.responderIdsForWearer('w1')).toEqual(['ann']);
        await r.wearers.updateWearer('w1', { address: '1 Road', thresholds: '{"hrLow":40}' });
        expect(await r.wearerById('w1')).toMatchObject({ alias: 'Zoe', address: '1 Road', thresholds: '{"hrLow":40}', chain_id: 'c1' });
        expect((await r.wearers.wearerByPhone('+447700900009'))?.id).toBe('w1');
        expect((await r.wearers.wearersByAlias('s1')).map((w) => w.alias)).toEqual(['Amy', 'Zoe']);
        expect((await r.wearers.wearersByAlias('s1', 1)).map((w) => w.alias)).toEqual(['Amy']);
        expect((await r.admin.wearers('s1')).map((w) => w.id)).toEqual(['w1', 'w2']);
        expect(await r.wearers.idsInService(['w1', 'w3', 'nope'], 's1')).toEqual(['w1']);
        expect((await r.wearers.consentStates()).length).toBe(3);
        await r.admin.setResponders('w1', ['ann', 'ann']);
        expect(await r.responderIdsForWearer('w1')).toEqual(['ann']);
      });
      it('device ids are unique; a deleted device id stays taken for other services', async () => {
        const r = store.repos;
        await r.insertWearer(wearer('w1'));
        await r.insertDevice(device('d1', 'w1'));
        await r.insertDevice(device('d0', 'w1'));
        await expect(r.insertDevice(device('d1', null, { service_id: 's2' }))).rejects.toThrow();
        expect((await r.devices.devicesOfWearer('w1')).map((x) => x.id)).toEqual(['d0', 'd1']);
        await r.updateDevice('d1', { online: 1, battery: 80 });
        expect(await r.deviceById('d1')).toMatchObject({ online: 1, battery: 80 });
        await r.admin.deleteDevice('d1', T0);
        expect(await r.deviceById('d1')).toBeUndefined();
        expect(await r.admin.unavailableDeviceIds(['d1', 'd0', 'free'], 's2')).toEqual(expect.arrayContaining(['d1', 'd0']));
        expect(await r.admin.unavailableDeviceIds(['d1', 'free'], 's1')).toEqual([]);
      });
      it('marks every device told it is monitored, in batches that let the event loop turn between them', async () => {
        const r = store.repos;
        await r.insertWearer(wearer('w1'));
        const ids = Array.from({ length: 1201 }, (_, i) => `m${String(i).padStart(4, '0')}`);
        await r.enrol({ wearers: [], devices: ids.map((id) => device(id, 'w1')) });
        // a macrotask turn counted while the update runs: SQLite runs on the loop, so without yields it takes none
        let done = false;
        let turns = 0;
        const marking = r.devices.markMonitored(ids, T0 + 5).then(() => {
          done = true;
        });
        while (!done) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          turns++;
        }
        await marking;
        expect(turns).toBeGreaterThanOrEqual(2); // 3 batches of at most 500: at least 2 turns between them
        expect(await r.devices.wearerMonitoredAt('w1')).toBe(T0 + 5);
        const first = await r.deviceById('m0000');
        const last = await r.deviceById('m1200');
        expect([first?.monitored_at, last?.monitored_at].map(Number)).toEqual([T0 + 5, T0 + 5]);
      });
      it('the watched devices are those of wearers with consent active, in id order, across keyset pages', async () => {
        const r = store.repos;
        await r.enrol({
          wearers: [wearer('w1'), wearer('w2', { consent: 'paused' }), wearer('w3'), wearer('w4', { consent: 'pending' })],
          devices: [
            device('d5', 'w1'),
            device('d1', 'w1'),
            device('d2', 'w2'),
            device('d3', 'w3'),
            device('d4', 'w4'),
            device('d0', null),
            device('d6', 'w3', { kind: 'room' }),
          ],
        });
        expect(await r.devices.watchedDeviceIds()).toEqual(['d1', 'd3', 'd5', 'd6']);
        // pages of two (the last one full, then an empty one) and of three
        expect(await r.devices.watchedDeviceIds(2)).toEqual(['d1', 'd3', 'd5', 'd6']);
        expect(await r.devices.watchedDeviceIds(3)).toEqual(['d1', 'd3', 'd5', 'd6']);
      });
      it('enrolment is all or nothing', async () => {
        const r = store.repos;
        await r.insertDevice(device('taken', null));
        await expect(r.enrol({ wearers: [wearer('w1')], devices: [device('fresh', 'w1'), device('taken', 'w1')] })).rejects.toThrow();
        expect(await r.wearerById('w1')).toBeUndefined();
        expect(await r.deviceById('fresh')).toBeUndefined();
        await r.enrol({ wearers: [wearer('w1')], devices: [device('fresh', 'w1')] });
        expect((await r.deviceById('fresh'))?.wearer_id).toBe('w1');
      });
      it('gateway registrations hold only within one service', async () => {
        const r = store.repos;
        await r.insertDevice(device('gw', null, { kind: 'gateway' }));
        await r.insertDevice(device('d1', null));
        await r.insertDevice(device('x2', null, { service_id: 's2' }));
        await r.gateways.addGatewayDevice('gw', 'd1', T0);
        await expect(r.gateways.addGatewayDevice('gw', 'x2', T0)).rejects.toThrow();
        expect(await r.gateways.devicesForGateway('gw')).toEqual(['d1']);
        expect(await r.gateways.gatewayMayPublishFor('gw', 'x2')).toBe(false);
      });
    });

    describe('naloxone kits', () => {
      it('round-trips kits with fractional coordinates, soonest expiry first, only within their service; a home point on a wearer', async () => {
        const r = store.repos;
        await r.insertUser(user('ann'));
        const kit = (id: string, over: Record<string, unknown> = {}) => ({
          id,
          service_id: 's1',
          name: id,
          holder: 'box' as const,
          holder_user_id: null,
          address: null,
          latitude: 55.864237,
          longitude: -4.251806,
          access_notes: null,
          expires_on: '2027-01-01',
          created_at: T0,
          ...over,
        });
        await r.kits.insert(kit('late'));
        await r.kits.insert(
          kit('soon', { expires_on: '2026-12-24', holder: 'responder', holder_user_id: 'ann', latitude: null, longitude: null }),
        );
        await r.kits.insert(kit('theirs', { service_id: 's2' }));
        expect((await r.kits.forService('s1')).map((k) => k.id)).toEqual(['soon', 'late']);
        expect(await r.kits.byId('s1', 'late')).toMatchObject({ latitude: 55.864237, longitude: -4.251806, holder: 'box' });
        expect(await r.kits.byId('s1', 'theirs')).toBeUndefined();
        expect(await r.kits.update('s1', 'theirs', { name: 'mine' })).toBe(false);
        expect(await r.kits.update('s1', 'late', { name: 'Library', expires_on: '2028-01-01' })).toBe(true);
        expect(await r.kits.byId('s1', 'late')).toMatchObject({ name: 'Library', expires_on: '2028-01-01' });
        expect(await r.kits.remove('s1', 'theirs')).toBe(false);
        expect(await r.kits.remove('s1', 'late')).toBe(true);
        expect((await r.kits.forService('s1')).map((k) => k.id)).toEqual(['soon']);
        await r.insertWearer(wearer('w1'));
        await r.wearers.updateWearer('w1', { latitude: -33.856784, longitude: 151.215297 });
        expect(await r.wearerById('w1')).toMatchObject({ latitude: -33.856784, longitude: 151.215297 });
      });
    });

    describe('alarm-centre hand-off endpoints', () => {
      const endpoint = (id: string, over: Record<string, unknown> = {}) => ({
        id,
        service_id: 's1',
        name: `Centre ${id}`,
        url: `https://alarm.example.org/${id}`,
        // kept to the byte: signing both directions needs the secret itself
        secret: 'sëcret-with-ünicode-and-"quotes"-0001',
        format: 'cap' as const,
        created_at: T0,
        updated_at: T0,
        ...over,
      });
      it('round-trips endpoints as numbers and text, oldest first (id breaks ties), only within their service', async () => {
        const r = store.repos.handoff;
        await r.insertHandoffEndpoint(endpoint('hoe-b'));
        await r.insertHandoffEndpoint(endpoint('hoe-a'));
        await r.insertHandoffEndpoint(endpoint('hoe-0', { created_at: T0 + 1, updated_at: T0 + 1, format: 'json' }));
        await r.insertHandoffEndpoint(endpoint('hoe-theirs', { service_id: 's2', created_at: T0 - 1 }));
        const mine = await r.handoffEndpointsOf('s1');
        expect(mine.map((e) => e.id)).toEqual(['hoe-a', 'hoe-b', 'hoe-0']);
        expect(mine[2]).toEqual(endpoint('hoe-0', { created_at: T0 + 1, updated_at: T0 + 1, format: 'json' }));
        expect(await r.handoffEndpointById('hoe-theirs')).toEqual(endpoint('hoe-theirs', { service_id: 's2', created_at: T0 - 1 }));
        expect(await r.handoffEndpointById('nope')).toBeUndefined();
        expect(await r.handoffEndpointsOf('s3')).toEqual([]);
        const taken = await r.insertHandoffEndpoint(endpoint('hoe-a', { service_id: 's2' })).then(
          () => null,
          (err: unknown) => err,
        );
        expect(isUniqueViolation(taken)).toBe(true);
      });
      it("updates and deletes only the service's own endpoint; a partial update keeps the other fields", async () => {
        const r = store.repos.handoff;
        await r.insertHandoffEndpoint(endpoint('hoe-1'));
        await r.insertHandoffEndpoint(endpoint('hoe-2', { service_id: 's2' }));
        expect(await r.updateHandoffEndpoint('s1', 'hoe-2', { name: 'Stolen', updated_at: T0 + 5 })).toBeUndefined();
        expect(await r.handoffEndpointById('hoe-2')).toMatchObject({ name: 'Centre hoe-2', updated_at: T0 });
        const updated = await r.updateHandoffEndpoint('s1', 'hoe-1', {
          url: 'https://other.example.org/x',
          format: 'json',
          updated_at: T0 + 5,
        });
        expect(updated).toEqual(endpoint('hoe-1', { url: 'https://other.example.org/x', format: 'json', updated_at: T0 + 5 }));
        expect(await r.handoffEndpointById('hoe-1')).toEqual(updated);
        expect(await r.deleteHandoffEndpoint('s1', 'hoe-2')).toBe(false);
        expect(await r.handoffEndpointById('hoe-2')).toBeDefined();
        expect(await r.deleteHandoffEndpoint('s1', 'hoe-1')).toBe(true);
        expect(await r.deleteHandoffEndpoint('s1', 'hoe-1')).toBe(false);
        expect(await r.handoffEndpointsOf('s1')).toEqual([]);
      });
      it('under two connections, of two inserts of one endpoint id exactly one is stored', async () => {
        const other = await second();
        const results = await Promise.allSettled([
          store.repos.handoff.insertHandoffEndpoint(endpoint('hoe-x', { name: 'First' })),
          other.repos.handoff.insertHandoffEndpoint(endpoint('hoe-x', { name: 'Second' })),
        ]);
        expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
        const lost = results.find((x) => x.status === 'rejected');
        expect(isUniqueViolation(lost?.reason)).toBe(true);
        expect((await other.repos.handoff.handoffEndpointsOf('s1')).map((e) => e.id)).toEqual(['hoe-x']);
      });
    });

    describe('rotas', () => {
      it("replaces a group's weekly shifts, keeps overrides that have not ended, and goes with the group; the time zone is a setting", async () => {
        const r = store.repos;
        await r.insertUser(user('ann'));
        await r.insertUser(user('bob'));
        await r.esc.insertGroup({ id: 'g1', service_id: 's1', name: 'Nights', created_at: T0, updated_at: T0 }, ['ann']);
        const shift = (id: string, userId: string, weekday: number) => ({
          id,
          group_id: 'g1',
          user_id: userId,
          weekday,
          start_min: 1200,
          end_min: 480,
          created_at: T0,
        });
        await r.rotas.replaceShifts('g1', [shift('a', 'ann', 6), shift('b', 'bob', 1)]);
        await r.rotas.replaceShifts('g1', [shift('c', 'bob', 7), shift('d', 'ann', 2)]);
        expect((await r.rotas.shiftsOf(['g1'])).map((x) => [x.id, x.user_id, x.weekday, x.start_min, x.end_min])).toEqual([
          ['d', 'ann', 2, 1200, 480],
          ['c', 'bob', 7, 1200, 480],
        ]);
        const o = (id: string, startAt: number, endAt: number, createdAt: number) => ({
          id,
          group_id: 'g1',
          user_id: 'bob',
          replaces_user_id: 'ann',
          start_at: startAt,
          end_at: endAt,
          note: null,
          created_at: createdAt,
        });
        await r.rotas.insertOverride(o('o2', T0 + 5000, T0 + 9000, T0 + 2));
        await r.rotas.insertOverride(o('o1', T0, T0 + 1000, T0 + 1));
        expect((await r.rotas.overridesOf(['g1'], T0 + 500)).map((x) => [x.id, x.start_at, x.end_at])).toEqual([
          ['o1', T0, T0 + 1000],
          ['o2', T0 + 5000, T0 + 9000],
        ]);
        expect((await r.rotas.overridesOf(['g1'], T0 + 1000)).map((x) => x.id)).toEqual(['o2']);
        expect(await r.rotas.overrideById('o2')).toMatchObject({ replaces_user_id: 'ann', user_id: 'bob', end_at: T0 + 9000 });
        await r.rotas.deleteOverride('o2');
        expect(await r.rotas.overrideById('o2')).toBeUndefined();
        await r.esc.deleteGroup('g1');
        expect(await r.rotas.shiftsOf(['g1'])).toEqual([]);
        expect(await r.rotas.overridesOf(['g1'], 0)).toEqual([]);
        expect((await r.serviceById('s1'))?.time_zone ?? null).toBeNull();
        await r.services.updateService('s1', { time_zone: 'Europe/Dublin' });
        expect((await r.serviceById('s1'))?.time_zone).toBe('Europe/Dublin');
      });
    });

    describe('consent', () => {
      it('a new link replaces the old one; the log keeps its order', async () => {
        const c = store.repos.consent;
        await store.repos.insertWearer(wearer('w1'));
        expect(await c.linkIssuedAt('w1')).toBeNull();
        await c.replaceLink('w1', 'hash1', T0);
        await c.replaceLink('w1', 'hash2', T0 + 5);
        expect(await c.linkByHash('hash1')).toBeUndefined();
        expect(await c.linkByHash('hash2')).toMatchObject({ wearer_id: 'w1', created_at: T0 + 5 });
        expect(await c.linkIssuedAt('w1')).toBe(T0 + 5);
        for (const type of ['invited', 'opted_in', 'paused'])
          await c.appendEvent({ wearer_id: 'w1', service_id: 's1', at: T0, type, via: 'web', data: '{}' });
        expect((await c.events('w1')).map((e) => e.type)).toEqual(['invited', 'opted_in', 'paused']);
      });
      it('a transition applies only from the state it was decided on; the reminder is claimed once', async () => {
        const c = store.repos.consent;
        await store.repos.insertWearer(wearer('w1'));
        expect(await c.transition('w1', 'pending', { consent: 'opted_out', consent_changed_at: T0, paused_until: null })).toBeUndefined();
        const paused = await c.transition('w1', 'active', { consent: 'paused', consent_changed_at: T0, paused_until: T0 + 3600_000 });
        expect(paused).toMatchObject({ id: 'w1', consent: 'paused', paused_until: T0 + 3600_000, pause_reminded: 0 });
        expect(await c.paused()).toEqual([{ id: 'w1', paused_until: T0 + 3600_000 }]);
        expect(await c.claimPauseReminder('w1')).toMatchObject({ pause_reminded: 1 });
        expect(await c.claimPauseReminder('w1')).toBeUndefined();
        const opted = await c.transition('w1', 'paused', {
          consent: 'active',
          consent_changed_at: T0 + 1,
          paused_until: null,
          consent_version: 'v2',
        });
        expect(opted).toMatchObject({ consent: 'active', consent_version: 'v2', pause_reminded: 0, paused_until: null });
      });
      it('under two connections, of two transitions from one state exactly one wins, and one reminder claim', async () => {
        const other = await second();
        await store.repos.insertWearer(wearer('w1'));
        const [a, b] = await Promise.all([
          store.repos.consent.transition('w1', 'active', { consent: 'opted_out', consent_changed_at: T0, paused_until: null }),
          other.repos.consent.transition('w1', 'active', { consent: 'paused', consent_changed_at: T0, paused_until: T0 + 1 }),
        ]);
        expect([a, b].filter((x) => x !== undefined)).toHaveLength(1);
        const stored = (await other.repos.wearerById('w1'))!.consent;
        expect(stored).toBe((a ?? b)!.consent);
        await store.repos.consent.transition('w1', stored, { consent: 'paused', consent_changed_at: T0, paused_until: T0 + 10 });
        const claims = await Promise.all([
          store.repos.consent.claimPauseReminder('w1'),
          other.repos.consent.claimPauseReminder('w1'),
          other.repos.consent.claimPauseReminder('w1'),
        ]);
        expect(claims.filter((x) => x !== undefined)).toHaveLength(1);
      });
    });

    describe('notices', () => {
      it('one open notice per key: a repeat bumps it; dismissed ones stay; open lists newest first', async () => {
        const n = store.repos.notices;
        await n.upsert(notice('n1', 'k1', T0));
        const bumped = await n.upsert(notice('n2', 'k1', T0 + 10));
        expect(bumped).toMatchObject({ id: 'n1', count: 2, at: T0 + 10 });
        await n.upsert(notice('n3', 'k2', T0 + 5));
        expect((await n.open('s1')).map((x) => x.id)).toEqual(['n1', 'n3']);
        await n.dismiss('n1', 'ann', T0 + 20);
        expect(await n.byId('n1')).toMatchObject({ dismissed_at: T0 + 20, dismissed_by: 'ann', count: 2 });
        const again = await n.upsert(notice('n4', 'k1', T0 + 30));
        expect(again).toMatchObject({ id: 'n4', count: 1 });
        expect((await n.open('s1')).map((x) => x.id)).toEqual(['n4', 'n3']);
        expect(await n.open('s2')).toEqual([]);
        expect((await n.open('s1', 1)).map((x) => x.id)).toEqual(['n4']);
      });
      it('under two connections, the same notice told on both at once is one open notice counted twice', async () => {
        const other = await second();
        const stored = await Promise.all([
          store.repos.notices.upsert(notice('n1', 'k1', T0)),
          other.repos.notices.upsert(notice('n2', 'k1', T0 + 1)),
        ]);
        const open = await store.repos.notices.open('s1');
        expect(open).toHaveLength(1);
        expect(open[0]!.count).toBe(2);
        expect(stored.map((x) => x.count).sort()).toEqual([1, 2]);
      });
    });

    describe('erasure', () => {
      it('deleting a wearer removes their devices, responders, alerts with timelines, consent, notices and vitals; others keep theirs', async () => {
        const r = store.repos;
        const vitals = new VitalsStore(
          r.db,
          (err) => {
            throw err;
          },
          () => 1,
        );
        try {
          await r.insertUser(user('ann'));
          for (const id of ['w1', 'w2']) {
            await r.insertWearer(wearer(id));
            await r.insertDevice(device(`${id}-dev`, id));
            await r.assignResponder(id, 'ann');
            await r.insertAlert(alert(`${id}-a`, id, T0));
            await r.appendTimeline(`${id}-a`, T0, 'created', {});
            await r.consent.replaceLink(id, `${id}-hash`, T0);
            await r.consent.appendEvent({ wearer_id: id, service_id: 's1', at: T0, type: 'opted_in', via: 'web', data: '{}' });
            await r.notices.upsert(notice(`${id}-n`, `k-${id}`, T0, id));
            for (let i = 0; i < 5; i++)
              vitals.record(
                id,
                `${id}-dev`,
                { stream: 'vitals', data: { hr: 60, spo2: 97, rr: 14, activity: 1, onBody: true } },
                T0 + i * 1000,
              );
          }
          await vitals.flush();
          expect(await r.admin.deleteWearer('w1', T0)).toEqual(['w1-dev']);
          await vitals.deleteWearer('w1');
          expect(await r.wearerById('w1')).toBeUndefined();
          expect(await r.deviceById('w1-dev')).toBeUndefined();
          expect(await r.wearerIdsForResponder('ann')).toEqual(['w2']);
          expect(await r.alertById('w1-a')).toBeUndefined();
          expect(await r.timeline('w1-a')).toEqual([]);
          expect(await r.consent.events('w1')).toEqual([]);
          expect(await r.consent.linkByHash('w1-hash')).toBeUndefined();
          expect(await r.notices.byId('w1-n')).toBeUndefined();
          expect(await vitals.window('w1', 0, T0 + 10_000)).toEqual([]);
          // the other wearer is untouched
          expect(await r.consent.events('w2')).toHaveLength(1);
          expect(await r.notices.byId('w2-n')).toBeDefined();
          expect(await vitals.window('w2', 0, T0 + 10_000)).toHaveLength(5);
          expect(await r.timeline('w2-a')).toHaveLength(1);
        } finally {
          vitals.stop();
        }
      });
    });

    describe('read models', () => {
      it('history pages newest first (id breaks ties), per service or wearer, with aliases, names and history entries', async () => {
        const r = store.repos;
        await r.insertUser(user('ann'));
        await r.insertWearer(wearer('w1', { alias: 'Jo' }));
        await r.insertWearer(wearer('w2', { alias: 'Al' }));
        await r.insertAlert(alert('a1', 'w1', T0));
        await r.insertAlert(alert('a3', 'w2', T0 + 10));
        await r.insertAlert(alert('a2', 'w1', T0 + 10));
        await r.appendTimeline('a1', T0 + 1, 'escalating', { step: 1 });
        await r.appendTimeline('a1', T0 + 2, 'notified', { channel: 'app', target: 'responder:ann' });
        await r.appendTimeline('a1', T0 + 3, 'acknowledged', { by: 'responder:ann' });
        const h = await r.readModels.history('s1', 10);
        expect(h.alerts.map((a) => a.id)).toEqual(['a3', 'a2', 'a1']);
        expect(h.aliases.get('w1')).toBe('Jo');
        expect(h.names.get('ann')).toBe('ANN');
        expect(h.timeline.get('a1')?.map((e) => e.type)).toEqual(['escalating', 'acknowledged']);
        expect((await r.readModels.history('s1', 2)).alerts.map((a) => a.id)).toEqual(['a3', 'a2']);
        expect((await r.readModels.history('s1', 10, 'w1')).alerts.map((a) => a.id)).toEqual(['a2', 'a1']);
        expect((await r.readModels.history('s2', 10)).alerts).toEqual([]);
        expect(await r.readModels.pageEntries(['a1'])).toEqual([{ alert_id: 'a1', data: { channel: 'app', target: 'responder:ann' } }]);
        const ex = await r.readModels.exportOf('w1');
        expect(ex.alerts.map((a) => a.id)).toEqual(['a1', 'a2']);
      });
    });
  });
}

// ---- adapters ----

const dirs = new WeakMap<Store, string>();
storeContract('SQLite (file, WAL)', {
  async open() {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'odart-store-contract-'));
    const s = await openStore(dir);
    dirs.set(s, dir);
    return s;
  },
  async connect(first) {
    return openStore(dirs.get(first)!);
  },
  async drop(first) {
    await first.close();
    rmSync(dirs.get(first)!, { recursive: true, force: true });
  },
});

// PostgreSQL: a throwaway cluster for this file (test/helpers/postgres.ts), a fresh database per test.
const urls = new WeakMap<Store, string>();
describePostgres('PostgreSQL', (cluster) => {
  storeContract('PostgreSQL (a database per test, a pool per connection)', {
    async open() {
      const url = await (await cluster()).createDatabase();
      const s = await openStore('', url);
      urls.set(s, url);
      return s;
    },
    async connect(first) {
      return openStore('', urls.get(first)!);
    },
    async drop(first) {
      await first.close();
      await (await cluster()).dropDatabase(urls.get(first)!);
    },
  });
});
