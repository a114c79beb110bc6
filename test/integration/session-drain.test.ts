// @vitest-environment node
// createSessionServer.drain(): a deploy that lets slow async handlers finish. Two layers share one
// history (as instances share Redis); the first drains while handlers run, the client moves to the
// second. With close() a frame being handled is left unacknowledged and runs again on the next
// instance; with drain() every frame is handled exactly once and every reply arrives.
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { deliveryOf } from '../../src/delivery/plugin.js';
import { createSocket, delivery, type Socket } from '../../src/index.js';
import { request } from '../../src/request/request.js';
import {
  createMemoryHistory,
  createSessionServer,
  type MemoryHistory,
  type SessionServer,
} from '../../src/server/index.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const undo of cleanup.splice(0)) undo();
});

const until = async (check: () => boolean, ms = 10_000, state = () => '') => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting: ${state()}`);
    await sleep(5);
  }
};

interface Instance {
  readonly layer: SessionServer<WebSocket>;
  readonly port: number;
  readonly wss: WebSocketServer;
}

/** One instance whose handler of `req` takes `handleMs` (or never ends) and counts each run. */
async function instance(
  history: MemoryHistory,
  handled: Map<string, number>,
  handleMs: number | 'never',
): Promise<Instance> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => wss.once('listening', resolve));
  const layer = createSessionServer<WebSocket>({
    history,
    onError: () => {},
    onMessage: async (envelope, session) => {
      if (envelope.type !== 'req') return;
      const { n } = envelope.data as { n: string };
      handled.set(n, (handled.get(n) ?? 0) + 1);
      if (handleMs === 'never') await new Promise(() => {});
      else await sleep(handleMs);
      await session.reply(envelope, 'reply', { n });
    },
  });
  wss.on('connection', (ws) => layer.accept(ws, { anonymous: true }));
  cleanup.push(() => {
    layer.close();
    wss.close();
  });
  return { layer, port: (wss.address() as AddressInfo).port, wss };
}

interface Frame {
  type: string;
  data?: Record<string, unknown>;
  meta?: Record<string, unknown>;
}

async function rawClient(port: number) {
  const frames: Frame[] = [];
  const ws = new WebSocket(`ws://127.0.0.1:${port}`);
  let closedWith: number | undefined;
  ws.on('message', (data) => frames.push(JSON.parse(String(data)) as Frame));
  ws.on('close', (code) => {
    closedWith = code;
  });
  await new Promise((resolve) => ws.once('open', resolve));
  cleanup.push(() => ws.terminate());
  // A client sends back the resume secret of the session it names (from that session's welcome).
  const hello = (session: unknown, lastSeq = 0, secret?: unknown) =>
    ws.send(
      JSON.stringify({
        type: 'sockguard.hello',
        data: { v: 1, session, last_seq: lastSeq, ...(secret === undefined ? {} : { secret }) },
        meta: { request_id: 'h' },
      }),
    );
  const req = (n: string, seq: number) =>
    ws.send(JSON.stringify({ type: 'req', data: { n }, meta: { request_id: n, seq } }));
  return {
    ws,
    frames,
    hello,
    req,
    closedWith: () => closedWith,
    welcome: () => frames.find((f) => f.type === 'sockguard.welcome')?.data,
  };
}

describe('SessionServer.drain(): a graceful stop for deploys', () => {
  it('finishes the frame being handled (reply and ack out before the close), leaves the next unacknowledged, and the next instance handles that one once', async () => {
    const history = createMemoryHistory();
    const handled = new Map<string, number>();
    const a = await instance(history, handled, 60);
    const first = await rawClient(a.port);
    first.hello(null);
    await until(() => first.welcome() !== undefined);
    first.req('r1', 1);
    first.req('r2', 2);
    await until(() => handled.get('r1') === 1);

    const result = await a.layer.drain();
    expect(result).toEqual({ complete: true });
    await until(() => first.closedWith() !== undefined);
    expect(first.closedWith()).toBe(1001);
    // The reply, then the ack of r1 only, both before the close frame.
    const after = first.frames.filter((f) => f.type !== 'sockguard.welcome');
    expect(after.map((f) => f.type)).toEqual(['reply', 'sockguard.ack']);
    expect(after[1]?.data).toEqual({ seq: 1 });
    expect(handled.get('r2')).toBeUndefined();

    // The client resumes on the next instance and sends both again, as it does for unacked frames.
    const b = await instance(history, handled, 0);
    const second = await rawClient(b.port);
    // It saw the reply of r1 (server seq 1): nothing to replay.
    expect(after[0]?.meta).toMatchObject({ seq: 1 });
    second.hello(first.welcome()?.session, 1, first.welcome()?.secret);
    await until(() => second.welcome() !== undefined);
    expect(second.welcome()).toMatchObject({ resumed: true, acked: 1, seq: 1 });
    second.req('r1', 1);
    second.req('r2', 2);
    await until(() => second.frames.some((f) => f.type === 'reply'));
    await sleep(30);
    expect(Object.fromEntries(handled)).toEqual({ r1: 1, r2: 1 });
    expect(second.frames.filter((f) => f.type === 'reply').map((f) => f.data)).toEqual([
      { n: 'r2' },
    ]);
  });

  it('closes anyway after timeoutMs when a handler never ends, and says so (complete: false)', async () => {
    const history = createMemoryHistory();
    const handled = new Map<string, number>();
    const a = await instance(history, handled, 'never');
    const client = await rawClient(a.port);
    client.hello(null);
    await until(() => client.welcome() !== undefined);
    client.req('stuck', 1);
    await until(() => handled.get('stuck') === 1);
    const started = Date.now();
    expect(await a.layer.drain({ timeoutMs: 40 })).toEqual({ complete: false });
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);
    await until(() => client.closedWith() !== undefined);
    // Not acknowledged: the next instance must be allowed to handle it.
    expect(client.frames.some((f) => f.type === 'sockguard.ack')).toBe(false);
  });

  it('turns away new connections and hellos while it drains, and returns the same Promise when called again', async () => {
    const history = createMemoryHistory();
    const handled = new Map<string, number>();
    const a = await instance(history, handled, 80);
    const busy = await rawClient(a.port);
    busy.hello(null);
    await until(() => busy.welcome() !== undefined);
    busy.req('slow', 1);
    await until(() => handled.get('slow') === 1);
    const idle = await rawClient(a.port);
    const draining = a.layer.drain();
    expect(a.layer.drain()).toBe(draining);
    idle.hello(null);
    const late = await rawClient(a.port).catch(() => undefined);
    await until(() => idle.closedWith() !== undefined && late?.closedWith() !== undefined);
    expect(idle.closedWith()).toBe(1001);
    expect(idle.welcome()).toBeUndefined();
    expect(late?.closedWith()).toBe(1001);
    expect(await draining).toEqual({ complete: true });
    await until(() => busy.closedWith() !== undefined);
    expect(busy.frames.some((f) => f.type === 'reply')).toBe(true);
  });

  it('checks its options, naming the option', () => {
    const layer = createSessionServer({ onMessage: () => {} });
    cleanup.push(() => layer.close());
    expect(() => layer.drain({ timeoutMs: -1 })).toThrow(
      /drain: timeoutMs must be an integer from 0 to 2147483647 \(milliseconds\); got -1/,
    );
    expect(() => layer.drain({ timeout: 5 } as never)).toThrow(/Did you mean timeoutMs\?/);
  });

  it('the sockguard client with delivery() moves from a draining instance to the next: 60 slow requests and 60 sends, each handled once, every reply back', async () => {
    const history = createMemoryHistory();
    const handled = new Map<string, number>();
    const a = await instance(history, handled, 15);
    const b = await instance(history, handled, 15);
    let target = a.port;
    const client: Socket = createSocket({
      url: () => `ws://127.0.0.1:${target}`,
      WebSocket: WebSocket as never,
      environment: false,
      heartbeat: false,
      backoff: { baseMs: 10, floorMs: 5, capMs: 40 },
      delivery: delivery({ ackTimeoutMs: 5000 }),
    });
    cleanup.push(() => client.close());
    await until(() => deliveryOf(client).getSnapshot().mode === 'on');
    const replies: Array<Promise<unknown>> = [];
    const receipts: Array<Promise<unknown>> = [];
    for (let i = 0; i < 60; i++) {
      replies.push(request(client, 'req', { n: `q${i}` }, { timeoutMs: 20_000 }));
      const sent = client.send('req', { n: `s${i}` });
      if (sent.status !== 'rejected' && sent.delivered) receipts.push(sent.delivered);
      if (i === 20) {
        await until(() => handled.size > 4);
        target = b.port;
        void a.layer.drain();
      }
      await sleep(2);
    }
    const answered = await Promise.all(replies);
    expect(await Promise.all(receipts)).toEqual(receipts.map(() => 'acknowledged'));
    expect(answered.map((e) => (e as { data: { n: string } }).data.n)).toEqual(
      Array.from({ length: 60 }, (_, i) => `q${i}`),
    );
    const twice = [...handled].filter(([, count]) => count !== 1);
    expect(twice).toEqual([]);
    expect(handled.size).toBe(120);
  }, 30_000);
});
