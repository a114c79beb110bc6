// @vitest-environment node
// createSessionServer.close() while a request is being handled (a graceful deploy on a shared
// store): the request must not be acknowledged without its reply, or the next instance welcomes
// the client with it acknowledged and the request waits for a reply that is gone. Found by the
// chaos soak (CHAOS_GRACEFUL=1).
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { createMemoryHistory, createSessionServer } from '../../src/server/index.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const undo of cleanup.splice(0)) undo();
});

async function instance(history: ReturnType<typeof createMemoryHistory>) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => wss.once('listening', resolve));
  const layer = createSessionServer<WebSocket>({
    history,
    onError: () => {},
    onMessage: async (envelope, session) => {
      if (envelope.type !== 'req') return;
      await sleep(50); // the app takes a while to answer
      await session.reply(envelope, 'reply', { ok: true });
    },
  });
  wss.on('connection', (ws) => layer.accept(ws, { anonymous: true }));
  cleanup.push(() => {
    layer.close();
    wss.close();
  });
  return { layer, port: (wss.address() as AddressInfo).port };
}

async function connect(
  port: number,
  frames: Array<{ type: string; data?: Record<string, unknown> }>,
) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}`);
  ws.on('message', (data) => frames.push(JSON.parse(String(data))));
  await new Promise((resolve) => ws.once('open', resolve));
  cleanup.push(() => ws.terminate());
  return ws;
}

describe('session server closed while a handler runs', () => {
  it('does not acknowledge the frame: the next instance welcomes with acked 0 and processes it', async () => {
    const history = createMemoryHistory();
    const a = await instance(history);
    const seenA: Array<{ type: string; data?: Record<string, unknown> }> = [];
    const first = await connect(a.port, seenA);
    const hello = (session: unknown, id: string) =>
      JSON.stringify({
        type: 'sockguard.hello',
        data: { v: 1, session, last_seq: 0 },
        meta: { request_id: id },
      });
    first.send(hello(null, 'h1'));
    await sleep(20);
    first.send(JSON.stringify({ type: 'req', data: {}, meta: { request_id: 'r1', seq: 1 } }));
    await sleep(10);
    a.layer.close();
    await sleep(100);
    const session = seenA.find((f) => f.type === 'sockguard.welcome')?.data?.session;
    expect(typeof session).toBe('string');

    const b = await instance(history);
    const seenB: Array<{ type: string; data?: Record<string, unknown> }> = [];
    const second = await connect(b.port, seenB);
    second.send(hello(session, 'h2'));
    await sleep(50);
    expect(seenB.find((f) => f.type === 'sockguard.welcome')?.data).toMatchObject({ acked: 0 });
    second.send(JSON.stringify({ type: 'req', data: {}, meta: { request_id: 'r1', seq: 1 } }));
    await sleep(150);
    expect(seenB.some((f) => f.type === 'reply')).toBe(true);
  });
});
