// @vitest-environment node
/**
 * The core against a real `ws` server on 127.0.0.1 (port 0): a restart mid-session, a socket
 * killed without a close frame, garbage frames. Real sockets, so real (short) delays.
 */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { createSocket } from '../../src/core/socket.js';
import type { Socket } from '../../src/core/types.js';
import { request } from '../../src/request/request.js';
import { sendEnvelope } from '../../src/server/index.js';

interface Server {
  wss: WebSocketServer;
  port: number;
  received: string[];
  connections: number;
}

const servers: WebSocketServer[] = [];
const sockets: Socket[] = [];

async function listen(port = 0, into?: Server): Promise<Server> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port });
  servers.push(wss);
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  const server: Server = into ?? { wss, port: 0, received: [], connections: 0 };
  server.wss = wss;
  server.port = (wss.address() as AddressInfo).port;
  wss.on('connection', (socket) => {
    server.connections += 1;
    socket.on('error', () => {});
    socket.on('message', (raw) => {
      const text = String(raw);
      if (text === '{"type":"ping"}') return socket.send('{"type":"pong"}');
      server.received.push(text);
      const parsed = JSON.parse(text) as { type: string; meta?: { request_id?: string } };
      if (parsed.meta?.request_id)
        sendEnvelope(socket, 'reply', parsed.type, { request_id: parsed.meta.request_id });
    });
  });
  return server;
}

const stop = (wss: WebSocketServer, code = 1012) =>
  new Promise<void>((resolve) => {
    for (const client of wss.clients) client.close(code, 'restart');
    wss.close(() => resolve());
  });

function connect(server: Server) {
  const socket = createSocket({
    url: `ws://127.0.0.1:${server.port}/`,
    WebSocket: WebSocket as never,
    environment: false,
    backoff: { baseMs: 40, floorMs: 10, capMs: 200 },
    heartbeat: { intervalMs: 200, timeoutMs: 200 },
  });
  sockets.push(socket);
  return socket;
}

const status = (socket: Socket) => socket.getSnapshot().status;

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  await Promise.all(servers.splice(0).map((wss) => stop(wss, 1001)));
});

describe('against a real ws server', () => {
  it('server restart mid-session: reconnects, and sends queued during the outage arrive once, in order', async () => {
    const server = await listen();
    const socket = connect(server);
    await vi.waitFor(() => expect(status(socket)).toBe('open'));
    socket.send('msg', 0);
    await vi.waitFor(() => expect(server.received).toHaveLength(1));

    await stop(server.wss);
    await vi.waitFor(() => expect(status(socket)).not.toBe('open'));
    await vi.waitFor(() =>
      expect(
        socket.errors
          .getState()
          .history.some((f) => f.code === 1012 && f.severity === 'recoverable'),
      ).toBe(true),
    );
    for (let i = 1; i <= 20; i++) expect(socket.send('msg', i).status).toBe('queued');
    await new Promise((resolve) => setTimeout(resolve, 150)); // a few refused attempts while down
    await listen(server.port, server);

    await vi.waitFor(() => expect(server.received).toHaveLength(21), { timeout: 5000 });
    expect(server.received.map((t) => JSON.parse(t).data)).toEqual(
      Array.from({ length: 21 }, (_, i) => i),
    );
    expect(status(socket)).toBe('open');
    expect(server.connections).toBeGreaterThanOrEqual(2);
  });

  it('a request sent before the restart with retryOnReconnect is answered after it', async () => {
    const server = await listen();
    const socket = connect(server);
    await vi.waitFor(() => expect(status(socket)).toBe('open'));
    server.wss.removeAllListeners('connection');
    server.wss.on('connection', (s) => s.on('error', () => {})); // this server never answers
    const reply = request(
      socket,
      'join',
      { room: 'a' },
      { retryOnReconnect: true, timeoutMs: 5000 },
    );
    await stop(server.wss);
    await listen(server.port, server);
    await expect(reply).resolves.toMatchObject({ type: 'reply', data: 'join' });
  });

  it('server kills the socket without a close frame: 1006, recoverable, reconnects', async () => {
    const server = await listen();
    const socket = connect(server);
    await vi.waitFor(() => expect(status(socket)).toBe('open'));
    for (const client of server.wss.clients) client.terminate();
    await vi.waitFor(() =>
      expect(socket.getSnapshot().lastFault).toMatchObject({
        code: 1006,
        severity: 'recoverable',
        action: 'reconnect',
      }),
    );
    await vi.waitFor(() => expect(status(socket)).toBe('open'));
    expect(server.connections).toBe(2);
  });

  it('a server that stops answering (half-open link) is caught by the heartbeat', async () => {
    const server = await listen();
    const socket = connect(server);
    await vi.waitFor(() => expect(status(socket)).toBe('open'));
    for (const client of server.wss.clients) client.removeAllListeners('message');
    await vi.waitFor(
      () => expect(socket.getSnapshot().lastFault).toMatchObject({ code: 'heartbeat_timeout' }),
      { timeout: 3000 },
    );
  });

  it('garbage frames are recoverable faults; the connection stays open and good frames still arrive', async () => {
    const server = await listen();
    const socket = connect(server);
    const chats: unknown[] = [];
    socket.on('chat', (e) => chats.push(e.data));
    await vi.waitFor(() => expect(status(socket)).toBe('open'));
    for (const client of server.wss.clients) {
      client.send('{not json');
      client.send('[]');
      client.send('{"type":5}');
      client.send(Buffer.from([0xff, 0x00, 0x13]), { binary: true });
      client.send('x'.repeat(2 * 1024 * 1024));
      client.send(`${'['.repeat(50_000)}${']'.repeat(50_000)}`);
      client.send(JSON.stringify({ type: 'chat', data: 'still here' }));
    }
    await vi.waitFor(() => expect(chats).toEqual(['still here']));
    const faults = socket.errors.getState().history;
    expect(faults.reduce((n, f) => n + f.count, 0)).toBe(6);
    expect(faults.every((f) => f.severity === 'recoverable' && f.source === 'client')).toBe(true);
    expect(status(socket)).toBe('open');
  });
});
