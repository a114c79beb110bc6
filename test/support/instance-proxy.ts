/**
 * A TCP load balancer for tests with several server instances (node:net, 127.0.0.1): each new
 * connection goes to the next backend in turn, and to the one after when a backend refuses (as
 * nginx's `proxy_next_upstream error` does), so a client whose instance is down lands on another.
 * `move` cuts a link (both sides destroyed, as a network loss does): the client reconnects, and the
 * rotation gives it another instance.
 */
import { createServer, type Server, Socket } from 'node:net';

/** One proxied connection. */
export interface ProxyLink {
  readonly client: Socket;
  readonly upstream: Socket;
  /** The backend port it went to. */
  readonly backend: number;
}

export interface InstanceProxy {
  readonly port: number;
  /** Links up now, to one backend or all. */
  links(backend?: number): ProxyLink[];
  /** Cuts a link: the client reconnects (and goes to another backend, the rotation moving on). */
  move(link: ProxyLink): void;
  close(): Promise<void>;
}

/** Joins two sockets; an end or a close on one side ends the other after what came first. */
function join(a: Socket, b: Socket): void {
  a.pipe(b);
  b.pipe(a);
  const cut = (other: Socket) => () => {
    other.end();
    // A peer that never finishes its side is destroyed soon after.
    setTimeout(() => other.destroy(), 1000).unref();
  };
  a.on('close', cut(b));
  b.on('close', cut(a));
}

/** Starts the proxy; `backends()` is read at every new connection (instances come and go). */
export async function startInstanceProxy(
  backends: () => readonly number[],
): Promise<InstanceProxy> {
  const links = new Set<ProxyLink>();
  let turn = 0;

  const connect = (client: Socket, ports: readonly number[], tries: number): void => {
    if (tries >= ports.length || client.destroyed) {
      client.destroy();
      return;
    }
    const backend = ports[(turn + tries) % ports.length] as number;
    const upstream = new Socket();
    let connected = false;
    // Refused (the instance is down): the next one, as a load balancer does.
    upstream.on('error', () => {
      if (!connected) connect(client, ports, tries + 1);
    });
    upstream.connect(backend, '127.0.0.1', () => {
      connected = true;
      const link: ProxyLink = { client, upstream, backend };
      links.add(link);
      const forget = () => links.delete(link);
      client.on('close', forget);
      upstream.on('close', forget);
      join(client, upstream);
      client.resume();
    });
  };

  const server: Server = createServer((client) => {
    client.on('error', () => {});
    client.pause();
    const ports = backends();
    turn = (turn + 1) % Math.max(1, ports.length);
    connect(client, ports, 0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy: no port');
  return {
    port: address.port,
    links: (backend) => [...links].filter((l) => backend === undefined || l.backend === backend),
    move(link) {
      link.client.destroy();
      link.upstream.destroy();
    },
    async close() {
      for (const link of links) {
        link.client.destroy();
        link.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
