// @vitest-environment node
// The session layer (sockguard/server) on a real `ws` server, driven by raw `ws` clients that
// speak the wire protocol of docs/protocol.md "Delivery" by hand: no sockguard client involved.
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import {
  createMemoryHistory,
  createSessionServer,
  type MemoryHistoryOptions,
  type Session,
  type SessionServer,
  type SessionServerOptions,
} from '../../src/server/index.js';

interface Frame {
  type: string;
  data?: unknown;
  meta?: { seq?: number; request_id?: string };
}

interface Client {
  socket: WebSocket;
  frames: Frame[];
  opened: Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
  send(frame: unknown): void;
  /** Resolves once `count` frames matching `predicate` arrived. */
  waitFor(predicate: (frame: Frame) => boolean, count?: number): Promise<Frame[]>;
}

let wss: WebSocketServer | undefined;
let sessions: SessionServer<WebSocket> | undefined;
let url = '';
const clients: WebSocket[] = [];

afterEach(async () => {
  for (const socket of clients.splice(0)) socket.terminate();
  sessions?.close();
  const server = wss;
  wss = undefined;
  if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** A real server: every client frame goes to `onMessage`; by default chat is echoed as a reply. */
async function serve(
  options: Partial<SessionServerOptions<WebSocket>> = {},
  history?: MemoryHistoryOptions,
): Promise<{ processed: Frame[]; sessions: SessionServer<WebSocket> }> {
  const processed: Frame[] = [];
  const server = createSessionServer<WebSocket>({
    onMessage: (envelope, session) => {
      processed.push(envelope as Frame);
      void session.reply(envelope, 'echo', envelope.data);
    },
    history: createMemoryHistory(history),
    onError: (error) => {
      throw new Error(`unexpected ${error.kind} ${error.operation} failure`);
    },
    ...options,
  });
  sessions = server;
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 1 << 20 });
  await new Promise<void>((resolve) => wss?.once('listening', () => resolve()));
  // The test's stand-in for authentication: `?user=` names the principal, none is anonymous.
  wss.on('connection', (socket, request) => {
    const user = new URL(request.url ?? '/', 'http://x').searchParams.get('user');
    server.accept(socket, user === null ? { anonymous: true } : { principal: user });
  });
  url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
  return { processed, sessions: server };
}

function connect(user?: string): Client {
  const socket = new WebSocket(user === undefined ? url : `${url}/?user=${user}`);
  clients.push(socket);
  socket.on('error', () => {});
  const frames: Frame[] = [];
  const waiters = new Set<() => void>();
  socket.on('message', (data) => {
    frames.push(JSON.parse(String(data)) as Frame);
    for (const waiter of [...waiters]) waiter();
  });
  const opened = new Promise<void>((resolve) => socket.once('open', () => resolve()));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  const waitFor: Client['waitFor'] = (predicate, count = 1) =>
    new Promise((resolve) => {
      const check = () => {
        const found = frames.filter(predicate);
        if (found.length >= count) {
          waiters.delete(check);
          resolve(found);
        }
      };
      waiters.add(check);
      check();
    });
  const send = (frame: unknown) => socket.send(JSON.stringify(frame));
  return { socket, frames, opened, closed, send, waitFor };
}

const isWelcome = (f: Frame) => f.type === 'sockguard.welcome';
const isAck = (f: Frame) => f.type === 'sockguard.ack';
const welcomeData = (f: Frame | undefined) =>
  f?.data as {
    session: string;
    resumed: boolean;
    seq: number;
    acked: number;
    replay?: number;
    reason?: string;
    secret: string;
  };

/** The resume secret of each session, from its welcomes (what a client keeps). */
const secrets = new Map<string, string>();

/** Opens a connection with a hello (and the session's secret when it has one) and waits for its welcome. */
async function join(session: string | null = null, lastSeq = 0, user?: string) {
  const client = connect(user);
  await client.opened;
  const secret = session === null ? undefined : secrets.get(session);
  client.send({
    type: 'sockguard.hello',
    data: { v: 1, session, last_seq: lastSeq, ...(secret === undefined ? {} : { secret }) },
    meta: { request_id: 'hello-1' },
  });
  const [welcome] = await client.waitFor(isWelcome);
  const data = welcomeData(welcome);
  secrets.set(data.session, data.secret);
  return { client, welcome: data };
}

const chat = (seq: number, text: string) => ({
  type: 'chat',
  data: text,
  meta: { seq, request_id: `r${seq}` },
});

describe('session layer over a real ws server', () => {
  it('welcomes a hello first, with a new session, and acks the sends cumulatively', async () => {
    await serve();
    const { client, welcome } = await join();
    expect(client.frames[0]).toMatchObject({
      type: 'sockguard.welcome',
      meta: { request_id: 'hello-1' },
    });
    expect(welcome).toMatchObject({ resumed: false, seq: 0, acked: 0 });
    expect(welcome.session).toMatch(/^[0-9a-f-]{36}$/);
    for (const seq of [1, 2, 3]) client.send(chat(seq, `m${seq}`));
    const echoes = await client.waitFor((f) => f.type === 'echo', 3);
    expect(echoes.map((f) => [f.data, f.meta?.seq, f.meta?.request_id])).toEqual([
      ['m1', 1, 'r1'],
      ['m2', 2, 'r2'],
      ['m3', 3, 'r3'],
    ]);
    const acks = await client.waitFor((f) => isAck(f) && (f.data as { seq: number }).seq === 3);
    expect(acks).toHaveLength(1);
    // Batched: far fewer acks than frames on loopback, and never a lower one after a higher one.
    const all = client.frames.filter(isAck).map((f) => (f.data as { seq: number }).seq);
    expect(all).toEqual([...all].sort((a, b) => a - b));
  });

  it('replays what a dropped client missed, in order, exactly once, after its last_seq', async () => {
    const { sessions } = await serve();
    const first = await join();
    const session = sessions.get(first.welcome.session) as Session;
    await session.send('news', 1);
    await session.send('news', 2);
    await first.client.waitFor((f) => f.type === 'news', 2);
    first.client.socket.terminate();
    await first.client.closed;
    // Sent while no connection is attached: kept and numbered.
    await session.send('news', 3);
    await session.send('news', 4);
    const second = await join(first.welcome.session, 2);
    expect(second.welcome).toMatchObject({ resumed: true, seq: 4, replay: 2 });
    await session.send('news', 5);
    const news = await second.client.waitFor((f) => f.type === 'news', 3);
    expect(news.map((f) => [f.data, f.meta?.seq])).toEqual([
      [3, 3],
      [4, 4],
      [5, 5],
    ]);
    expect(second.client.frames.filter((f) => f.type === 'news')).toHaveLength(3);
  });

  it('does not process a frame resent after a reconnect, and acks it again', async () => {
    const { processed } = await serve();
    const first = await join();
    first.client.send(chat(1, 'once'));
    await first.client.waitFor((f) => f.type === 'echo');
    first.client.socket.terminate();
    const second = await join(first.welcome.session, 1);
    expect(second.welcome.acked).toBe(1);
    second.client.send(chat(1, 'once')); // a client that did not see the ack resends it
    second.client.send(chat(2, 'twice?'));
    await second.client.waitFor((f) => isAck(f) && (f.data as { seq: number }).seq === 2);
    expect(processed.map((f) => f.data)).toEqual(['once', 'twice?']);
  });

  it('closes the older connection with 1000 when the session connects again', async () => {
    await serve();
    const first = await join();
    const second = await join(first.welcome.session, 0);
    expect(await first.client.closed).toMatchObject({ code: 1000 });
    expect(second.welcome).toMatchObject({ resumed: true, session: first.welcome.session });
    second.client.send(chat(1, 'still works'));
    await second.client.waitFor((f) => f.type === 'echo');
  });

  it('says history_gone when the history was trimmed, and unknown_session for an unknown one', async () => {
    const { sessions } = await serve({}, { maxMessages: 2 });
    const first = await join();
    const session = sessions.get(first.welcome.session) as Session;
    for (const n of [1, 2, 3]) await session.send('news', n);
    first.client.socket.terminate();
    const gone = await join(first.welcome.session, 0);
    expect(gone.welcome).toMatchObject({
      session: first.welcome.session,
      resumed: false,
      seq: 3,
      reason: 'history_gone',
    });
    const unknown = await join('no-such-session', 7);
    expect(unknown.welcome).toMatchObject({ resumed: false, seq: 0, reason: 'unknown_session' });
    expect(unknown.welcome.session).not.toBe('no-such-session');
  });

  it('serves a client without the extension as before: replies unnumbered, pings answered, no acks', async () => {
    await serve();
    const client = connect();
    await client.opened;
    client.send({ type: 'ping' });
    client.send({ type: 'chat', data: 'plain', meta: { request_id: 'p1' } });
    const [echo] = await client.waitFor((f) => f.type === 'echo');
    expect(echo).toEqual({ type: 'echo', data: 'plain', meta: { request_id: 'p1' } });
    expect(client.frames[0]).toEqual({ type: 'pong' });
    client.send('{oops');
    const [error] = await client.waitFor((f) => f.type === 'error');
    expect(error).toMatchObject({
      data: { code: 4000, message: 'Bad request: not a valid envelope' },
    });
    expect(error?.meta?.seq).toBeUndefined();
    expect(client.frames.some((f) => f.type.startsWith('sockguard.'))).toBe(false);
  });

  it('keeps serving a session whose onMessage throws', async () => {
    const errors: string[] = [];
    await serve({
      onMessage: (envelope, session) => {
        if (envelope.data === 'boom') throw new Error('boom');
        void session.reply(envelope, 'echo', envelope.data);
      },
      onError: (error) => errors.push(`${error.kind} ${error.operation}`),
    });
    const { client } = await join();
    client.send(chat(1, 'boom'));
    client.send(chat(2, 'after'));
    const [echo] = await client.waitFor((f) => f.type === 'echo');
    expect(echo?.data).toBe('after');
    await client.waitFor((f) => isAck(f) && (f.data as { seq: number }).seq === 2);
    expect(errors).toEqual(['callback onMessage']);
  });

  it('forgets a session sessionTtlMs after its connection closed', async () => {
    const ended: Array<string | undefined> = [];
    const { sessions } = await serve({ sessionTtlMs: 50, onSessionEnd: (s) => ended.push(s.id) });
    const first = await join();
    first.client.socket.close();
    await first.client.closed;
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(sessions.get(first.welcome.session)).toBeUndefined();
    expect(ended).toEqual([first.welcome.session]);
    const again = await join(first.welcome.session, 0);
    expect(again.welcome).toMatchObject({ resumed: false, reason: 'unknown_session' });
  });
});
