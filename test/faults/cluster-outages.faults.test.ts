// The other failures of a two-node cluster (issue 14, Proof), with real processes: PostgreSQL restarts during
// escalation; Mosquitto restarts (persistence on) under the running nodes and devices, and its queue for a node's
// persistent session survives the restart; the active node is cut off from PostgreSQL by a TCP proxy that drops
// the link (it must stop acting before its lease can pass, and the standby takes over). Measured durations are
// printed for docs/deployment.md's failure table.
import { expect, it } from 'vitest';
import mqtt from 'mqtt';
import { AdminClient } from '../../simulator/src/admin-client.js';
import {
  figure,
  healthOf,
  kill9,
  logged,
  nodeEnv,
  notificationAlerts,
  pollUntil,
  roleReached,
  startNode,
  startPair,
  useClusterRig,
  type Node,
} from '../helpers/cluster-nodes.js';
import {
  ALEX,
  SMS_CHAIN,
  TAKEOVER_ALLOWANCE_MS,
  enrolChainWearers,
  expectChainSent,
  pressHelp,
  smsChainSteps,
  timelineOf,
  type HelpWearer,
} from '../helpers/escalation-audit.js';
import { describePostgres } from '../helpers/postgres.js';
import { DEMO_PASSWORD } from '../helpers/server.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

describePostgres('outages under a two-node cluster on PostgreSQL and Mosquitto', (cluster) => {
  const rig = useClusterRig(cluster);

  const waitTexts = rig.waitTexts;

  /** Six wearers on CHAIN (enrolled on `node`) press help; resolves once every first step is out. */
  async function escalating(node: Node, prefix: string, contacts: string): Promise<{ admin: AdminClient; wearers: HelpWearer[] }> {
    const admin = await AdminClient.login(node.base, 'admin', DEMO_PASSWORD);
    const wearers = await enrolChainWearers(admin, {
      prefix,
      n: 6,
      contactOf: (i) => `${contacts}${String(i).padStart(2, '0')}`,
      steps: SMS_CHAIN,
    });
    await pressHelp('127.0.0.1', rig.mosq.port, wearers);
    await waitTexts('every first step', wearers.length, (r) => r.to === ALEX);
    return { admin, wearers };
  }

  /** Every wearer's chain reached its last step and passes the audit (each step within its wait + 10 s). */
  async function expectChainsComplete(admin: AdminClient, databaseUrl: string, wearers: HelpWearer[]): Promise<void> {
    for (const w of wearers) await waitTexts(`${w.alias}'s last step`, 1, (r) => r.to === w.contact);
    const alertOf = await notificationAlerts(databaseUrl);
    const alerts = await admin.request<{ id: string; wearerId: string }[]>('GET', '/api/alerts');
    expect(alerts).toHaveLength(wearers.length);
    for (const al of alerts) {
      const w = wearers.find((x) => x.id === al.wearerId)!;
      expectChainSent(al.id, await timelineOf(admin, al.id), rig.fake.requests, alertOf, smsChainSteps(w), TAKEOVER_ALLOWANCE_MS);
    }
  }

  it('PostgreSQL restarts during escalation: the escalation continues, nothing lost, nothing doubled unless recorded', async () => {
    const databaseUrl = await rig.database();
    const [, b] = await startPair({ databaseUrl, mosq: rig.mosq, fake: rig.fake });
    const { admin, wearers } = await escalating(b, 'P', '+4477009007');
    const sentBefore = rig.fake.requests.length;
    const t0 = Date.now();
    await rig.pg.restart();
    figure('pg_ctl restart -m fast', Date.now() - t0);
    await expectChainsComplete(admin, databaseUrl, wearers);
    figure('PostgreSQL restart to every chain complete', Date.now() - t0);
    expect(sentBefore, 'the restart came mid-chain').toBeLessThan(wearers.length * 3);
  });

  it('Mosquitto restarts: devices and nodes reconnect; QoS 1 messages queued for a node survive the restart', async () => {
    const databaseUrl = await rig.database();
    const [a, b] = await startPair({ databaseUrl, mosq: rig.mosq, fake: rig.fake });
    const admin = await AdminClient.login(b.base, 'admin', DEMO_PASSWORD);
    const wearers = await enrolChainWearers(admin, {
      prefix: 'Q',
      n: 3,
      contactOf: (i) => `+4477009008${String(i).padStart(2, '0')}`,
      steps: SMS_CHAIN,
    });
    const alerted = (w: HelpWearer, withinMs: number, on = admin) =>
      pollUntil(
        `${w.alias}'s alert`,
        async () => (await on.request<{ wearerId: string; state: string }[]>('GET', '/api/alerts')).some((x) => x.wearerId === w.id),
        withinMs,
      );

    // 1. Under running nodes: a device (mqtt.js, reconnecting by itself) presses help while the broker is down.
    const w0 = wearers[0]!;
    const device = mqtt.connect(rig.mosq.url, {
      clientId: w0.device.id,
      username: w0.device.id,
      password: w0.device.secret,
      reconnectPeriod: 300,
      protocolVersion: 4,
    });
    await new Promise<void>((resolve, reject) => {
      device.once('connect', () => resolve());
      device.once('error', reject);
    });
    const down = Date.now();
    await rig.mosq.stop();
    const pressed = device.publishAsync(`odart/v1/devices/${w0.device.id}/button`, JSON.stringify({ action: 'help' }), { qos: 1 });
    await rig.mosq.start();
    await pressed; // acknowledged by the restarted broker
    await alerted(w0, 30_000);
    figure('Mosquitto stop to the alert of a help press made while it was down', Date.now() - down);
    device.end(true);

    // 2. The standby reconnected too: with A gone, B takes over and hears the next press.
    await kill9(a);
    await roleReached(b, 'active', 20_000);
    await pressHelp('127.0.0.1', rig.mosq.port, [wearers[1]!]);
    await alerted(wearers[1]!, 30_000);

    // 3. No node runs; a press is queued by Mosquitto for the nodes' persistent sessions; Mosquitto restarts
    //    (its persistence file written on the way down); the node comes back and is handed the queued press.
    await kill9(b);
    await pressHelp('127.0.0.1', rig.mosq.port, [wearers[2]!]);
    await rig.mosq.stop();
    await rig.mosq.start();
    const back = await startNode('b', b.env);
    await roleReached(back, 'active', 30_000);
    await alerted(wearers[2]!, 30_000, await AdminClient.login(back.base, 'admin', DEMO_PASSWORD));
  });

  it('the active node cut off from PostgreSQL stops acting before its lease can pass; the standby takes over', async () => {
    const databaseUrl = await rig.database();
    const proxy = await startTcpProxy(rig.pg.port);
    rig.afterTest(() => proxy.close());
    const viaProxy = new URL(databaseUrl);
    viaProxy.port = String(proxy.port);
    const a = await startNode('a', nodeEnv('a', { databaseUrl: viaProxy.toString(), mosq: rig.mosq, fake: rig.fake }));
    await roleReached(a, 'active', 30_000);
    const b = await startNode('b', nodeEnv('b', { databaseUrl, mosq: rig.mosq, fake: rig.fake }));
    await roleReached(b, 'standby', 30_000);
    const { admin, wearers } = await escalating(b, 'X', '+4477009009');

    const cutAt = Date.now();
    proxy.cut();
    const tookOverAt = await roleReached(b, 'active', 20_000);
    figure('link to PostgreSQL cut to the standby active', tookOverAt - cutAt);
    expect(tookOverAt - cutAt).toBeLessThanOrEqual(10_000);
    const stepDown = await pollUntil('A steps down', async () => logged(a, 'this node is no longer the active core')[0], 10_000);
    // B's log line is in its stdout pipe, maybe not read yet when /healthz already answers
    const active = await pollUntil('B logs taking over', async () => logged(b, 'this node is now the active core')[0], 5_000);
    figure('link cut to A stepping down', stepDown.time - cutAt);
    figure('A stepping down to B acting', active.time - stepDown.time);
    expect(stepDown).toMatchObject({ why: 'renew deadline passed' });
    await expectChainsComplete(admin, databaseUrl, wearers);

    // The link comes back (with whatever A had in flight): A is a standby under B, and nothing it held back
    // is sent late.
    proxy.restore();
    await pollUntil('A a standby again', async () => (await healthOf(a, 2000))?.holder === 'node-b', 30_000);
    expect((await healthOf(a))?.role).toBe('standby');
    await expectChainsComplete(admin, databaseUrl, wearers);
    expect(rig.fake.requests.filter((r) => r.from === a.from && r.at >= active.time)).toEqual([]);
  });
});
