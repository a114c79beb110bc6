/**
 * The server side of the delivery benchmark, in its own process so the client's CPU is measured
 * alone. Five listeners on 127.0.0.1, ports sent to the parent over IPC; stops when the parent goes.
 *
 * Receive (one client, COUNT server pushes of about 120 bytes, each carrying `meta.seq`):
 * - `receivePlain`: a plain `ws` server holding a pre-encoded burst of those frames.
 * - `receiveSession`: `createSessionServer`. On `prime` it numbers COUNT pushes with `session.send`
 *   (history kept, `meta.seq` assigned by the layer) while the socket adapter collects the
 *   encoded frames instead of writing them, then answers `primed`; on `go` it writes them.
 * Both write the burst straight to the TCP socket, as `receive-server.ts` does and for the same
 * reason: `ws.send` per frame costs the server about what the client spends receiving, and on
 * 2 cores the server would be what is measured. So receive compares the clients on the same bytes.
 *
 * Send (one client sends `msg` envelopes; `done` goes back once SEND_COUNT are processed):
 * - `sendPlain`: a `ws` server that JSON.parses and counts (what an app's server does at least).
 * - `sendSession`: `createSessionServer`, the same count in `onMessage`; acks batched by the
 *   layer (`ackDelayMs` default 10). The adapter counts the `sockguard.ack` frames it writes;
 *   a `stats` request answers with the count.
 * - `socketio`: a socket.io server (websocket transport), `msg` events acknowledged.
 */
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Server as SocketIoServer } from 'socket.io';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { createSessionServer, type SessionSocket } from '../src/server/index.js';

const COUNT = Number(process.env.BENCH_DELIVERY_RECEIVE_COUNT ?? 200_000);
const SEND_COUNT = Number(process.env.BENCH_DELIVERY_SEND_COUNT ?? 20_000);
const TIMESTAMP = '2026-11-24T12:00:00Z';
const ACK_PREFIX = '{"type":"sockguard.ack"';
const TICK_PREFIX = '{"type":"tick"';

/**
 * Collects the garbage of priming before the burst (the parent starts this process with
 * `--expose-gc`): otherwise the session server's collection of 200,000 finished sends runs while
 * it pumps the burst into the socket, and the client waits for bytes for a reason of the server's.
 */
const settle = (): void => (globalThis as { gc?: () => void }).gc?.();

/** The data of push `i`, as receive.ts's `tickFrame`. */
const tickData = (i: number) => ({ seq: i % 1000, room: 'general', text: 'hello' });

/** One unmasked server-to-client text frame (RFC 6455 section 5.2), payloads below 64 KB. */
function encodeFrame(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const header =
    payload.length < 126
      ? Buffer.from([0x81, payload.length])
      : Buffer.from([0x81, 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([header, payload]);
}

/** The TCP socket under a `ws` WebSocket (a private field: this is a benchmark's load generator). */
const tcpOf = (socket: WebSocket): Socket => (socket as unknown as { _socket: Socket })._socket;

const typeOf = (raw: RawData): unknown => {
  try {
    return (JSON.parse(String(raw)) as { type?: unknown }).type;
  } catch {
    return undefined;
  }
};

/** A `ws` server on 127.0.0.1, port 0, and its port once listening. */
function wsServer(): { server: WebSocketServer; port: Promise<number> } {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  const port = new Promise<number>((resolve) => {
    server.once('listening', () => resolve((server.address() as AddressInfo).port));
  });
  return { server, port };
}

// The same bytes the session layer writes (its key order: type, data, meta with seq last).
const plainBurst = Buffer.concat(
  Array.from({ length: COUNT }, (_, i) =>
    encodeFrame(
      JSON.stringify({
        type: 'tick',
        data: tickData(i),
        meta: { timestamp: TIMESTAMP, seq: i + 1 },
      }),
    ),
  ),
);

const { server: receivePlain, port: receivePlainPort } = wsServer();
receivePlain.on('connection', (socket) => {
  socket.on('error', () => {});
  socket.on('message', (raw) => {
    const type = typeOf(raw);
    if (type === 'prime') {
      settle();
      socket.send(JSON.stringify({ type: 'primed', data: { ms: 0 } }));
    }
    if (type === 'go') tcpOf(socket).write(plainBurst);
  });
});

/**
 * A `ws` socket as the session layer sees it. While `capture` is set, push frames are collected
 * (encoded) instead of written; every `sockguard.ack` written is counted.
 */
interface Adapted extends SessionSocket {
  readonly ws: WebSocket;
  capture: Buffer[] | null;
  /** The captured pushes, encoded, ready for `go`. */
  burst?: Buffer;
  acks: number;
  /** `msg` envelopes the app handler saw. */
  processed?: number;
}

function adapt(ws: WebSocket): Adapted {
  const adapted: Adapted = {
    ws,
    capture: null,
    acks: 0,
    get readyState() {
      return ws.readyState;
    },
    send(text: string, callback?: (error?: Error) => void) {
      if (adapted.capture !== null && text.startsWith(TICK_PREFIX)) {
        adapted.capture.push(encodeFrame(text));
        return;
      }
      if (text.startsWith(ACK_PREFIX)) adapted.acks += 1;
      ws.send(text, callback);
    },
    close: (code?: number, reason?: string) => ws.close(code, reason),
    on(event: 'message' | 'close' | 'error', listener: (...args: never[]) => void) {
      ws.on(event, listener as (...args: unknown[]) => void);
      return adapted;
    },
  } as Adapted;
  return adapted;
}

const receiveSessions = createSessionServer<Adapted>({
  sessionTtlMs: 1000,
  onMessage(envelope, session, socket) {
    if (envelope.type === 'prime') {
      socket.capture = [];
      const started = performance.now();
      let last: Promise<number | undefined> = Promise.resolve(undefined);
      for (let i = 0; i < COUNT; i++) {
        last = session.send('tick', tickData(i), { timestamp: TIMESTAMP });
      }
      void last.then(() => {
        const ms = performance.now() - started;
        socket.burst = Buffer.concat(socket.capture ?? []);
        socket.capture = null;
        settle();
        // Unnumbered on purpose: it is the bench's signal, not part of the measured stream.
        socket.ws.send(JSON.stringify({ type: 'primed', data: { ms } }));
      });
    }
    if (envelope.type === 'go' && socket.burst) tcpOf(socket.ws).write(socket.burst);
  },
});

const { server: receiveSession, port: receiveSessionPort } = wsServer();
receiveSession.on('connection', (ws) => receiveSessions.accept(adapt(ws), { anonymous: true }));

const { server: sendPlain, port: sendPlainPort } = wsServer();
sendPlain.on('connection', (socket) => {
  socket.on('error', () => {});
  let processed = 0;
  socket.on('message', (raw) => {
    if (typeOf(raw) !== 'msg') return;
    if (++processed === SEND_COUNT) socket.send(JSON.stringify({ type: 'done', data: null }));
  });
});

const sendSessions = createSessionServer<Adapted>({
  sessionTtlMs: 1000,
  onMessage(envelope, session, socket) {
    if (envelope.type === 'msg') {
      socket.processed = (socket.processed ?? 0) + 1;
      if (socket.processed === SEND_COUNT) void session.send('done', null);
    } else if (envelope.type === 'stats') {
      void session.reply(envelope, 'stats', { acks: socket.acks, processed: socket.processed });
    }
  },
});

const { server: sendSession, port: sendSessionPort } = wsServer();
sendSession.on('connection', (ws) => sendSessions.accept(adapt(ws), { anonymous: true }));

const http = createServer();
const io = new SocketIoServer(http, { transports: ['websocket'], serveClient: false });
io.on('connection', (socket) => {
  socket.on('msg', (_data: unknown, ack?: () => void) => ack?.());
});
const ioPort = new Promise<number>((resolve) => {
  http.listen(0, '127.0.0.1', () => resolve((http.address() as AddressInfo).port));
});

const ports = {
  receivePlain: await receivePlainPort,
  receiveSession: await receiveSessionPort,
  sendPlain: await sendPlainPort,
  sendSession: await sendSessionPort,
  socketio: await ioPort,
};
process.send?.(ports);

process.on('disconnect', () => {
  receiveSessions.close();
  sendSessions.close();
  void io.close();
  for (const server of [receivePlain, receiveSession, sendPlain, sendSession]) {
    for (const client of server.clients) client.terminate();
    server.close();
  }
  setTimeout(() => process.exit(0), 50).unref();
});
