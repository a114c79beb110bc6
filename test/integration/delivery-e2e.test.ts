// @vitest-environment node
// The sockguard client with delivery() against createSessionServer on a real `ws` server, while
// the server kills the link again and again mid-stream: every message in both directions arrives
// once and in order, and every receipt and request settles.
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { deliveryOf } from '../../src/delivery/plugin.js';
import { createSocket, delivery, type Socket } from '../../src/index.js';
import { request } from '../../src/request/request.js';
import { createSessionServer, type Session, type SessionServer } from '../../src/server/index.js';

let wss: WebSocketServer | undefined;
let sessions: SessionServer<WebSocket> | undefined;
let client: Socket | undefined;

afterEach(async () => {
  client?.close();
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

describe('delivery end to end: sockguard client and sockguard/server sessions over real ws', () => {
  it('across repeated link kills, nothing is lost or doubled in either direction', async () => {
    const arrived: number[] = [];
    let session: Session | undefined;
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss?.once('listening', () => resolve()));
    sessions = createSessionServer<WebSocket>({
      onMessage(envelope, s) {
        session = s;
        const data = envelope.data as { i?: number };
        if (envelope.type === 'msg' && typeof data.i === 'number') arrived.push(data.i);
        if (envelope.type === 'ask') void s.reply(envelope, 'answer', data);
      },
      onError: (error) => {
        throw new Error(`server ${error.kind} ${error.operation}: ${String(error.error)}`);
      },
    });
    wss.on('connection', (ws) => sessions?.accept(ws, { anonymous: true }));
    const { port } = wss.address() as AddressInfo;

    const seen: number[] = [];
    client = createSocket({
      url: `ws://127.0.0.1:${port}`,
      WebSocket: WebSocket as never,
      environment: false,
      heartbeat: false,
      backoff: { baseMs: 10, floorMs: 5, capMs: 40 },
      delivery: delivery({ ackTimeoutMs: 2000 }),
      maxQueue: 2000,
    });
    client.on('push', (e) => seen.push((e.data as { i: number }).i));
    await until(() => client !== undefined && deliveryOf(client).getSnapshot().mode === 'on');

    const SENDS = 600;
    const PUSHES = 600;
    const receipts: Promise<unknown>[] = [];
    const replies: Promise<unknown>[] = [];
    let kills = 0;
    let pushed = 0;
    for (let i = 1; i <= SENDS; i++) {
      const result = client.send('msg', { i });
      expect(result.status).not.toBe('rejected');
      if (result.status !== 'rejected' && result.delivered) receipts.push(result.delivered);
      if (i % 50 === 0) replies.push(request(client, 'ask', { i }, { timeoutMs: 30_000 }));
      if (session && pushed < PUSHES) void session.send('push', { i: ++pushed });
      // Kill the link every 75 messages: whatever is in flight either way is cut off.
      if (i % 75 === 0) {
        for (const ws of wss.clients) ws.terminate();
        kills += 1;
      }
      if (i % 25 === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    }
    while (pushed < PUSHES) void session?.send('push', { i: ++pushed });
    const state = () =>
      JSON.stringify({
        arrived: arrived.length,
        seen: seen.length,
        status: client?.getSnapshot().status,
        delivery: client ? deliveryOf(client).getSnapshot() : undefined,
        faults: client?.errors.getState().history.map((f) => f.code),
      });
    // A bound on liveness, not a timing claim: with both cores busy 15 s was seen too short once.
    await until(() => seen.length >= PUSHES && arrived.length >= SENDS, 25_000, state);
    await Promise.all(receipts);
    await Promise.all(replies);

    expect(kills).toBe(8);
    expect(arrived).toEqual(Array.from({ length: SENDS }, (_, k) => k + 1));
    expect(seen).toEqual(Array.from({ length: PUSHES }, (_, k) => k + 1));
    expect(deliveryOf(client).getSnapshot()).toMatchObject({ mode: 'on', unacked: 0 });
    expect(client.errors.getState().history.filter((f) => f.code === 'resync')).toHaveLength(0);
  }, 45_000);
});
