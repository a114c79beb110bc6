// @vitest-environment node
// session.close() or closeWithError() from a handler: the frames the session processed are acknowledged before the
// socket closes, or the client sends them again to the next instance (done twice). The ack
// delay is the longest allowed (100 ms) and the close comes at once, so only the flush on close
// can write it.
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { createMemoryHistory, createSessionServer } from '../../src/server/index.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const undo of cleanup.splice(0)) undo();
});

type Frame = { type: string; data?: Record<string, unknown> };

async function run(close: 'close' | 'closeWithError'): Promise<Frame[]> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => wss.once('listening', resolve));
  const layer = createSessionServer<WebSocket>({
    history: createMemoryHistory(),
    ackDelayMs: 100,
    onError: () => {},
    onMessage: (envelope, session) => {
      if (envelope.type !== 'bye') return;
      if (close === 'close') session.close(1000, 'bye');
      else void session.closeWithError(4001, 'Go away');
    },
  });
  wss.on('connection', (ws) => layer.accept(ws, { anonymous: true }));
  cleanup.push(() => {
    layer.close();
    wss.close();
  });
  const ws = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  cleanup.push(() => ws.terminate());
  const frames: Frame[] = [];
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data)) as Frame;
    frames.push(frame);
    if (frame.type === 'sockguard.welcome') {
      ws.send(JSON.stringify({ type: 'note', data: {}, meta: { seq: 1 } }));
      ws.send(JSON.stringify({ type: 'bye', data: {}, meta: { seq: 2 } }));
    }
  });
  await new Promise((resolve) => ws.once('open', resolve));
  ws.send(
    JSON.stringify({
      type: 'sockguard.hello',
      data: { v: 1, session: null, last_seq: 0 },
      meta: { request_id: 'h1' },
    }),
  );
  await new Promise((resolve) => ws.once('close', resolve));
  return frames;
}

describe('a session closed by the app acknowledges what it processed first', () => {
  it.each(['close', 'closeWithError'] as const)(
    '%s(): the processed frame is acked before the close',
    async (how) => {
      const frames = await run(how);
      const acks = frames.filter((f) => f.type === 'sockguard.ack').map((f) => f.data?.seq);
      // The handler of frame 2 runs before frame 2 counts as processed: seq 1 is the least the
      // client must see; seq 2 is processed only after its handler returns.
      expect(Math.max(0, ...(acks as number[]))).toBeGreaterThanOrEqual(1);
    },
  );
});
