// @vitest-environment node
// The session layer on a real redis-server, tried as issue 19 tried it: a session taken over from
// another instance, and Redis losing its data (a restart, in either order of its two connections
// coming back, or a FLUSHALL with no reconnection at all). The clients are raw `ws` clients that
// speak docs/protocol.md "Delivery" by hand (hello with the session's secret, resume after every
// close after `retryMs`), so what is tested is the server, whatever a client library does.
import type { AddressInfo } from 'node:net';
import type { RedisClientType } from 'redis';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import {
  createRedisHistory,
  createSessionServer,
  type RedisHistory,
  type SessionServer,
} from '../../src/server/index.js';
import { type RedisServer, startRedisServer } from '../support/redis-server.js';
import { describeRedis, redisClient } from '../support/redis-suite.js';

let redis: RedisServer;
let run = 0;
const cleanup: Array<() => Promise<unknown> | unknown> = [];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` holds; resolves with the ms it took, rejects after `ms` naming `what`. */
async function until(what: string, check: () => boolean, ms: number): Promise<number> {
  const started = performance.now();
  while (!check()) {
    if (performance.now() - started > ms) throw new Error(`timed out after ${ms} ms: ${what}`);
    await sleep(10);
  }
  return performance.now() - started;
}

interface Instance {
  readonly sessions: SessionServer<WebSocket>;
  readonly store: RedisHistory;
  readonly client: RedisClientType;
  readonly subscriber: RedisClientType;
  readonly url: string;
}

/**
 * One instance: a ws server, the layer, the Redis store on its own command and subscriber
 * connections, each reconnecting after the given delay (which one comes back first is the test's).
 */
async function instance(
  prefix: string,
  options: { commandReconnectMs?: number; subscriberReconnectMs?: number; leaseMs?: number } = {},
): Promise<Instance> {
  const client = await redisClient(redis.url, options.commandReconnectMs);
  const subscriber = await redisClient(redis.url, options.subscriberReconnectMs);
  const store = createRedisHistory({
    client,
    subscriber,
    prefix,
    commandTimeoutMs: 1000,
    ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
  });
  const sessions = createSessionServer<WebSocket>({
    history: store,
    onMessage: () => {},
    onError: () => {}, // Redis going away is the point of these tests
  });
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 1 << 20 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  wss.on('connection', (socket, request) => {
    const user = new URL(request.url ?? '/', 'http://x').searchParams.get('user');
    sessions.accept(socket, user === null ? { anonymous: true } : { principal: user });
  });
  cleanup.push(async () => {
    sessions.close();
    for (const socket of wss.clients) socket.terminate();
    await new Promise((resolve) => wss.close(resolve));
    await store.close();
    client.destroy();
    subscriber.destroy();
  });
  return {
    sessions,
    store,
    client,
    subscriber,
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
  };
}

interface Welcome {
  session: string;
  resumed: boolean;
  reason?: string;
  seq: number;
  acked: number;
  secret: string;
  at: number;
}

/**
 * A client that follows the protocol by hand: hello with its session, last seq and secret on every
 * connection; a welcome that names a new session (not resumed, not `unavailable`) starts over; any
 * close is followed by a new connection after `retryMs`.
 */
function wireClient(url: string, user?: string, retryMs = 50) {
  const welcomes: Welcome[] = [];
  const news: unknown[] = [];
  const closes: number[] = [];
  let session: string | null = null;
  let secret: string | undefined;
  let lastSeq = 0;
  let socket: WebSocket | undefined;
  /** The welcome of the current connection, once it came. */
  let welcomed: Welcome | undefined;
  let stopped = false;
  const open = () => {
    if (stopped) return;
    const current = new WebSocket(user === undefined ? url : `${url}/?user=${user}`);
    socket = current;
    welcomed = undefined;
    current.on('error', () => {});
    current.on('open', () => {
      const data = {
        v: 1,
        session,
        last_seq: lastSeq,
        ...(secret === undefined ? {} : { secret }),
      };
      current.send(JSON.stringify({ type: 'sockguard.hello', data, meta: { request_id: 'h' } }));
    });
    current.on('message', (raw) => {
      const frame = JSON.parse(String(raw)) as {
        type: string;
        data: unknown;
        meta?: { seq?: number };
      };
      if (frame.type === 'sockguard.welcome') {
        const welcome = { ...(frame.data as Welcome), at: performance.now() };
        welcomes.push(welcome);
        welcomed = welcome;
        if (welcome.reason !== 'unavailable') {
          if (welcome.session !== session) lastSeq = welcome.seq;
          session = welcome.session;
          secret = welcome.secret;
        }
      } else if (typeof frame.meta?.seq === 'number') {
        if (frame.meta.seq > lastSeq) lastSeq = frame.meta.seq;
        news.push(frame.data);
      }
    });
    current.on('close', (code) => {
      closes.push(code);
      if (socket === current) setTimeout(open, retryMs);
    });
  };
  open();
  const client = {
    welcomes,
    news,
    closes,
    session: () => session,
    secret: () => secret,
    last: () => welcomes.at(-1),
    /** Open with a welcome that attached it to a session (not an `unavailable` one). */
    ready: () =>
      socket?.readyState === WebSocket.OPEN &&
      welcomed !== undefined &&
      welcomed.reason !== 'unavailable',
    stop() {
      stopped = true;
      socket?.terminate();
    },
  };
  cleanup.push(() => client.stop());
  return client;
}

type Client = ReturnType<typeof wireClient>;

/** One connection, one hello: the frames it got within 200 ms of its welcome. */
async function helloOnce(url: string, user: string, session: string, secret?: string) {
  const socket = new WebSocket(`${url}/?user=${user}`);
  cleanup.push(() => socket.terminate());
  const frames: Array<{ type: string; data: unknown }> = [];
  socket.on('message', (raw) => frames.push(JSON.parse(String(raw))));
  await new Promise((resolve) => socket.once('open', resolve));
  const data = { v: 1, session, last_seq: 0, ...(secret === undefined ? {} : { secret }) };
  socket.send(JSON.stringify({ type: 'sockguard.hello', data, meta: { request_id: 'h' } }));
  await until('welcomed', () => frames.length > 0, 5000);
  await sleep(200);
  socket.terminate();
  return frames;
}

describeRedis('session layer on a real Redis: identity and data loss', () => {
  beforeAll(async () => {
    redis = await startRedisServer();
  }, 20_000);

  afterEach(async () => {
    run++;
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  afterAll(async () => {
    await redis?.close();
  });

  it('session takeover with another principal, from another instance: the open script checks before it claims, so the owner is not disturbed anywhere', async () => {
    const a = await instance(`t${run}:`);
    const b = await instance(`t${run}:`);
    const alice = wireClient(a.url, 'alice');
    await until('alice welcomed', () => alice.ready(), 5000);
    const id = alice.session() as string;
    await a.sessions.send(id, 'news', 'for alice');
    await until('alice got her news', () => alice.news.length === 1, 5000);
    alice.stop(); // away: a takeover would get her replay
    await sleep(50);
    for (const [user, secret, reason] of [
      ['mallory', alice.secret(), 'other_principal'],
      ['alice', 'A'.repeat(43), 'unknown_session'],
      ['alice', undefined, 'unknown_session'],
    ] as const) {
      const frames = await helloOnce(b.url, user, id, secret);
      expect(frames.map((f) => f.type)).toEqual(['sockguard.welcome']); // nothing replayed
      expect(frames[0]?.data).toMatchObject({ resumed: false, reason, seq: 0, acked: 0 });
      expect((frames[0]?.data as Welcome | undefined)?.session).not.toBe(id);
    }
    // Nothing claimed it: alice comes back (to the other instance) and gets her session whole.
    const frames = await helloOnce(b.url, 'alice', id, alice.secret());
    expect(frames[0]?.data).toMatchObject({ session: id, resumed: true, replay: 1 });
    expect(frames[1]?.data).toBe('for alice');
  }, 30_000);

  /**
   * Clients on one instance; Redis restarted empty; the instance's two connections come back in the
   * order given. Every client must end in a NEW session (told `unknown_session`) that numbers sends
   * again, within `boundMs` of the later connection being back.
   */
  async function restartScenario(first: 'subscriber' | 'command') {
    // The later connection comes back after `slow`: with the subscriber later, every client must
    // have moved well before (its `lost` would make them resume anyway, proving nothing).
    const slow = first === 'subscriber' ? 1500 : 3000;
    const fast = 20;
    const node = await instance(`r${run}:`, {
      commandReconnectMs: first === 'command' ? fast : slow,
      subscriberReconnectMs: first === 'subscriber' ? fast : slow,
    });
    const clients = Array.from({ length: 10 }, () => wireClient(node.url));
    await until('every client welcomed', () => clients.every((c) => c.ready()), 10_000);
    const before = clients.map((c) => c.session());
    for (const c of clients) await node.sessions.send(c.session() as string, 'news', 'before');
    await redis.restart(200);
    // The app keeps sending to what it knows as each client's session, as apps do.
    const numbered = new Map<Client, number>();
    const traffic = setInterval(() => {
      for (const c of clients) {
        void node.sessions.send(c.session() as string, 'news', 'after').then((seq) => {
          if (seq !== undefined && c.session() !== before[clients.indexOf(c)]) {
            numbered.set(c, seq);
          }
        });
      }
    }, 100);
    try {
      const tookMs = await until(
        'every client moved to a new session that numbers sends again',
        () => clients.every((c, i) => c.ready() && c.session() !== before[i] && numbered.has(c)),
        first === 'subscriber' ? slow + 3000 : 2000,
      );
      const reasons = clients.map((c) => c.welcomes.slice(1).map((w) => w.reason));
      console.log(
        `\nRedis restarted empty, ${first} connection back first: all 10 clients in a new session ${Math.round(tookMs)} ms after Redis was back; welcomes per client after the first: ${JSON.stringify(reasons[0])}`,
      );
      for (const c of clients) {
        expect(c.welcomes.some((w) => w.reason === 'unknown_session')).toBe(true);
        // The server never welcomed a client into a session it could not read ('unavailable' is
        // followed by a close, never by traffic).
      }
      return tookMs;
    } finally {
      clearInterval(traffic);
    }
  }

  it('Redis restart strands clients (subscriber back before the command connection): every client is told unknown_session and its new session numbers sends', async () => {
    await restartScenario('subscriber');
  }, 30_000);

  it('Redis restart strands clients (command connection back before the subscriber): a send finds each forgotten session at once, before the subscriber is back', async () => {
    await restartScenario('command');
  }, 30_000);

  it('a session the store forgot without any reconnection (FLUSHALL) is found by whichever instance holds it: a send from another instance, or the lease refresh within leaseMs / 3', async () => {
    const holder = await instance(`f${run}:`, { leaseMs: 3000 });
    const other = await instance(`f${run}:`, { leaseMs: 3000 });
    const pushed = wireClient(holder.url);
    const idle = wireClient(holder.url);
    await until('welcomed', () => pushed.ready() && idle.ready(), 5000);
    const before = [pushed.session(), idle.session()];
    await holder.client.sendCommand(['FLUSHALL']);
    const flushed = performance.now();
    // A send from the instance that does not hold it: numbered nowhere, and the holder is told.
    expect(await other.sessions.send(pushed.session() as string, 'news', 'lost')).toBeUndefined();
    const byAppend = await until(
      'the pushed-to client in a new session',
      () => pushed.ready() && pushed.session() !== before[0],
      1000,
    );
    // No traffic at all: the holder's lease refresh (every leaseMs / 3 = 1 s) finds it.
    const byLease = await until(
      'the idle client in a new session',
      () => idle.ready() && idle.session() !== before[1],
      1000 + 1500,
    );
    console.log(
      `\nFLUSHALL under 2 instances: the client sent to from the other instance was in a new session after ${Math.round(byAppend)} ms, the idle one after ${Math.round(performance.now() - flushed)} ms (lease refresh every 1000 ms)`,
    );
    void byLease;
    for (const c of [pushed, idle]) {
      expect(c.last()).toMatchObject({ resumed: false, reason: 'unknown_session' });
      expect(await other.sessions.send(c.session() as string, 'news', 'again')).toBe(1);
    }
    await until(
      'the news arrived',
      () => pushed.news.includes('again') && idle.news.includes('again'),
      5000,
    );
  }, 30_000);
});
