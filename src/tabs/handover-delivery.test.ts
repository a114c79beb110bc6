// @vitest-environment node
/**
 * A leader handover with delivery on, against the real session server (`createSessionServer` on
 * `ws`), the tabs' locks and channel in memory. The leader crashes (no unload: its lock freed, its
 * channel and socket cut) after its socket wrote the followers' sends and before the server
 * acknowledged them, while a request waits for its reply and the server pushes on. The new leader
 * resumes the session: the server processed each send exactly once, every tab's handlers saw
 * each push exactly once (those pushed during the handover too), and the request settled.
 */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { memoryChannels, memoryLocks } from '../../test/support/tabs.js';
import { createSocket } from '../core/socket.js';
import type { Socket } from '../core/types.js';
import { delivery, deliveryOf } from '../delivery/plugin.js';
import type { Envelope } from '../protocol/envelope.js';
import { request } from '../request/request.js';
import { createSessionServer, type Session, type SessionServer } from '../server/index.js';
import { shareTabs } from './plugin.js';
import { tabRole } from './shared-socket.js';
import type { ChannelLike } from './wire.js';

let wss: WebSocketServer | undefined;
let sessions: SessionServer<WebSocket> | undefined;
const tabs: Socket[] = [];

afterEach(async () => {
  for (const tab of tabs.splice(0)) tab.close();
  sessions?.close();
  const server = wss;
  wss = undefined;
  if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
});

const until = async (check: () => boolean, state = () => '', ms = 10_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting: ${state()}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

/** A tab's WebSocket class, and its crash: every socket cut, and no connection after. */
function crashable() {
  let dead = false;
  const made: WebSocket[] = [];
  class TabWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      // A dead tab runs no code: its socket's retries go nowhere.
      super(dead ? 'ws://127.0.0.1:9' : url, protocols);
      this.on('error', () => {});
      made.push(this);
    }
  }
  return {
    WebSocket: TabWebSocket,
    crash() {
      dead = true;
      for (const ws of made) ws.terminate();
    },
  };
}

describe('tabs with delivery: a leader crash loses nothing and doubles nothing', () => {
  it('sends written before the crash are processed once; pushes during the handover reach every tab once', async () => {
    const arrived = new Map<string, number>();
    let session: Session | undefined;
    /** While set, the server holds the frames it got: processed (and acknowledged) later. */
    let gate: Promise<void> | null = null;
    let openGate = () => {};
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss?.once('listening', () => resolve()));
    sessions = createSessionServer<WebSocket>({
      async onMessage(envelope, s) {
        session = s;
        if (envelope.type === 'hi') return;
        const held = gate;
        if (held) await held;
        if (envelope.type === 'msg') {
          const id = String((envelope.data as { id: string }).id);
          arrived.set(id, (arrived.get(id) ?? 0) + 1);
        }
        if (envelope.type === 'ask') {
          // Answered later: after the crash, so the reply waits in the session's history.
          setTimeout(() => void s.reply(envelope, 'answer', envelope.data), 150);
        }
      },
      onError: (error) => {
        throw new Error(`server ${error.kind} ${error.operation}: ${String(error.error)}`);
      },
    });
    wss.on('connection', (ws) => sessions?.accept(ws, { anonymous: true }));
    const { port } = wss.address() as AddressInfo;

    const locks = memoryLocks();
    const bus = memoryChannels();
    const channels: ChannelLike[][] = [];
    const sockets = [crashable(), crashable(), crashable()];
    const seen: number[][] = [];
    sockets.forEach((made, index) => {
      channels[index] = [];
      const tab = createSocket({
        url: `ws://127.0.0.1:${port}`,
        WebSocket: made.WebSocket as never,
        environment: false,
        heartbeat: false,
        backoff: { baseMs: 10, floorMs: 5, capMs: 40 },
        delivery: delivery({ ackTimeoutMs: 5000 }),
        tabs: shareTabs({
          locks,
          channel: (name) => {
            const channel = bus.open(name);
            channels[index]?.push(channel);
            return channel;
          },
        }),
      });
      tabs.push(tab);
      seen[index] = [];
      tab.on('push', (e: Envelope) => seen[index]?.push((e.data as { i: number }).i));
    });
    await until(() => tabs.every((t) => deliveryOf(t).getSnapshot().mode === 'on'));
    expect(tabs.map(tabRole)).toEqual(['leader', 'follower', 'follower']);
    tabs[1]?.send('hi', null); // the server's session object, to push with
    await until(() => session !== undefined);
    for (let i = 1; i <= 5; i++) await session?.send('push', { i });
    await until(
      () => seen.every((s) => s.length === 5),
      () => JSON.stringify(seen),
    );

    // The followers' work reaches the server, which holds it unprocessed (so unacknowledged).
    gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    const receipts: Promise<unknown>[] = [];
    for (let i = 1; i <= 10; i++) {
      for (const t of [1, 2]) {
        const result = tabs[t]?.send('msg', { id: `before-${t}-${i}` });
        if (result?.status !== 'rejected' && result?.delivered) receipts.push(result.delivered);
      }
    }
    const answer = request(tabs[2] as Socket, 'ask', { q: 1 }, { timeoutMs: 8000 });
    await new Promise((resolve) => setTimeout(resolve, 100));

    // The crash: the leader's tab stops at once, no unload, no close frame.
    for (const channel of channels[0] ?? []) channel.close();
    locks.crash(`sockguard:ws://127.0.0.1:${port}`);
    sockets[0]?.crash();
    // The server goes on pushing while no tab holds the connection.
    for (let i = 6; i <= 10; i++) await session?.send('push', { i });
    openGate();
    gate = null;

    await until(() => tabRole(tabs[1] as Socket) === 'leader');
    for (let i = 1; i <= 5; i++) {
      for (const t of [1, 2]) tabs[t]?.send('msg', { id: `after-${t}-${i}` });
    }
    for (let i = 11; i <= 12; i++) await session?.send('push', { i });
    const state = () =>
      JSON.stringify({ arrived: [...arrived.values()].length, seen: seen.slice(1) });
    await until(
      () => arrived.size === 30 && seen[1]?.length === 12 && seen[2]?.length === 12,
      state,
    );
    await expect(Promise.all(receipts)).resolves.toHaveLength(20);
    await expect(answer).resolves.toMatchObject({ data: { q: 1 } });
    // A while more: a repeat would arrive now.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect([...arrived.values()].filter((count) => count !== 1)).toEqual([]);
    expect(arrived.size).toBe(30);
    const pushes = Array.from({ length: 12 }, (_, k) => k + 1);
    expect(seen[1]).toEqual(pushes);
    expect(seen[2]).toEqual(pushes);
  }, 20_000);
});
