// @vitest-environment node
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocketClient, { type WebSocket, WebSocketServer } from 'ws';
import {
  closeWithError,
  type ServerSocket,
  sendEnvelope,
  sendError,
  truncateCloseReason,
} from '../../src/server/index.js';

interface Received {
  frames: unknown[];
  closed: Promise<{ code: number; reason: string }>;
}

let server: WebSocketServer | undefined;

afterEach(async () => {
  const current = server;
  server = undefined;
  if (!current) return;
  for (const client of current.clients) client.terminate();
  await new Promise<void>((resolve) => current.close(() => resolve()));
});

/** Starts a `ws` server on a free port, runs `onSocket` for the first connection, connects a client. */
async function connect(onSocket: (socket: WebSocket) => void): Promise<Received> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  server = wss;
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  wss.on('connection', (socket) => {
    socket.on('error', () => {});
    onSocket(socket);
  });
  const { port } = wss.address() as AddressInfo;
  const client = new WebSocketClient(`ws://127.0.0.1:${port}`);
  client.on('error', () => {});
  const frames: unknown[] = [];
  client.on('message', (data) => frames.push(JSON.parse(String(data))));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    client.on('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') })),
  );
  return { frames, closed };
}

describe('sockguard/server over a real ws server', () => {
  it('sendEnvelope delivers the envelope and returns true', async () => {
    let result: boolean | undefined;
    const received = await connect((socket) => {
      result = sendEnvelope(socket, 'chat', { text: 'hi' }, { request_id: 'r1' });
      socket.close(1000);
    });
    await received.closed;
    expect(result).toBe(true);
    expect(received.frames).toEqual([
      { type: 'chat', data: { text: 'hi' }, meta: { request_id: 'r1' } },
    ]);
  });

  it('closeWithError sends the error envelope first, then closes with the same 4003 code', async () => {
    const received = await connect((socket) => {
      closeWithError(socket, 4003, 'token expired', { requestId: 'r2' });
    });
    const closed = await received.closed;
    expect(received.frames).toHaveLength(1);
    expect(received.frames[0]).toMatchObject({
      type: 'error',
      data: { code: 4003, message: 'token expired' },
      meta: { request_id: 'r2' },
    });
    expect(closed).toEqual({ code: 4003, reason: 'token expired' });
  });

  it('closeWithError maps app code 5000 to close code 1011 (5000 is not a valid close code)', async () => {
    const received = await connect((socket) => {
      closeWithError(socket, 5000, 'database down');
    });
    const closed = await received.closed;
    expect(received.frames[0]).toMatchObject({ data: { code: 5000, message: 'database down' } });
    expect(closed.code).toBe(1011);
  });

  it('cuts a long multibyte reason to 123 bytes without splitting a character', async () => {
    const message = 'ошибка сервера: '.repeat(20);
    const received = await connect((socket) => {
      closeWithError(socket, 4000, message);
    });
    const closed = await received.closed;
    expect(received.frames[0]).toMatchObject({ data: { message } });
    expect(Buffer.byteLength(closed.reason)).toBeLessThanOrEqual(123);
    expect(closed.reason).toBe(truncateCloseReason(message));
    expect(message.startsWith(closed.reason)).toBe(true);
  });

  it('sendError adds an ISO timestamp and retry_after_ms', async () => {
    const received = await connect((socket) => {
      sendError(socket, 4005, 'slow down', { retryAfterMs: 3000 });
      socket.close(1000);
    });
    await received.closed;
    const [frame] = received.frames as [{ meta: { timestamp: string; retry_after_ms: number } }];
    expect(frame.meta.retry_after_ms).toBe(3000);
    expect(new Date(frame.meta.timestamp).toISOString()).toBe(frame.meta.timestamp);
  });

  it('never throws on a closing or closed socket and reports false', async () => {
    const results: boolean[] = [];
    let done: () => void = () => {};
    const finished = new Promise<void>((resolve) => {
      done = resolve;
    });
    await connect((socket) => {
      socket.close(1000);
      results.push(sendEnvelope(socket, 'a', 1), sendError(socket, 4000, 'x'));
      results.push(closeWithError(socket, 4003, 'x'));
      socket.on('close', () => {
        results.push(sendEnvelope(socket, 'a', 1), closeWithError(socket, 5000, 'x'));
        done();
      });
    });
    await finished;
    expect(results).toEqual([false, false, false, false, false]);
  });

  it('returns false instead of throwing when send throws or data cannot be serialized', () => {
    const throwing: ServerSocket = {
      readyState: 1,
      send: () => {
        throw new Error('boom');
      },
      close: () => {
        throw new Error('boom');
      },
    };
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const open: ServerSocket = { readyState: 1, send: () => {}, close: () => {} };
    expect(sendEnvelope(throwing, 'a', 1)).toBe(false);
    expect(sendError(throwing, 4000, 'x')).toBe(false);
    expect(closeWithError(throwing, 4000, 'x')).toBe(false);
    expect(sendEnvelope(open, 'a', cyclic)).toBe(false);
    expect(sendEnvelope(open, 'a', 1n)).toBe(false);
  });
});
