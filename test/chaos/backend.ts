/**
 * The chaos backend: a real `ws` server speaking the protocol through `sockguard/server`. It answers
 * pings, records every `msg` send by sequence number (what arrived, how often, in which order),
 * answers `req` requests (a reply echoing the seq, or now and then an error envelope with the
 * request's id, or nothing so the request times out), and injects faults on command: unsolicited
 * error envelopes, fatal closes (error envelope + close 4003/4004), and restarts (every connection
 * dropped, down for a while, back on a new port the proxy follows).
 */
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { closeWithError, sendEnvelope, sendError } from '../../src/server/index.js';
import type { Random } from './random.js';

/** Codes of the error envelopes the backend sends; 4003/4004 unsolicited stay open (app-level). */
export const ENVELOPE_CODES = [4000, 4001, 4002, 4003, 4004, 4005, 5000] as const;
/** Codes of error replies to requests. */
const REPLY_CODES = [4000, 4001, 4002, 4005, 5000] as const;

export interface Backend {
  /** The port it listens on now (changes on restart). */
  readonly port: number;
  /** Times each `msg` seq arrived. */
  readonly arrivals: Map<number, number>;
  /** `[connection, seq]` in arrival order (connections numbered as they came). */
  readonly order: Array<readonly [connection: number, seq: number]>;
  readonly stats: { requests: number; replies: number; errorReplies: number; unanswered: number };
  /** Open server-side sockets. */
  open(): WebSocket[];
  errorEnvelope(socket: WebSocket): boolean;
  fatalClose(socket: WebSocket, code: 4003 | 4004): boolean;
  restart(downMs: number): Promise<void>;
  close(): Promise<void>;
}

interface Frame {
  type?: unknown;
  data?: { seq?: unknown } | null;
  meta?: { request_id?: unknown };
}

export async function startBackend(random: Random): Promise<Backend> {
  const arrivals = new Map<number, number>();
  const order: Array<readonly [number, number]> = [];
  let connections = 0;
  const stats = { requests: 0, replies: 0, errorReplies: 0, unanswered: 0 };
  let server: WebSocketServer | null = null;
  let port = 0;

  const onMessage = (socket: WebSocket, connection: number, raw: string) => {
    const frame = JSON.parse(raw) as Frame;
    const seq = typeof frame.data?.seq === 'number' ? frame.data.seq : -1;
    if (frame.type === 'ping') return void sendEnvelope(socket, 'pong', null);
    if (frame.type === 'msg') {
      arrivals.set(seq, (arrivals.get(seq) ?? 0) + 1);
      order.push([connection, seq]);
      return;
    }
    const requestId = frame.meta?.request_id;
    if (frame.type !== 'req' || typeof requestId !== 'string') return;
    stats.requests += 1;
    const roll = random.next();
    if (roll < 0.01) {
      stats.unanswered += 1; // the client's request timeout settles it
    } else if (roll < 0.06) {
      stats.errorReplies += 1;
      const code = random.pick(REPLY_CODES);
      sendError(socket, code, `request ${seq} failed`, {
        requestId,
        ...(code === 4005 ? { retryAfterMs: 20 } : {}),
      });
    } else {
      stats.replies += 1;
      const reply = () => sendEnvelope(socket, 'reply', { seq }, { request_id: requestId });
      if (random.chance(0.2)) setTimeout(reply, random.int(1, 20));
      else reply();
    }
  };

  const listen = async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    wss.on('connection', (socket) => {
      const connection = ++connections;
      socket.on('error', () => {});
      socket.on('message', (data) => onMessage(socket, connection, String(data)));
    });
    server = wss;
    port = (wss.address() as AddressInfo).port;
  };
  const stop = async () => {
    const wss = server;
    server = null;
    if (!wss) return;
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  };
  await listen();

  return {
    get port() {
      return port;
    },
    arrivals,
    order,
    stats,
    open: () => [...(server?.clients ?? [])].filter((socket) => socket.readyState === 1),
    errorEnvelope(socket) {
      const code = random.pick(ENVELOPE_CODES);
      // Some carry a credential and a stack trace: neither may reach a user-facing message.
      const message = random.chance(0.3)
        ? `failed for token=SECRET123\nError: boom\n    at handler (/srv/app.js:10:5)`
        : `injected ${code}`;
      return sendError(socket, code, message, code === 4005 ? { retryAfterMs: 30 } : {});
    },
    fatalClose: (socket, code) =>
      closeWithError(socket, code, code === 4003 ? 'Token expired' : 'Forbidden'),
    async restart(downMs) {
      await stop();
      // While down, the proxy's connections to the old port are refused.
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await listen();
    },
    close: stop,
  };
}
