// A TCP proxy between a server process and PostgreSQL, for the network-partition fault: cut() stops every byte
// both ways (connections stay open, as behind a dropped link, and new ones are accepted but go nowhere);
// restore() delivers what was held, as TCP would after the link comes back. stallOn(text) drops one connection
// only (a firewall or NAT that lost its state): the first that then sends `text` passes nothing more either way,
// from those bytes on, nor the client closing it (its server session stays), while the others and new ones pass.
import net from 'node:net';

export interface TcpProxy {
  port: number;
  /** drop the link: nothing passes either way until restore() */
  cut(): void;
  /** the next connection to send bytes containing `text` stalls (those bytes held) until restore(); once */
  stallOn(text: string): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  let cut = false;
  const sockets = new Set<net.Socket>();
  const held: (() => void)[] = [];
  let stallText: string | null = null;
  const stalled = new Set<{ stalled: boolean }>();
  const forward = (from: net.Socket, to: net.Socket, link: { stalled: boolean }, fromClient: boolean) =>
    from.on('data', (d: Buffer) => {
      if (fromClient && stallText !== null && d.includes(stallText)) {
        stallText = null;
        link.stalled = true;
        stalled.add(link);
      }
      if (cut || link.stalled) held.push(() => to.write(d));
      else to.write(d);
    });
  const join = (client: net.Socket) => {
    const upstream = net.connect(targetPort, targetHost);
    sockets.add(upstream);
    const link = { stalled: false };
    forward(client, upstream, link, true);
    forward(upstream, client, link, false);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      s.on('error', end);
      s.on('close', () => {
        sockets.delete(s);
        // a stalled link does not carry the client's close either: the server's session stays, as behind a dead link
        if (s === client && link.stalled) return;
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
    stallOn(text) {
      stallText = text;
    },
    restore() {
      cut = false;
      stallText = null;
      for (const link of stalled) link.stalled = false;
      stalled.clear();
      for (const f of held.splice(0)) f();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
