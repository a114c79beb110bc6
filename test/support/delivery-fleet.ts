/**
 * Clients for the multi-instance tests: the real sockguard client with `delivery()`, WebSocket
 * from `ws`, each sending numbered messages and counting what its handlers see, by id, in the
 * shared {@link Books}; and the figures that come out of the books at the end.
 */
import WebSocket from 'ws';
import { deliveryOf } from '../../src/delivery/plugin.js';
import { createSocket, delivery, type Socket } from '../../src/index.js';
import type { Books, Instance } from './session-cluster.js';

export interface FleetClient {
  readonly index: number;
  readonly socket: Socket;
  /** Sends so far, and how their receipts ended. */
  sent: number;
  acked: number;
  rejected: number;
  /** Ids (`n`) whose receipt resolved: the server acknowledged them. */
  readonly ackedIds: Set<number>;
  resyncs: number;
  /** Times it got a welcome with delivery on (its first connection included). */
  welcomes: number;
  /** Sends one numbered message (`<index>:<n>`). */
  send(): void;
  /** The session of its last welcome. */
  session(): string | null;
  /** Open with delivery on. */
  ready(): boolean;
}

export function createFleetClient(index: number, url: string, books: Books): FleetClient {
  let n = 0;
  const client: FleetClient = {
    index,
    socket: createSocket({
      url,
      WebSocket: WebSocket as never,
      environment: false,
      heartbeat: false,
      // Reconnects fast and with jitter, as a crowd behind a load balancer should.
      backoff: { baseMs: 50, floorMs: 10, capMs: 1000 },
      delivery: delivery({ ackTimeoutMs: 15_000, maxResends: 10 }),
      maxQueue: 5000,
      suspendAfterMs: 600_000,
      errors: {
        onFault: (fault) => {
          if (fault.code === 'resync') client.resyncs++;
        },
      },
    }),
    sent: 0,
    acked: 0,
    rejected: 0,
    ackedIds: new Set(),
    resyncs: 0,
    welcomes: 0,
    send() {
      n += 1;
      const id = n;
      client.sent += 1;
      const result = client.socket.send('msg', { c: index, n: id });
      if (result.status === 'rejected') {
        client.rejected += 1;
        return;
      }
      void result.delivered?.then(
        () => {
          client.acked += 1;
          client.ackedIds.add(id);
        },
        () => {
          client.rejected += 1;
        },
      );
    },
    session: () => deliveryOf(client.socket).getSnapshot().session,
    ready: () =>
      client.socket.getSnapshot().status === 'open' &&
      deliveryOf(client.socket).getSnapshot().mode === 'on',
  };
  // A welcome sets the session (the first) or a new recovery (every later one).
  let last = deliveryOf(client.socket).getSnapshot();
  deliveryOf(client.socket).subscribe(() => {
    const now = deliveryOf(client.socket).getSnapshot();
    if (now.recovery !== last.recovery || (last.session === null && now.session !== null)) {
      client.welcomes++;
    }
    last = now;
  });
  client.socket.on('push', (envelope) => {
    const data = envelope.data as { id: string };
    books.seen.set(data.id, (books.seen.get(data.id) ?? 0) + 1);
  });
  return client;
}

/**
 * Pushes one message to a client's session from an instance: the one holding its connection
 * (`holderShare` of the time) or any live one (the fan-out through Redis carries it).
 */
export function push(
  books: Books,
  instances: readonly Instance[],
  client: FleetClient,
  id: string,
  holderShare: number,
): Promise<void> | undefined {
  const session = client.session();
  const live = instances.filter((instance) => instance.up);
  if (session === null || live.length === 0) return undefined;
  const holder = live.find((instance) => instance.holds(session));
  const from =
    holder !== undefined && Math.random() < holderShare
      ? holder
      : (live[Math.floor(Math.random() * live.length)] as Instance);
  return from.sessions.send(session, 'push', { id }).then((seq) => {
    if (seq === undefined) books.unnumbered += 1;
    else books.pushed.add(id);
  });
}

/** Whether id's first processing was on a crashed instance that never confirmed an acked covering it. */
function crashBeforeAcked(books: Books, id: string): boolean {
  const first = books.firstProcessed.get(id);
  if (first === undefined || !books.crashed.has(first.instance)) return false;
  return (books.confirmed.get(first.instance)?.get(first.session) ?? 0) < first.seq;
}

/** The figures of a run, both directions. */
export interface Figures {
  readonly toServer: {
    readonly sent: number;
    readonly acked: number;
    readonly rejected: number;
    /** Receipts not settled yet. */
    readonly pending: number;
    readonly processedOnce: number;
    readonly duplicated: number;
    /**
     * Processed twice where the first processing was on an instance that then crashed before its
     * Redis write of an `acked` covering it was confirmed: the at-least-once window of a crash
     * (what a killed process processed but never recorded), not counted in `duplicated`.
     */
    readonly duplicatedCrashBeforeAcked: number;
    /** Acknowledged but never processed. */
    readonly lost: number;
    readonly outOfOrder: number;
  };
  readonly toClient: {
    readonly numbered: number;
    readonly seenOnce: number;
    readonly duplicated: number;
    /** Numbered but never seen by a handler. */
    readonly lost: number;
    readonly unnumbered: number;
  };
  readonly resyncs: number;
}

export function figures(books: Books, clients: readonly FleetClient[]): Figures {
  const sum = (pick: (client: FleetClient) => number) =>
    clients.reduce((total, client) => total + pick(client), 0);
  let processedOnce = 0;
  let duplicated = 0;
  let duplicatedCrashBeforeAcked = 0;
  for (const [id, count] of books.processed) {
    if (count === 1) processedOnce++;
    else if (crashBeforeAcked(books, id)) duplicatedCrashBeforeAcked++;
    else duplicated++;
  }
  let lost = 0;
  for (const client of clients) {
    for (const n of client.ackedIds) if (!books.processed.has(`${client.index}:${n}`)) lost++;
  }
  let outOfOrder = 0;
  for (const order of books.processedOrder.values()) {
    for (let i = 1; i < order.length; i++)
      if ((order[i] as number) <= (order[i - 1] as number)) outOfOrder++;
  }
  let seenOnce = 0;
  let seenTwice = 0;
  for (const count of books.seen.values()) {
    if (count === 1) seenOnce++;
    else seenTwice++;
  }
  let pushLost = 0;
  for (const id of books.pushed) if (!books.seen.has(id)) pushLost++;
  return {
    toServer: {
      sent: sum((c) => c.sent),
      acked: sum((c) => c.acked),
      rejected: sum((c) => c.rejected),
      pending: sum((c) => c.sent - c.acked - c.rejected),
      processedOnce,
      duplicated,
      duplicatedCrashBeforeAcked,
      lost,
      outOfOrder,
    },
    toClient: {
      numbered: books.pushed.size,
      seenOnce,
      duplicated: seenTwice,
      lost: pushLost,
      unnumbered: books.unnumbered,
    },
    resyncs: sum((c) => c.resyncs),
  };
}
