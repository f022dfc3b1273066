// The cross-node bus on a real PostgreSQL (test/helpers/postgres.ts): two ClusterBus nodes, each with its own
// PgNotifyTransport (a dedicated LISTEN client) over one database. Local subscribers get a local publish once,
// `cluster` events reach the other node once and are never sent on, `node` events stay, a payload over the
// NOTIFY limit goes by reference (event_outbox) and keeps its place in the order.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describePostgres, type PgCluster } from '../../../test/helpers/postgres.js';
import { VirtualClock } from '../clock.js';
import { createMetrics } from '../metrics.js';
import { openStore, type Store } from '../store/index.js';
import { NOTIFY_INLINE_LIMIT, type PgNotifyTransport } from '../store/pg-notify.js';
import type { EventOrigin } from './bus.js';
import { ClusterBus } from './cluster-bus.js';

interface E {
  shared: { n: number; blob?: string };
  mine: { n: number };
}

interface Node {
  store: Store;
  transport: PgNotifyTransport;
  bus: ClusterBus<E>;
  metrics: ReturnType<typeof createMetrics>;
  got: string[];
}

describePostgres('ClusterBus over PostgreSQL LISTEN/NOTIFY', (cluster) => {
  let pgc: PgCluster;
  let url: string;
  const nodes: Node[] = [];

  async function node(id: string): Promise<Node> {
    const store = await openStore('', url);
    const transport = store.eventTransport({ clock: new VirtualClock(0) })!;
    const metrics = createMetrics({ defaults: false });
    const bus = new ClusterBus<E>({ nodeId: id, transport, crosses: (name) => name === 'shared', metrics });
    const got: string[] = [];
    const note = (name: string) => (p: { n: number }, from: EventOrigin) =>
      void got.push(`${name}:${p.n}:${from.remote ? from.node : 'local'}`);
    bus.subscribe('shared', note('shared'));
    bus.subscribe('mine', note('mine'));
    await bus.start();
    const n = { store, transport, bus, metrics, got };
    nodes.push(n);
    return n;
  }

  /** Resolves once `n` has received `count` messages from other nodes. */
  async function received(n: Node, count: number): Promise<void> {
    while (n.bus.stats.received < count) await new Promise<void>((r) => n.bus.subscribe('shared', () => r()));
  }

  beforeAll(async () => {
    pgc = await cluster();
    url = await pgc.createDatabase();
  }, 60_000);

  afterAll(async () => {
    for (const n of nodes) {
      await n.bus.close();
      await n.store.close();
    }
    if (url) await pgc.dropDatabase(url);
  });

  it('delivers a cluster event once on each node, keeps node events local, and never sends a remote delivery on', async () => {
    const a = await node('node-a');
    const b = await node('node-b');
    await a.bus.publish('mine', { n: 1 });
    await a.bus.publish('shared', { n: 2 });
    await received(b, 1);
    await a.bus.idle();
    await b.bus.idle();
    expect(a.got).toEqual(['mine:1:local', 'shared:2:local']);
    expect(b.got).toEqual(['shared:2:node-a']);
    // a's own notification came back to its listener and was dropped as its own, not delivered twice
    expect(a.bus.stats).toMatchObject({ sent: 1, received: 0, dropped: 0 });
    // b delivered it without publishing it again
    expect(b.bus.stats).toMatchObject({ sent: 0, received: 1, dropped: 0 });
    const text = await b.metrics.registry.metrics();
    expect(text).toMatch(/odart_cluster_events_received_total\{event="shared"\} 1/);
    expect(text).toMatch(/odart_cluster_event_latency_seconds_count 1/);
  });

  it(`sends a payload over ${NOTIFY_INLINE_LIMIT} bytes by reference (event_outbox), in order with the small ones around it`, async () => {
    const [a, b] = nodes as [Node, Node];
    b.got.length = 0;
    const blob = 'x'.repeat(20_000);
    const seen: number[] = [];
    const off = b.bus.subscribe('shared', (p) => void seen.push(p.blob?.length ?? 0));
    const start = b.bus.stats.received;
    void a.bus.publish('shared', { n: 10 });
    void a.bus.publish('shared', { n: 11, blob });
    void a.bus.publish('shared', { n: 12 });
    await received(b, start + 3);
    off();
    expect(b.got).toEqual(['shared:10:node-a', 'shared:11:node-a', 'shared:12:node-a']);
    expect(seen).toEqual([0, 20_000, 0]);
    const rows = await a.store.repos.db
      .selectFrom('event_outbox' as never)
      .select('id' as never)
      .execute();
    expect(rows).toHaveLength(1);
  });

  it('counts a send that failed as dropped and keeps going', async () => {
    const [a] = nodes as [Node];
    const bad = new ClusterBus<E>({
      nodeId: 'node-x',
      transport: { ...a.transport, send: () => Promise.reject(new Error('down')), start: async () => {}, close: async () => {} },
      crosses: () => true,
    });
    const local: number[] = [];
    bad.subscribe('shared', (p) => void local.push(p.n));
    await bad.publish('shared', { n: 1 });
    await bad.idle();
    expect(local).toEqual([1]);
    expect(bad.stats).toMatchObject({ sent: 0, dropped: 1 });
  });
});
