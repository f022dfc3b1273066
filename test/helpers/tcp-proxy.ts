// A TCP proxy between a server process and PostgreSQL, for the network-partition fault: cut() stops every byte
// both ways (connections stay open, as behind a dropped link, and new ones are accepted but go nowhere);
// restore() delivers what was held, as TCP would after the link comes back.
import net from 'node:net';

export interface TcpProxy {
  port: number;
  /** drop the link: nothing passes either way until restore() */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  let cut = false;
  const sockets = new Set<net.Socket>();
  const held: (() => void)[] = [];
  const forward = (from: net.Socket, to: net.Socket) =>
    from.on('data', (d) => {
      if (cut) held.push(() => to.write(d));
      else to.write(d);
    });
  const join = (client: net.Socket) => {
    const upstream = net.connect(targetPort, targetHost);
    sockets.add(upstream);
    forward(client, upstream);
    forward(upstream, client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      s.on('error', end);
      s.on('close', () => {
        sockets.delete(s);
        end();
      });
    }
  };
  const server = net.createServer((client) => {
    sockets.add(client);
    if (cut) {
      // a new connection behind a dropped link: its bytes wait with the rest
      client.pause();
      client.on('error', () => client.destroy());
      held.push(() => {
        client.resume();
        join(client);
      });
    } else join(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut() {
      cut = true;
    },
    restore() {
      cut = false;
      for (const f of held.splice(0)) f();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
