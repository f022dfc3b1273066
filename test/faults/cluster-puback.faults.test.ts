// Two failures of a two-node cluster on real PostgreSQL and Mosquitto, with real processes, measured for
// docs/deployment.md's failure table (`[faults] ...` lines):
// (a) CORE_LEASE_S=6: the active node is cut off from PostgreSQL; a press a device publishes after its renew deadline
//     is not taken by it (it no longer acts: its session is closed, or what the session delivers is left
//     unacknowledged and the session closed) and alerts on the next core, from the broker session.
// (a2) the same, but the press reaches the core while it may still act, just after its link to PostgreSQL started
//     swallowing bytes: what the press causes cannot be stored, so it is not acknowledged (a press is acknowledged
//     only once its alert is stored); the core's session closes at its deadline and the next core alerts it.
// (a3) SIGTERM to the active core while its link to PostgreSQL swallows every byte, a press's alert write and the
//     lease renewals in flight: it exits within a bound (each query times out; nothing is retried at shutdown).
// (b) Mosquitto is down, a dynamic-security request in flight on each node (a device created meanwhile), and the nodes
//     are stopped (SIGTERM): each ends in order, without waiting for the broker.
import { expect, it } from 'vitest';
import { AdminClient } from '../../simulator/src/admin-client.js';
import {
  figure,
  logged,
  nodeEnv,
  pollUntil,
  roleReached,
  startNode,
  startPair,
  useClusterRig,
  type Node,
} from '../helpers/cluster-nodes.js';
import { ALEX, SMS_CHAIN, enrolChainWearers, pressHelp } from '../helpers/escalation-audit.js';
import { describePostgres } from '../helpers/postgres.js';
import { DEMO_PASSWORD } from '../helpers/server.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

describePostgres('PUBACK hold-back and stopping without the broker (two nodes, PostgreSQL, Mosquitto)', (cluster) => {
  const rig = useClusterRig(cluster);

  /**
   * CORE_LEASE_S=6: node A on PostgreSQL through a TCP proxy (cut() makes it swallow every byte), the active core;
   * node B (unless `standby: false`) straight on PostgreSQL, a standby; one wearer with an SMS chain to alex.
   */
  async function cutOffCluster(prefix: string, o: { standby?: boolean } = {}) {
    const databaseUrl = await rig.database();
    const proxy = await startTcpProxy(rig.pg.port);
    rig.afterTest(() => proxy.close());
    const viaProxy = new URL(databaseUrl);
    viaProxy.port = String(proxy.port);
    const lease = { CORE_LEASE_S: '6' };
    const a = await startNode('a', nodeEnv('a', { databaseUrl: viaProxy.toString(), mosq: rig.mosq, fake: rig.fake, extra: lease }));
    await roleReached(a, 'active', 30_000);
    let b: Node | null = null;
    if (o.standby !== false) {
      b = await startNode('b', nodeEnv('b', { databaseUrl, mosq: rig.mosq, fake: rig.fake, extra: lease }));
      await roleReached(b, 'standby', 30_000);
    }
    const admin = await AdminClient.login((b ?? a).base, 'admin', DEMO_PASSWORD);
    const [w] = await enrolChainWearers(admin, { prefix, n: 1, contactOf: () => '+447700900950', steps: SMS_CHAIN });
    return { proxy, a, b: b!, admin, w: w! };
  }

  it('a press published after the cut-off core’s renew deadline alerts once, on the next core (CORE_LEASE_S=6)', async () => {
    const { proxy, a, b, admin, w } = await cutOffCluster('H');

    const cutAt = Date.now();
    proxy.cut();
    const stepDown = await pollUntil('A steps down', async () => logged(a, 'this node is no longer the active core')[0], 20_000);
    expect(stepDown).toMatchObject({ why: 'renew deadline passed' });
    await pressHelp('127.0.0.1', rig.mosq.port, [w]);
    const pressedAt = Date.now();
    await rig.waitTexts('the first step, by the next core', 1, (r) => r.to === ALEX, 30_000);
    const text = rig.fake.requests.find((r) => r.to === ALEX)!;
    const active = await pollUntil('B logs taking over', async () => logged(b, 'this node is now the active core')[0], 5_000);
    figure('CORE_LEASE_S=6: link cut to A stepping down (its renew deadline)', stepDown.time - cutAt);
    figure('CORE_LEASE_S=6: A’s renew deadline to the press published', pressedAt - stepDown.time);
    figure('CORE_LEASE_S=6: A’s renew deadline to B acting', active.time - stepDown.time);
    figure('CORE_LEASE_S=6: A’s renew deadline to the first text of the press (sent by B)', text.at - stepDown.time);
    expect(text.from).toBe(b.from);
    // once: A took nothing of it, and B alerted once
    const alerts = await admin.request<{ id: string; wearerId: string }[]>('GET', '/api/alerts');
    expect(alerts.filter((al) => al.wearerId === w.id)).toHaveLength(1);
    expect(rig.fake.requests.filter((r) => r.from === a.from)).toEqual([]);
  });

  it('a press taken by the core just before its link to PostgreSQL hangs is not acknowledged: the next core alerts it, once (CORE_LEASE_S=6)', async () => {
    const { proxy, a, b, admin, w } = await cutOffCluster('P');

    // The link to PostgreSQL swallows every byte from now on; A still acts until its renew deadline (at least one
    // renewal, 2 s, away), so the press reaches it while it may act and what it causes is written into the void.
    const cutAt = Date.now();
    proxy.cut();
    await pressHelp('127.0.0.1', rig.mosq.port, [w]);
    const pressedAt = Date.now();
    const stepDown = await pollUntil('A steps down', async () => logged(a, 'this node is no longer the active core')[0], 20_000);
    expect(stepDown).toMatchObject({ why: 'renew deadline passed' });
    expect(pressedAt).toBeLessThan(stepDown.time);
    await rig.waitTexts('the first step of the press, by the next core', 1, (r) => r.to === ALEX, 30_000);
    const text = rig.fake.requests.find((r) => r.to === ALEX)!;
    figure('CORE_LEASE_S=6, press before the hang: link cut to the press published', pressedAt - cutAt);
    figure('CORE_LEASE_S=6, press before the hang: A’s renew deadline to the first text of the press (sent by B)', text.at - stepDown.time);
    expect(text.from).toBe(b.from);
    const alerts = await admin.request<{ id: string; wearerId: string }[]>('GET', '/api/alerts');
    expect(alerts.filter((al) => al.wearerId === w.id)).toHaveLength(1);
    expect(rig.fake.requests.filter((r) => r.from === a.from)).toEqual([]);
  });

  it('SIGTERM to the active core whose link to PostgreSQL swallows every byte: it exits within a bounded time', async () => {
    const { proxy, a, w } = await cutOffCluster('T', { standby: false });
    proxy.cut();
    // work in flight on the hung link: a press whose alert write cannot be answered, and the lease renewals
    await pressHelp('127.0.0.1', rig.mosq.port, [w]);
    const at = Date.now();
    a.proc.proc.kill('SIGTERM');
    // a bound, not a wait: before the fix the node waited on the hung PostgreSQL for ever
    const code = await Promise.race([a.proc.exited, pollUntil('a exits', async () => false, 30_000)]);
    figure('PostgreSQL black-holed: SIGTERM to the exit of the active core', Date.now() - at);
    expect(code).toBe(0);
  });

  it('nodes stopped while Mosquitto is down end in order, each within seconds', async () => {
    const databaseUrl = await rig.database();
    const [a, b] = await startPair({ databaseUrl, mosq: rig.mosq, fake: rig.fake });
    const admins = await Promise.all([a, b].map((n) => AdminClient.login(n.base, 'admin', DEMO_PASSWORD)));
    await rig.mosq.stop();
    rig.afterTest(() => rig.mosq.start());
    for (const node of [a, b]) {
      // both notice the broker is gone (their control connection, A's session too)
      await pollUntil(
        `${node.name} sees the broker down`,
        async () => logged(node, 'external broker unreachable; reconnecting')[0],
        20_000,
      );
    }
    // a device created on each node now: its dynamic-security request to the broker stays in flight (unanswered)
    for (const [i, admin] of admins.entries()) {
      await admin
        .provision([{ alias: `down${i}`, consent: 'active' as const, devices: [{ id: `down-${i}`, kind: 'button' as const }] }])
        .catch(() => undefined);
    }
    for (const node of [a, b]) {
      const at = Date.now();
      node.proc.proc.kill('SIGTERM');
      // a bound, not a wait: before close() ended the control connection forcibly, node a never exited
      const code = await Promise.race([node.proc.exited, pollUntil(`${node.name} exits`, async () => false, 20_000)]);
      figure(`Mosquitto down: SIGTERM to the exit of node ${node.name}`, Date.now() - at);
      expect(code).toBe(0);
    }
  });
});
