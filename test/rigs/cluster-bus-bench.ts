// `npm run bench -- --only=cluster-bus`: the cross-node bus's latency, one node's publish to another node's
// subscriber, over PostgreSQL LISTEN/NOTIFY on a throwaway cluster (test/helpers/postgres.ts). One event at a
// time (the next is published when the last arrived), a small payload and one over the NOTIFY limit (sent by
// reference through event_outbox).
import { performance } from 'node:perf_hooks';
import { VirtualClock } from '../../server/src/clock.js';
import { ClusterBus } from '../../server/src/events/cluster-bus.js';
import { openStore, type Store } from '../../server/src/store/index.js';
import { postgresBin, startPostgres } from '../helpers/postgres.js';

interface E {
  ping: { i: number; blob?: string };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]! * 1000) / 1000;
};

export async function benchClusterBus(o: { quick?: boolean } = {}) {
  if (!postgresBin()) return null;
  const n = o.quick ? 200 : 2000;
  const cluster = await startPostgres();
  const stores: Store[] = [];
  const buses: ClusterBus<E>[] = [];
  try {
    const url = await cluster.createDatabase();
    const node = async (id: string) => {
      const store = await openStore('', url);
      stores.push(store);
      const bus = new ClusterBus<E>({ nodeId: id, transport: store.eventTransport({ clock: new VirtualClock(0) })!, crosses: () => true });
      buses.push(bus);
      await bus.start();
      return bus;
    };
    const a = await node('bench-a');
    const b = await node('bench-b');
    const run = async (count: number, blob?: string) => {
      const ms: number[] = [];
      let arrived: (() => void) | null = null;
      b.subscribe('ping', (_p, from) => {
        if (from.remote) arrived?.();
      });
      for (let i = 0; i < count; i++) {
        const got = new Promise<void>((r) => (arrived = r));
        const t0 = performance.now();
        void a.publish('ping', blob ? { i, blob } : { i });
        await got;
        ms.push(performance.now() - t0);
      }
      return { events: count, p50Ms: pct(ms, 50), p99Ms: pct(ms, 99), maxMs: pct(ms, 100) };
    };
    const small = await run(n);
    const large = await run(Math.ceil(n / 10), 'x'.repeat(20_000));
    return { small, byReference: large };
  } finally {
    for (const bus of buses) await bus.close();
    for (const s of stores) await s.close();
    await cluster.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(JSON.stringify(await benchClusterBus({ quick: process.argv.includes('--quick') })) + '\n');
}
