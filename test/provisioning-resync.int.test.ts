// The broker accounts' resync at a node's start (issue 14): every stored device's role brought to what the store says
// and deleted devices' accounts removed, in Mosquitto's dynamic security. It took one round trip a device (getRole,
// then the changes), 3.5 min and more at 10,000 devices, and every node's start waits for it. Real Mosquitto 2, the
// real server in external mode, its real SQLite store; the control requests counted on the server's connection.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ExternalBroker } from '../server/src/broker/external.js';
import { DYNSEC_TOPIC, deviceAcls, deviceRole, type MosquittoDynsec } from '../server/src/broker/provisioning.js';
import { HAVE_MOSQUITTO, startMosquitto, type TestMosquitto } from './helpers/mosquitto.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const DEVICES = 150;
let mosq: TestMosquitto;
let ts: TestServer;
beforeAll(async () => {
  if (!HAVE_MOSQUITTO) return;
  mosq = await startMosquitto();
  ts = await startTestServer({ env: mosq.env });
});
afterAll(async () => {
  await ts?.close();
  await mosq?.close();
});

interface Answer {
  command: string;
  error?: string;
  data?: { role?: { acls?: { acltype: string; topic: string; allow: boolean }[] } };
}
/** A control request of the server's own adapter (the commands a test sets the broker up with). */
const control = (commands: Record<string, unknown>[]) =>
  (ts.server.provisioning as unknown as { request(c: Record<string, unknown>[]): Promise<Answer[]> }).request(commands);
const provisioning = () => ts.server.provisioning as MosquittoDynsec;
/** the dynamic-security requests the server's connection publishes while `fn` runs */
async function requestsDuring<T>(fn: () => Promise<T>): Promise<{ result: T; requests: number }> {
  const client = (ts.server.broker as ExternalBroker).client;
  const publish = vi.spyOn(client, 'publishAsync');
  try {
    const result = await fn();
    return { result, requests: publish.mock.calls.filter(([topic]) => topic === DYNSEC_TOPIC).length };
  } finally {
    publish.mockRestore();
  }
}
const aclOf = async (id: string) => {
  const [r] = await control([{ command: 'getRole', rolename: deviceRole(id) }]);
  return (r?.data?.role?.acls ?? []).map((a) => `${a.acltype} ${a.topic}`).sort();
};
const wanted = (id: string) =>
  deviceAcls(id, null)
    .map((a) => `${a.acltype} ${a.topic}`)
    .sort();

describe.skipIf(!HAVE_MOSQUITTO)('the broker accounts resync', () => {
  it('brings every role to the store, removes deleted devices, in a few requests however many devices', async () => {
    const now = Date.now();
    for (let i = 0; i < DEVICES; i++) {
      await ts.server.repos.insertDevice({
        id: `rs-${i}`,
        service_id: 'demo',
        wearer_id: null,
        kind: 'wearable',
        secret_hash: 'x',
        last_seen_at: null,
        battery: null,
        online: 0,
        created_at: now,
      });
    }
    // the roles are made (there were none)
    const first = await requestsDuring(() => provisioning().resync());
    expect(await aclOf('rs-0')).toEqual(wanted('rs-0'));
    expect(await aclOf(`rs-${DEVICES - 1}`)).toEqual(wanted(`rs-${DEVICES - 1}`));
    expect(first.result.withoutAccount).toContain('rs-7'); // roles only: a secret is given to the broker when issued
    expect(first.requests).toBeLessThan(10);

    // as found at a start: one role lost an ACL and gained a foreign one; an account of a device no longer stored
    const own = deviceAcls('rs-3', null)[0]!;
    await control([
      { command: 'removeRoleACL', rolename: deviceRole('rs-3'), acltype: own.acltype, topic: own.topic },
      { command: 'addRoleACL', rolename: deviceRole('rs-3'), acltype: 'subscribePattern', topic: 'odart/#', allow: true },
      { command: 'createRole', rolename: deviceRole('gone'), acls: deviceAcls('gone', null) },
      { command: 'createClient', username: 'gone', password: 'gone-secret-1', roles: [{ rolename: deviceRole('gone') }] },
    ]);
    expect(await aclOf('rs-3')).not.toEqual(wanted('rs-3'));
    const repair = await requestsDuring(() => provisioning().resync());
    expect(await aclOf('rs-3')).toEqual(wanted('rs-3'));
    expect(repair.result.removed).toEqual(['gone']);
    const [gone] = await control([{ command: 'getClient', username: 'gone' }]);
    expect(gone?.error).toMatch(/not found/i);
    expect(repair.requests).toBeLessThan(10);

    // nothing to change: the lists, and nothing else
    const steady = await requestsDuring(() => provisioning().resync());
    expect(steady.result.removed).toEqual([]);
    expect(steady.requests).toBe(1);
  });
});
