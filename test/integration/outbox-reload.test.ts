// @vitest-environment node
// The durable outbox (issue 22) against createSessionServer on a real `ws` server, with the
// IndexedDB storage over fake-indexeddb: a page that goes without a word (its socket never closed,
// its link cut) and the next page load on the same database. The server's own log says what was
// processed, by whom, how often and in which order.
import type { AddressInfo } from 'node:net';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { createSocket, delivery, type Socket } from '../../src/index.js';
import { durable, indexedDbOutbox, indexedDbStorage } from '../../src/outbox/index.js';
import { createSessionServer, type SessionServer } from '../../src/server/index.js';

let wss: WebSocketServer | undefined;
let sessions: SessionServer<WebSocket> | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  sessions?.close();
  const server = wss;
  wss = undefined;
  if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
});

const until = async (check: () => boolean, ms = 15_000, state = () => '') => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting: ${state()}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

/** A server whose connections say who is on them (`?user=`), logging what it processes. */
async function server(options: { dropAcks?: () => boolean } = {}) {
  const processed: Array<{ user: string; n: number }> = [];
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss?.once('listening', () => resolve()));
  sessions = createSessionServer<WebSocket>({
    onMessage(envelope, session) {
      if (envelope.type === 'chat')
        processed.push({ user: String(session.principal), n: (envelope.data as { n: number }).n });
    },
  });
  wss.on('connection', (ws, request) => {
    // A link that loses the server's acks (frozen before them): what the client sends arrives.
    const send = ws.send.bind(ws);
    ws.send = ((data: unknown, ...rest: unknown[]) => {
      if (options.dropAcks?.() && String(data).includes('"sockguard.ack"')) return;
      (send as (...args: unknown[]) => void)(data, ...rest);
    }) as typeof ws.send;
    const user = new URL(request.url ?? '/', 'http://x').searchParams.get('user') ?? '';
    sessions?.accept(ws, { principal: user });
  });
  const { port } = wss.address() as AddressInfo;
  return { processed, url: (user: string) => `ws://127.0.0.1:${port}/?user=${user}` };
}

/** A port nothing listens on: a page that is offline. */
const NOWHERE = 'ws://127.0.0.1:9/';

/** A page load: a socket with delivery and an outbox on `db` (the browser's IndexedDB). */
function page(db: IDBFactory, user: string, url: () => string) {
  const storage = indexedDbStorage({ indexedDB: db, IDBKeyRange });
  const socket = createSocket({
    url,
    WebSocket: WebSocket as never,
    environment: false,
    heartbeat: false,
    backoff: { baseMs: 20, floorMs: 10, capMs: 50 },
    delivery: delivery({ outbox: indexedDbOutbox({ user, storage, locks: null }) }),
  });
  sockets.push(socket);
  return socket;
}

const sendAll = (socket: Socket, from: number, to: number) => {
  const durables: Array<Promise<boolean>> = [];
  for (let n = from; n <= to; n++) durables.push(durable(socket.send('chat', { n })));
  return Promise.all(durables);
};

describe('durable outbox: a page that goes, and the next one', () => {
  it('offline, send 20, reload, online: the server processes the 20 once each, in order, then the new page’s own', async () => {
    const s = await server();
    const db = new IDBFactory();
    const first = page(db, 'ann', () => NOWHERE);
    expect(await sendAll(first, 1, 20)).toEqual(Array(20).fill(true));
    // The page goes: its socket is never closed, it just stops mattering (it never connects).
    const next = page(db, 'ann', () => s.url('ann'));
    await sendAll(next, 21, 25);
    await until(
      () => s.processed.length >= 25,
      15_000,
      () => JSON.stringify(s.processed),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(s.processed.map((p) => p.n)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(new Set(s.processed.map((p) => p.user))).toEqual(new Set(['ann']));
  });

  it('sent and processed, the acks never came, the page went: the next page resumes the session and nothing is processed twice', async () => {
    // The acks are lost on the way: the 20 are processed, and the page never hears of it.
    let gone = false;
    const s = await server({ dropAcks: () => !gone });
    const db = new IDBFactory();
    const first = page(db, 'ann', () => (gone ? NOWHERE : s.url('ann')));
    expect(await sendAll(first, 1, 20)).toEqual(Array(20).fill(true));
    await until(() => s.processed.length === 20);
    gone = true;
    for (const ws of wss?.clients ?? []) ws.terminate();
    const next = page(db, 'ann', () => s.url('ann'));
    await sendAll(next, 21, 22);
    await until(
      () => s.processed.length >= 22,
      15_000,
      () => JSON.stringify(s.processed),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(s.processed.map((p) => p.n)).toEqual(Array.from({ length: 22 }, (_, i) => i + 1));
  });

  it('another user on the same device never sends what was kept for the first', async () => {
    const s = await server();
    const db = new IDBFactory();
    const ann = page(db, 'ann', () => NOWHERE);
    expect(await sendAll(ann, 1, 5)).toEqual(Array(5).fill(true));
    const bob = page(db, 'bob', () => s.url('bob'));
    await sendAll(bob, 100, 101);
    await until(() => s.processed.length >= 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(s.processed).toEqual([
      { user: 'bob', n: 100 },
      { user: 'bob', n: 101 },
    ]);
  });
});
