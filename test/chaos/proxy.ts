/**
 * A fault-injecting TCP proxy on 127.0.0.1 (node:net) between the client and the backend. Each
 * accepted connection is a link to the backend's current port. Faults: `drop` (destroy both sides,
 * as a network loss does), `halfOpen` (stop forwarding both ways without a FIN, as a NAT that forgot
 * the flow does; the sockets are destroyed later to free them), and `latency` (delay every chunk,
 * order kept). A link whose backend refuses (a restart) is dropped at once.
 */
import { createServer, type Server, Socket } from 'node:net';

/** One proxied connection. */
export interface Link {
  readonly id: number;
  readonly client: Socket;
  readonly upstream: Socket;
  latencyMs: number;
  halfOpen: boolean;
}

export interface FaultProxy {
  readonly port: number;
  /** Links that are up and forwarding (not half-open, not destroyed). */
  live(): Link[];
  drop(link: Link): void;
  halfOpen(link: Link): void;
  /** Connections accepted so far. */
  readonly accepted: number;
  close(): Promise<void>;
}

/** Half-open links are destroyed this long after they went silent (the client gave up long before). */
const HALF_OPEN_REAP_MS = 2000;

/** Forwards `from` to `to` through a FIFO that releases each chunk `link.latencyMs` after it came. */
function pipe(link: Link, from: Socket, to: Socket): void {
  const queue: Array<{ at: number; chunk: Buffer | null }> = [];
  let timer: NodeJS.Timeout | null = null;
  const pump = () => {
    timer = null;
    while (queue.length > 0 && (queue[0]?.at ?? 0) <= Date.now()) {
      const item = queue.shift();
      if (link.halfOpen || to.destroyed || !item) continue;
      if (item.chunk === null) to.end();
      else to.write(item.chunk);
    }
    const first = queue[0];
    if (first) timer = setTimeout(pump, Math.max(0, first.at - Date.now()));
  };
  const push = (chunk: Buffer | null) => {
    if (link.halfOpen) return;
    const last = queue.at(-1);
    queue.push({ at: Math.max(Date.now() + link.latencyMs, last?.at ?? 0), chunk });
    if (timer === null) pump();
  };
  from.on('data', (chunk: Buffer) => push(chunk));
  // FIN or abrupt close alike: forward what came first, then end the other side. Never `destroy`
  // here: it would discard a close frame still being written (a 4003 would arrive as a 1006).
  from.on('end', () => push(null));
  from.on('close', () => push(null));
}

export async function startProxy(targetPort: () => number): Promise<FaultProxy> {
  const links = new Set<Link>();
  let accepted = 0;
  let ids = 0;
  const server: Server = createServer((client) => {
    accepted += 1;
    client.on('error', () => {});
    client.pause();
    const upstream = new Socket();
    upstream.on('error', () => {});
    const link: Link = { id: ++ids, client, upstream, latencyMs: 0, halfOpen: false };
    links.add(link);
    const forget = () => links.delete(link);
    client.on('close', forget);
    upstream.on('close', forget);
    upstream.connect(targetPort(), '127.0.0.1', () => {
      pipe(link, client, upstream);
      pipe(link, upstream, client);
      client.resume();
    });
    // Refused (the backend is restarting): the client sees its handshake fail.
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy: no port');
  return {
    port: address.port,
    live: () =>
      [...links].filter(
        (l) => !l.halfOpen && !l.client.destroyed && l.upstream.readyState === 'open',
      ),
    drop(link) {
      link.client.destroy();
      link.upstream.destroy();
    },
    halfOpen(link) {
      link.halfOpen = true;
      setTimeout(() => {
        link.client.destroy();
        link.upstream.destroy();
      }, HALF_OPEN_REAP_MS).unref();
    },
    get accepted() {
      return accepted;
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
