/**
 * One session-server instance as its own process (forked by instance-process.ts, run with tsx):
 * a `ws` server on 127.0.0.1, `createSessionServer` over `createRedisHistory` on a real Redis,
 * set up the way docs/server.md shows. Each upgrade is authenticated from the `?token=` of its
 * URL; the user it names is the connection's principal. What happens is written to a book file,
 * one JSON line per event, synchronously: a SIGKILL loses nothing that was written, and every
 * frame is written as processed before its ack can leave.
 */
import { openSync, writeSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient } from 'redis';
import { type WebSocket, WebSocketServer } from 'ws';
import { closeWithError, createRedisHistory, createSessionServer } from '../../src/server/index.js';
import {
  type BookRecord,
  type ClientMessage,
  type Command,
  type InstanceConfig,
  now,
  type PushMessage,
  type Report,
  userOf,
} from './shared.js';

const config = JSON.parse(process.env.SOCKGUARD_INSTANCE ?? '') as InstanceConfig;
const book = openSync(config.book, 'a');
const write = (record: BookRecord): void => {
  writeSync(book, `${JSON.stringify(record)}\n`);
};
const tell = (report: Report): void => {
  if (process.connected) process.send?.(report);
};
// The test is gone (it crashed, or was killed): never outlive it.
process.on('disconnect', () => process.exit(1));

// As docs/server.md, "The Redis store": no offline queue, an error listener, node-redis's own
// reconnection (or fixed delays, to choose which connection is back first after a restart).
const every = (ms: number | undefined) =>
  ms === undefined ? {} : { socket: { reconnectStrategy: () => ms } };
const client = createClient({
  url: config.redisUrl,
  disableOfflineQueue: true,
  ...every(config.reconnect?.commandsMs),
});
client.on('error', () => {});
await client.connect();
let subscriber: ReturnType<typeof client.duplicate> | undefined;
if (config.reconnect !== undefined) {
  subscriber = client.duplicate(every(config.reconnect.subscriberMs));
  subscriber.on('error', () => {});
  await subscriber.connect();
}
const redisHistory = createRedisHistory({
  client,
  ...(subscriber === undefined ? {} : { subscriber }),
  prefix: config.prefix,
  commandTimeoutMs: config.commandTimeoutMs,
  leaseMs: config.leaseMs,
  onError: (operation) => write({ e: 'error', what: `store ${operation}`, t: now() }),
});
/**
 * The store as the session layer gets it, writing each `acked` the store confirmed: the layer
 * writes it after the handler ran, so a SIGKILL between the two leaves a processed frame outside
 * the duplicate window (the books tell that crash window apart from a real duplicate).
 */
const setAcked: typeof redisHistory.setAcked = async (id, acked) => {
  await redisHistory.setAcked(id, acked);
  write({ e: 'acked', s: id, q: acked, t: now() });
};
// A proxy, not a copy: the store's getters (`held`) stay live.
const history = new Proxy(redisHistory, {
  get: (target, key) => (key === 'setAcked' ? setAcked : Reflect.get(target, key, target)),
});

/** The user each connection was authenticated as. */
const principals = new WeakMap<WebSocket, string>();
/** The connection each session was last welcomed on here. */
const welcomed = new Map<string, WebSocket>();

const sessions = createSessionServer<WebSocket>({
  history,
  sessionTtlMs: config.sessionTtlMs,
  onMessage(envelope, session, socket) {
    if (envelope.type !== 'msg') return;
    const { c, n } = envelope.data as ClientMessage;
    write({
      e: 'processed',
      c,
      n,
      u: principals.get(socket),
      sp: session.principal,
      s: session.id,
      q: typeof envelope.meta?.seq === 'number' ? envelope.meta.seq : undefined,
      t: now(),
    });
  },
  onError: (error) => write({ e: 'error', what: `${error.kind} ${error.operation}`, t: now() }),
});

/**
 * The one place a connection is handed to the session layer, with the user it was authenticated
 * as: its delivery session is bound to that principal (issue 19).
 */
function acceptConnection(socket: WebSocket, principal: string): void {
  sessions.accept(socket, { principal });
}

/** Writes each welcome this connection gets to the book, with the hello it answers. */
function watchHello(socket: WebSocket): void {
  let asked: string | null = null;
  let last = 0;
  const readHello = (raw: unknown) => {
    const text = String(raw);
    if (!text.includes('"sockguard.hello"')) return;
    const hello = JSON.parse(text) as { data?: { session?: string | null; last_seq?: number } };
    asked = hello.data?.session ?? null;
    last = hello.data?.last_seq ?? 0;
    socket.off('message', readHello);
  };
  // Registered before the layer's own listener: it runs first.
  socket.on('message', readHello);
  const send = socket.send.bind(socket);
  socket.send = ((data: unknown, ...rest: unknown[]) => {
    if (typeof data === 'string' && data.includes('"sockguard.welcome"')) {
      const welcome = JSON.parse(data) as {
        data: { session: string; resumed: boolean; reason?: string; seq: number };
      };
      const { session, resumed, reason, seq } = welcome.data;
      write({ e: 'welcome', s: session, asked, last, resumed, reason, seq, t: now() });
      welcomed.set(session, socket);
      socket.send = send;
    }
    return (send as (...args: unknown[]) => void)(data, ...rest);
  }) as typeof socket.send;
}

const wss = new WebSocketServer({ host: '127.0.0.1', port: config.port, maxPayload: 64 * 1024 });
await new Promise<void>((resolve, reject) => {
  wss.once('listening', () => resolve());
  wss.once('error', reject);
});
wss.on('error', () => {});
wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
  socket.on('error', () => {});
  const user = userOf(config.secret, request.url);
  if (user === undefined) {
    write({ e: 'unauthorized', t: now() });
    closeWithError(socket, 4003, 'Token expired');
    return;
  }
  principals.set(socket, user);
  watchHello(socket);
  acceptConnection(socket, user);
});

const port = (wss.address() as AddressInfo).port;
write({ e: 'up', port, t: now() });

const push = (order: { id: string; session: string; p: number }): void => {
  const data: PushMessage = { id: order.id, p: order.p };
  void sessions.send(order.session, 'push', data).then((seq) => {
    if (seq === undefined) write({ e: 'unnumbered', id: order.id, s: order.session, t: now() });
    else write({ e: 'numbered', id: order.id, s: order.session, q: seq, t: now() });
  });
};

const held = (): string[] =>
  [...welcomed].flatMap(([id, socket]) => {
    if (sessions.get(id)?.connected !== true || socket.readyState !== socket.OPEN) return [];
    return [id];
  });

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  // As docs/server.md says a deploy stops an instance: stop accepting (new upgrades are refused
  // and the proxy sends them elsewhere), drain, close the store, then Redis, then exit.
  wss.close();
  const { complete } = await sessions.drain({ timeoutMs: 5000 });
  await history.close();
  await Promise.allSettled([client.close(), subscriber?.close()]);
  write({ e: 'stopped', complete, t: now() });
  tell({ type: 'stopped', complete });
  process.exit(0);
}

process.on('message', (command: Command) => {
  switch (command.type) {
    case 'push':
      for (const order of command.orders) push(order);
      break;
    case 'bounce':
      // A dropped link: the TCP connection destroyed, no close frame, nothing flushed.
      for (const id of command.sessions) welcomed.get(id)?.terminate();
      break;
    case 'held':
      tell({ type: 'held', sessions: held() });
      break;
    case 'stop':
      void stop();
      break;
  }
});

setInterval(() => {
  const memory = process.memoryUsage();
  tell({ type: 'memory', heapUsed: memory.heapUsed, rss: memory.rss, sessions: sessions.size });
}, 500).unref();

tell({ type: 'ready', port });
