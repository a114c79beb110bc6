/**
 * A fault-injecting TCP proxy on 127.0.0.1 (node:net) between the client and the backend. Each
 * accepted connection is a link to the backend's current port. Faults:
 * - `drop`: destroy both sides, as a network loss does;
 * - `freeze`: stop forwarding both ways and send no FIN, as a NAT that forgot the flow or a frozen
 *   load balancer does. Only the client's own heartbeat can tell; the sockets are destroyed long
 *   after (a late RST), and when that happens is recorded so the soak can tell who noticed first;
 * - `latency`: delay every chunk, order kept;
 * - `outage`: drop every link and refuse new ones for a while (a partition, a balancer restarting):
 *   the client's retries meet a run of failed handshakes, which is what shows the backoff growing.
 * A link whose backend refuses (a restart) is dropped at once.
 */
import { createServer, type Server, Socket } from 'node:net';

/** One proxied connection. */
export interface Link {
  readonly id: number;
  readonly client: Socket;
  readonly upstream: Socket;
  /** The client's port: the local port of the WebSocket this link carries (ties the two). */
  readonly clientPort: number;
  latencyMs: number;
  /** When the link was frozen (epoch ms), or null. */
  frozenAt: number | null;
  /** When the proxy destroyed the frozen link (the late RST), or null. */
  reapedAt: number | null;
  /** Bytes forwarded to the client so far (the upgrade response first). */
  down: number;
}

/** The proxy and its faults. */
export interface FaultProxy {
  readonly port: number;
  /** Links forwarding both ways whose handshake was answered (the ones worth hitting). */
  live(): Link[];
  drop(link: Link): void;
  freeze(link: Link): void;
  /** Drops every link and refuses new ones for `ms`. */
  outage(ms: number): void;
  /** Every link frozen so far. */
  readonly frozen: readonly Link[];
  /** Connections accepted so far (refused ones included). */
  readonly accepted: number;
  close(): Promise<void>;
}

/**
 * Frozen links are destroyed this long after they went silent. Far longer than the heartbeat
 * needs (interval + timeout), and longer than the delivery ack timeout: a client that waits for
 * this RST instead of its own heartbeat shows in the soak's figures.
 */
export const FREEZE_REAP_MS = 4000;

/** Forwards `from` to `to` through a FIFO that releases each chunk `link.latencyMs` after it came. */
function pipe(link: Link, from: Socket, to: Socket, downstream: boolean): void {
  const queue: Array<{ at: number; chunk: Buffer | null }> = [];
  let timer: NodeJS.Timeout | null = null;
  const pump = () => {
    timer = null;
    while (queue.length > 0 && (queue[0]?.at ?? 0) <= Date.now()) {
      const item = queue.shift();
      if (link.frozenAt !== null || to.destroyed || !item) continue;
      if (item.chunk === null) to.end();
      else {
        if (downstream) link.down += item.chunk.length;
        to.write(item.chunk);
      }
    }
    const first = queue[0];
    if (first) timer = setTimeout(pump, Math.max(0, first.at - Date.now()));
  };
  const push = (chunk: Buffer | null) => {
    if (link.frozenAt !== null) return;
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

/** Starts the proxy in front of the backend's current port (`targetPort` is read per link). */
export async function startProxy(targetPort: () => number): Promise<FaultProxy> {
  const links = new Set<Link>();
  /** Every socket still open, links forgotten or not: `close` must not wait for one. */
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  const frozen: Link[] = [];
  const reapers = new Set<NodeJS.Timeout>();
  let accepted = 0;
  let ids = 0;
  let refuseUntil = 0;
  const destroy = (link: Link) => {
    link.client.destroy();
    link.upstream.destroy();
  };
  const server: Server = createServer((client) => {
    accepted += 1;
    track(client);
    client.on('error', () => {});
    if (Date.now() < refuseUntil) {
      client.destroy();
      return;
    }
    client.pause();
    const upstream = new Socket();
    track(upstream);
    upstream.on('error', () => {});
    const link: Link = {
      id: ++ids,
      client,
      upstream,
      clientPort: client.remotePort ?? 0,
      latencyMs: 0,
      frozenAt: null,
      reapedAt: null,
      down: 0,
    };
    links.add(link);
    const forget = () => links.delete(link);
    client.on('close', forget);
    upstream.on('close', forget);
    upstream.connect(targetPort(), '127.0.0.1', () => {
      pipe(link, client, upstream, false);
      pipe(link, upstream, client, true);
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
        (l) =>
          l.frozenAt === null &&
          l.down > 0 &&
          !l.client.destroyed &&
          l.upstream.readyState === 'open',
      ),
    drop: destroy,
    freeze(link) {
      link.frozenAt = Date.now();
      frozen.push(link);
      const reaper = setTimeout(() => {
        reapers.delete(reaper);
        link.reapedAt = Date.now();
        destroy(link);
      }, FREEZE_REAP_MS);
      reapers.add(reaper);
    },
    outage(ms) {
      refuseUntil = Math.max(refuseUntil, Date.now() + ms);
      for (const link of links) if (link.frozenAt === null) destroy(link);
    },
    frozen,
    get accepted() {
      return accepted;
    },
    async close() {
      for (const reaper of reapers) clearTimeout(reaper);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
