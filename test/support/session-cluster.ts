/**
 * Several sockguard/server session-layer instances sharing one Redis (createRedisHistory), each a
 * real `ws` server on 127.0.0.1, and the books that follow every message by id in both
 * directions. An instance can crash (its sockets and its Redis connections cut at once, nothing
 * flushed, nothing closed cleanly: what a killed process leaves) or stop as a deploy stops it
 * (sessions.drain(): frames being handled finish, 1001 to every client, then the store and the
 * Redis connections closed).
 */
import type { AddressInfo } from 'node:net';
import type { RedisClientType } from 'redis';
import type WebSocket from 'ws';
import { WebSocketServer } from 'ws';
import {
  createRedisHistory,
  createSessionServer,
  type RedisHistory,
  type SessionServer,
} from '../../src/server/index.js';
import { redisClient } from './redis-suite.js';

/** What every instance and client records, by message id (`<client>:<n>`). */
export interface Books {
  /** Client to server: times the app handler processed each id, on any instance. */
  readonly processed: Map<string, number>;
  /** Client to server: the order each client's ids reached the app handler. */
  readonly processedOrder: Map<number, number[]>;
  /** Server to client: ids whose send resolved with a seq (numbered, so promised). */
  readonly pushed: Set<string>;
  /** Server to client: sends that resolved undefined (not numbered: at most once). */
  unnumbered: number;
  /** Server to client: times the client's handlers saw each id. */
  readonly seen: Map<string, number>;
  /** Store and callback failures the layers reported, by `kind operation`. */
  readonly errors: Map<string, number>;
  /** Welcomes that said `resumed: false` for a session the client asked for, by reason. */
  readonly refused: Map<string, number>;
  /** Client to server: where and under which session and seq each id was first processed. */
  readonly firstProcessed: Map<string, { instance: string; session: string; seq: number }>;
  /** Per instance and session, the highest `acked` its Redis writes confirmed. */
  readonly confirmed: Map<string, Map<string, number>>;
  /** Instances that crashed (nothing flushed: what they processed may never have been acked). */
  readonly crashed: Set<string>;
}

export function createBooks(): Books {
  return {
    processed: new Map(),
    processedOrder: new Map(),
    pushed: new Set(),
    unnumbered: 0,
    seen: new Map(),
    errors: new Map(),
    refused: new Map(),
    firstProcessed: new Map(),
    confirmed: new Map(),
    crashed: new Set(),
  };
}

const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

/** One running instance. */
export interface Instance {
  readonly name: string;
  readonly port: number;
  readonly sessions: SessionServer<WebSocket>;
  readonly store: RedisHistory;
  /** False once crashed or stopped. */
  readonly up: boolean;
  /** Whether a connection of this session is attached here now. */
  holds(session: string): boolean;
  /** Kills it: every socket and both Redis connections cut in the same tick. */
  crash(): void;
  /** Stops it as a deploy does. */
  stop(): Promise<void>;
}

export interface InstanceOptions {
  readonly name: string;
  readonly redisUrl: string;
  readonly books: Books;
  /** Keys of this run (tests sharing a Redis stay apart). */
  readonly prefix: string;
  /** 0: a free port. */
  readonly port?: number;
}

export async function startInstance(options: InstanceOptions): Promise<Instance> {
  const { books } = options;
  const client: RedisClientType = await redisClient(options.redisUrl);
  const subscriber = client.duplicate();
  subscriber.on('error', () => {});
  await subscriber.connect();
  const store = createRedisHistory({
    client,
    subscriber,
    prefix: options.prefix,
    // One test process hosts every instance, the proxy and hundreds of clients on one event loop:
    // a slow tick there is not a slow Redis.
    commandTimeoutMs: 3000,
  });
  // What this instance's acked writes confirmed, for the books' judgement of a crash's duplicates.
  const confirmed = new Map<string, number>();
  books.confirmed.set(options.name, confirmed);
  const setAcked = store.setAcked.bind(store);
  store.setAcked = async (session, acked) => {
    await setAcked(session, acked);
    if (up && acked > (confirmed.get(session) ?? 0)) confirmed.set(session, acked);
  };
  let up = true;
  const sessions = createSessionServer<WebSocket>({
    history: store,
    onMessage(envelope, session) {
      const data = envelope.data as { c?: number; n?: number } | undefined;
      if (envelope.type !== 'msg' || data?.c === undefined || data.n === undefined) return;
      const id = `${data.c}:${data.n}`;
      bump(books.processed, id);
      const seq = envelope.meta?.seq;
      if (!books.firstProcessed.has(id) && typeof seq === 'number' && session.id !== undefined)
        books.firstProcessed.set(id, { instance: options.name, session: session.id, seq });
      const order = books.processedOrder.get(data.c) ?? [];
      order.push(data.n);
      books.processedOrder.set(data.c, order);
    },
    // A crashed instance's layer keeps running in this process, cut off: its failures are not news.
    onError: (error) => {
      if (up) bump(books.errors, `${error.kind} ${error.operation}`);
    },
  });
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: options.port ?? 0,
    maxPayload: 1 << 20,
  });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', () => resolve());
    wss.once('error', reject);
  });
  wss.on('error', () => {});
  wss.on('connection', (socket, request) => {
    socket.on('message', (raw) => {
      // Only to count the refused resumes: the layer reads the frame itself.
      const text = String(raw);
      if (!text.includes('"sockguard.hello"')) return;
      const hello = JSON.parse(text) as { data?: { session?: string | null } };
      if (hello.data?.session == null) return;
      const original = socket.send.bind(socket);
      socket.send = ((data: string, ...rest: unknown[]) => {
        if (typeof data === 'string' && data.includes('"sockguard.welcome"')) {
          const reason = (JSON.parse(data) as { data?: { reason?: string } }).data?.reason;
          if (reason !== undefined) bump(books.refused, reason);
          socket.send = original;
        }
        return (original as (...args: unknown[]) => void)(data, ...rest);
      }) as typeof socket.send;
    });
    // The test's stand-in for authentication: `?user=` names the principal, none is anonymous.
    const user = new URL(request.url ?? '/', 'http://x').searchParams.get('user');
    sessions.accept(socket, user === null ? { anonymous: true } : { principal: user });
  });
  const port = (wss.address() as AddressInfo).port;

  return {
    name: options.name,
    port,
    sessions,
    store,
    get up() {
      return up;
    },
    holds: (session) => sessions.get(session)?.connected === true,
    crash() {
      up = false;
      books.crashed.add(options.name);
      client.destroy();
      subscriber.destroy();
      for (const socket of wss.clients) socket.terminate();
      wss.close();
    },
    async stop() {
      up = false;
      // As a deploy should: frames being handled finish and their acks reach Redis first.
      await sessions.drain({ timeoutMs: 5000 });
      wss.close();
      await store.close();
      await Promise.allSettled([client.close(), subscriber.close()]);
      for (const socket of wss.clients) socket.terminate();
    },
  };
}
