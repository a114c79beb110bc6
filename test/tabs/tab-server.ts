/**
 * The WebSocket server of the cross-tab tests (the pages and the worker are served by
 * worker-support/worker-server.ts, another origin): a `ws` server that
 * counts its connections, logs every frame it gets, answers requests, and tells every client the
 * connection count (`connections`), so each tab can show how many sockets the server holds.
 * `/ws-delivery` is the same server with the delivery extension (`createSessionServer`): acks
 * batched for 100 ms (the most the protocol allows, so sends stay unacknowledged a while), and
 * `push` numbered in the tabs' session. `cutDelivery()` takes that link down (its connections
 * dropped, every new upgrade refused with HTTP 503, each refusal's time kept) until
 * `restoreDelivery()`: a client's sends stay unwritten, so unacknowledged, meanwhile.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Envelope } from '../../src/protocol/envelope.js';
import { closeWithError, createSessionServer, sendEnvelope } from '../../src/server/index.js';

/** One WebSocket the server accepted. */
export interface TabConnection {
  readonly id: number;
  readonly openedAt: number;
  closedAt: number | null;
  readonly socket: WebSocket;
}

/** One frame a client sent, as parsed JSON. */
export interface TabFrame {
  readonly connection: number;
  readonly at: number;
  readonly type: string;
  readonly data: unknown;
  readonly requestId: string | undefined;
}

/** A running tab server. */
export interface TabServer {
  /** The WebSocket endpoint on the same origin: `ws://127.0.0.1:<port>/ws`. */
  readonly wsUrl: string;
  /** The endpoint with delivery on: `ws://127.0.0.1:<port>/ws-delivery`. */
  readonly deliveryUrl: string;
  /** Sends an envelope in the delivery session the server saw last (numbered, kept, replayed). */
  push(type: string, data: unknown): Promise<number | undefined>;
  /** Every connection ever accepted, oldest first. */
  readonly connections: readonly TabConnection[];
  /** Every frame received, in arrival order. */
  readonly frames: readonly TabFrame[];
  /** How many connections are open now. */
  openCount(): number;
  /** Sends an envelope to every open connection. */
  broadcast(type: string, data: unknown): void;
  /** Sends `error` 4003 then closes 4003 on every open connection, and does so to any new one. */
  expireAuth(): void;
  /**
   * Takes `/ws-delivery` down: its open connections are dropped (terminated, as a lost link) and
   * every upgrade to it is refused (HTTP 503) until {@link restoreDelivery}.
   */
  cutDelivery(): void;
  /** Accepts upgrades to `/ws-delivery` again. */
  restoreDelivery(): void;
  /** When each upgrade to `/ws-delivery` was refused while cut, oldest first (a client's knocks). */
  readonly refused: readonly number[];
  /** Forgets the frames and connections seen so far (open ones stay open and counted). */
  reset(): void;
  close(): Promise<void>;
}

/** Options of {@link startTabServer}. */
export interface TabServerOptions {
  /** @default 0: a free port */
  readonly port?: number;
  /** Gets a line per connection opened or closed (the demo prints them). */
  readonly log?: (line: string) => void;
  /** Sends every `chat` a client sends back to every connection (the demo's tabs show them). */
  readonly relay?: boolean;
}

/** Starts the server on 127.0.0.1. */
export async function startTabServer(options: TabServerOptions = {}): Promise<TabServer> {
  const { port = 0, log, relay = false } = options;
  const connections: TabConnection[] = [];
  const frames: TabFrame[] = [];
  const open = new Set<TabConnection>();
  let ids = 0;
  let authExpired = false;
  let deliveryCut = false;
  const refused: number[] = [];

  const http = createServer((_request: IncomingMessage, response: ServerResponse) => {
    response.writeHead(404).end();
  });
  const wss = new WebSocketServer({ noServer: true });
  const delivering = new WebSocketServer({ noServer: true });
  const byPath = new Map([
    ['/ws', wss],
    ['/ws-delivery', delivering],
  ]);
  http.on('upgrade', (request, socket, head) => {
    const target = byPath.get(new URL(request.url ?? '/', 'http://localhost').pathname);
    if (!target) return void socket.destroy();
    if (target === delivering && deliveryCut) {
      refused.push(Date.now());
      socket.end(
        'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
      );
      return;
    }
    target.handleUpgrade(request, socket, head, (ws) => target.emit('connection', ws, request));
  });
  const ofSocket = new WeakMap<WebSocket, TabConnection>();
  /** The delivery session of the last frame: the tabs share one. */
  let lastSession: string | undefined;
  const log1 = (connection: number, envelope: Envelope) => {
    const requestId =
      typeof envelope.meta?.request_id === 'string' ? envelope.meta.request_id : undefined;
    frames.push({
      connection,
      at: Date.now(),
      type: envelope.type,
      data: envelope.data,
      requestId,
    });
  };
  const sessions = createSessionServer<WebSocket>({
    ackDelayMs: 100,
    onMessage(envelope, session, socket) {
      lastSession = session.id ?? lastSession;
      log1(ofSocket.get(socket)?.id ?? 0, envelope);
      if (envelope.type === 'count')
        return void session.reply(envelope, 'count', { count: open.size });
      if (typeof envelope.meta?.request_id !== 'string') return;
      const delay = (envelope.data as { delayMs?: unknown } | null)?.delayMs;
      const answer = () => void session.reply(envelope, 'answer', { echo: envelope.data });
      if (typeof delay === 'number' && delay > 0) setTimeout(answer, delay);
      else answer();
    },
  });
  delivering.on('connection', (socket) => {
    socket.on('error', () => {});
    const connection: TabConnection = { id: ++ids, openedAt: Date.now(), closedAt: null, socket };
    connections.push(connection);
    ofSocket.set(socket, connection);
    open.add(connection);
    log?.(`delivery connection ${connection.id} opened: ${open.size} open`);
    socket.on('close', () => {
      connection.closedAt = Date.now();
      open.delete(connection);
    });
    sessions.accept(socket, { anonymous: true });
  });

  const tellCount = () => {
    for (const connection of open) {
      // Delivery connections ask (`count`): a frame outside the session would jump its order.
      if (ofSocket.has(connection.socket)) continue;
      sendEnvelope(connection.socket, 'connections', { count: open.size });
    }
  };

  wss.on('connection', (socket) => {
    socket.on('error', () => {});
    const connection: TabConnection = { id: ++ids, openedAt: Date.now(), closedAt: null, socket };
    connections.push(connection);
    if (authExpired) {
      closeWithError(socket, 4003, 'Token expired');
      connection.closedAt = Date.now();
      return;
    }
    open.add(connection);
    log?.(`connection ${connection.id} opened: ${open.size} open`);
    tellCount();
    socket.on('message', (raw) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw.toString());
      } catch {
        return;
      }
      const envelope = parsed as {
        type?: unknown;
        data?: unknown;
        meta?: { request_id?: unknown };
      };
      const type = typeof envelope.type === 'string' ? envelope.type : '';
      const requestId =
        typeof envelope.meta?.request_id === 'string' ? envelope.meta.request_id : undefined;
      frames.push({
        connection: connection.id,
        at: Date.now(),
        type,
        data: envelope.data,
        requestId,
      });
      if (type === 'ping') return void sendEnvelope(socket, 'pong', null);
      if (requestId === undefined) {
        if (relay && type === 'chat') {
          for (const other of open) sendEnvelope(other.socket, 'chat', envelope.data);
        }
        return;
      }
      // `count` is answered with the connection count; any other request with what it carried,
      // after `delayMs` when asked (to keep it in flight).
      const delay = (envelope.data as { delayMs?: unknown } | null)?.delayMs;
      if (type === 'count') {
        return void sendEnvelope(socket, 'count', { count: open.size }, { request_id: requestId });
      }
      const answer = () =>
        sendEnvelope(socket, 'answer', { echo: envelope.data }, { request_id: requestId });
      if (typeof delay === 'number' && delay > 0) setTimeout(answer, delay);
      else answer();
    });
    socket.on('close', () => {
      connection.closedAt = Date.now();
      open.delete(connection);
      log?.(`connection ${connection.id} closed: ${open.size} open`);
      tellCount();
    });
  });

  await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
  const address = http.address() as AddressInfo;
  return {
    wsUrl: `ws://127.0.0.1:${address.port}/ws`,
    deliveryUrl: `ws://127.0.0.1:${address.port}/ws-delivery`,
    push: (type, data) =>
      lastSession === undefined
        ? Promise.resolve(undefined)
        : sessions.send(lastSession, type, data),
    connections,
    frames,
    openCount: () => open.size,
    broadcast(type, data) {
      for (const connection of open)
        if (!ofSocket.has(connection.socket)) sendEnvelope(connection.socket, type, data);
    },
    expireAuth() {
      authExpired = true;
      for (const connection of open) closeWithError(connection.socket, 4003, 'Token expired');
    },
    cutDelivery() {
      deliveryCut = true;
      for (const connection of open)
        if (ofSocket.has(connection.socket)) connection.socket.terminate();
    },
    restoreDelivery() {
      deliveryCut = false;
    },
    refused,
    reset() {
      authExpired = false;
      deliveryCut = false;
      refused.length = 0;
      frames.length = 0;
      connections.splice(0, connections.length, ...open);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        sessions.close();
        for (const client of delivering.clients) client.terminate();
        delivering.close();
        http.close(() => resolve());
      }),
  };
}
