// Bench load: many lightweight MQTT connections (simulator/src/wire.ts) publishing vitals, either as
// fast as the window allows (throughput) or at a steady rate per wearer (background load).
import { WireConnection } from '../../simulator/src/wire.js';

export interface Cred {
  id: string;
  secret?: string;
}

const VITALS = JSON.stringify({ hr: 72, spo2: 97, rr: 14, activity: 5, onBody: true });

export interface Pub {
  id: string;
  conn: WireConnection;
}

export async function connectAll(host: string, port: number, creds: Cred[], concurrency = 200): Promise<Pub[]> {
  const out: Pub[] = new Array<Pub>(creds.length);
  let next = 0;
  const worker = async () => {
    while (next < creds.length) {
      const i = next++;
      const c = creds[i]!;
      const { conn, returnCode } = await WireConnection.connect({
        host,
        port,
        clientId: c.id,
        keepalive: 120,
        ...(c.secret !== undefined ? { username: c.id, password: c.secret } : {}),
      });
      if (returnCode !== 0) throw new Error(`connect ${c.id}: CONNACK ${returnCode}`);
      out[i] = { id: c.id, conn };
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, creds.length) }, worker));
  return out;
}

/** Publishes `total` QoS 1 vitals spread over the connections with `window` in flight per connection; `payload`
 * makes each one (the same reading by default). */
export async function blast(
  pubs: Pub[],
  total: number,
  window = 64,
  payload: () => string = () => VITALS,
): Promise<{ seconds: number; acked: number }> {
  const per = Math.ceil(total / pubs.length);
  const start = performance.now();
  let acked = 0;
  await Promise.all(
    pubs.map(
      ({ conn, id }, i) =>
        new Promise<void>((resolve) => {
          const topic = `odart/v1/devices/${id}/vitals`;
          const mine = Math.min(per, total - i * per);
          if (mine <= 0) return resolve();
          let sent = 0;
          let done = 0;
          const pump = () => {
            while (sent < mine && conn.inflight.size < window) {
              conn.publish(topic, payload(), 1);
              sent++;
            }
          };
          conn.handlers = {
            onPuback: () => {
              acked++;
              if (++done === mine) resolve();
              else pump();
            },
            onClose: () => resolve(),
          };
          pump();
        }),
    ),
  );
  return { seconds: (performance.now() - start) / 1000, acked };
}

/** Steady background load: every connection publishes at `hz`, phases spread evenly. */
export function steady(pubs: Pub[], hz: number): { stop(): void; published(): number; ratePerSec(): number } {
  let published = 0;
  const started = performance.now();
  const periodMs = 1000 / hz;
  const timers: NodeJS.Timeout[] = [];
  pubs.forEach(({ conn, id }, i) => {
    const topic = `odart/v1/devices/${id}/vitals`;
    const first = setTimeout(
      () => {
        const t = setInterval(() => {
          if (conn.inflight.size < 32) {
            conn.publish(topic, VITALS, 1);
            published++;
          }
        }, periodMs);
        timers.push(t);
      },
      (i / pubs.length) * periodMs,
    );
    timers.push(first);
  });
  return {
    stop: () => {
      for (const t of timers) {
        clearTimeout(t);
        clearInterval(t);
      }
    },
    published: () => published,
    ratePerSec: () => Math.round(published / Math.max(0.001, (performance.now() - started) / 1000)),
  };
}

export async function closeAll(pubs: Pub[]): Promise<void> {
  await Promise.all(pubs.map((p) => p.conn.disconnect().catch(() => undefined)));
}
