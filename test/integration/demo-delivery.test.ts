// @vitest-environment node
// The demo server (demo/server.ts) through its session layer, driven by raw `ws` clients that speak
// the delivery extension by hand (docs/protocol.md "Delivery"). Plain clients: demo-server.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type DemoOptions, type DemoServer, startDemoServer } from '../../demo/server.js';

interface Frame {
  type: string;
  data?: Record<string, unknown>;
  meta?: { seq?: number; request_id?: string };
}

let demo: DemoServer | undefined;
const sockets: WebSocket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate();
  await demo?.close();
  demo = undefined;
});

async function start(options: DemoOptions = {}): Promise<DemoServer> {
  demo = await startDemoServer({ port: 0, ...options });
  return demo;
}

function connect(server: DemoServer) {
  const socket = new WebSocket(`${server.url}/?token=valid-test`);
  sockets.push(socket);
  socket.on('error', () => {});
  const frames: Frame[] = [];
  const waiters = new Set<() => void>();
  socket.on('message', (data) => {
    frames.push(JSON.parse(String(data)) as Frame);
    for (const waiter of [...waiters]) waiter();
  });
  const opened = new Promise<void>((resolve) => socket.once('open', () => resolve()));
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  const next = (predicate: (frame: Frame) => boolean) =>
    new Promise<Frame>((resolve) => {
      const check = () => {
        const found = frames.find(predicate);
        if (found) {
          waiters.delete(check);
          resolve(found);
        }
      };
      waiters.add(check);
      check();
    });
  const send = (frame: unknown) => socket.send(JSON.stringify(frame));
  return { socket, frames, opened, closed, next, send };
}

/** The resume secret of each session, from its welcome: a resume sends it back. */
const secrets = new Map<string, unknown>();

async function hello(server: DemoServer, session: string | null = null, lastSeq = 0) {
  const client = connect(server);
  await client.opened;
  const secret = session === null ? undefined : secrets.get(session);
  client.send({
    type: 'sockguard.hello',
    data: { v: 1, session, last_seq: lastSeq, ...(secret === undefined ? {} : { secret }) },
    meta: { request_id: 'h' },
  });
  const welcome = await client.next((f) => f.type === 'sockguard.welcome');
  const data = welcome.data as Record<string, unknown> & { session: string };
  secrets.set(data.session, data.secret);
  return { ...client, welcome: data };
}

const ackOf = (seq: number) => (f: Frame) => f.type === 'sockguard.ack' && f.data?.seq === seq;

describe('demo server with delivery on', () => {
  it('numbers replies, acks the client sends, and answers pings unnumbered', async () => {
    const server = await start();
    const alice = await hello(server);
    expect(alice.welcome).toMatchObject({ v: 1, resumed: false, seq: 0, acked: 0 });
    alice.send({ type: 'join', data: { room: 'general' }, meta: { request_id: 'j', seq: 1 } });
    alice.send({ type: 'ping' });
    const joined = await alice.next((f) => f.type === 'joined');
    expect(joined.meta).toEqual({ request_id: 'j', seq: 1 });
    await alice.next(ackOf(1));
    expect(await alice.next((f) => f.type === 'pong')).toEqual({ type: 'pong' });
  });

  it('keeps what is said in a room while the client is away and replays it on resume', async () => {
    const server = await start();
    const alice = await hello(server);
    alice.send({ type: 'join', data: { room: 'general' }, meta: { request_id: 'j', seq: 1 } });
    await alice.next((f) => f.type === 'joined');
    alice.socket.terminate();
    await alice.closed;
    const bob = connect(server); // a plain client
    await bob.opened;
    bob.send({
      type: 'chat',
      data: { room: 'general', text: 'while away' },
      meta: { request_id: 'b' },
    });
    await bob.next((f) => f.type === 'chat');
    const back = await hello(server, alice.welcome.session, 1);
    expect(back.welcome).toMatchObject({
      session: alice.welcome.session,
      resumed: true,
      replay: 1,
    });
    const missed = await back.next((f) => f.type === 'chat');
    expect(missed).toMatchObject({ data: { text: 'while away' }, meta: { seq: 2 } });
    expect(bob.frames.at(-1)?.meta).toEqual({ request_id: 'b' });
    // Its first frame hands the new socket the old one's rooms: still a member once.
    back.send({ type: 'ping' });
    await back.next((f) => f.type === 'pong');
    bob.send({ type: 'chat', data: { room: 'general', text: 'again' } });
    await back.next((f) => f.data?.text === 'again');
    back.send({ type: 'join', data: { room: 'random' }, meta: { request_id: 'late' } });
    await back.next((f) => f.meta?.request_id === 'late'); // after any second copy would have come
    expect(back.frames.filter((f) => f.data?.text === 'again')).toHaveLength(1);
  });

  it('does not run a chat twice when the client resends it after a restart', async () => {
    const server = await start({ restartPauseMs: 50 });
    const alice = await hello(server);
    const watcher = connect(server);
    await watcher.opened;
    watcher.send({ type: 'join', data: { room: 'random' } });
    await watcher.next((f) => f.type === 'joined');
    const chat = { type: 'chat', data: { room: 'random', text: 'once' }, meta: { seq: 1 } };
    alice.send(chat);
    await alice.next(ackOf(1));
    await fetch(`${server.httpUrl}/control/restart`, { method: 'POST' });
    expect(await alice.closed).toBe(1012);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const back = await hello(server, alice.welcome.session, 0);
    expect(back.welcome).toMatchObject({ acked: 1 });
    back.send(chat);
    await back.next(ackOf(1));
    expect(watcher.frames.filter((f) => f.data?.text === 'once')).toHaveLength(1);
  });

  it('tells a client to resync when the history cannot serve it (history option)', async () => {
    const server = await start({ history: { maxMessages: 1 } });
    const alice = await hello(server);
    alice.send({ type: 'join', data: { room: 'general' }, meta: { request_id: 'j', seq: 1 } });
    alice.send({ type: 'chat', data: { room: 'general', text: 'a' }, meta: { seq: 2 } });
    await alice.next((f) => f.data?.text === 'a');
    alice.socket.terminate();
    await alice.closed;
    const back = await hello(server, alice.welcome.session, 0);
    expect(back.welcome).toMatchObject({
      resumed: false,
      reason: 'history_gone',
      seq: 2,
      acked: 2,
    });
  });
});
