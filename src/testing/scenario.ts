import { type WebSocketHandler, type WebSocketLink, ws } from 'msw';
import { AppErrorCode, closeCodeForAppCode } from '../protocol/app-codes.js';
import type { WireEnvelope, WireMeta } from '../protocol/envelope.js';
import {
  buildEnvelope,
  buildErrorEnvelope,
  type ErrorEnvelopeOptions,
} from '../server/envelope.js';
import { truncateCloseReason } from '../server/reason.js';
import { abort, closeAfterSends, isLive, type MockClient } from './client-socket.js';
import { isErrorReply, parseEnvelope, type ReplyHandler } from './reply.js';
import { Waiters } from './waiters.js';

/** Options of {@link createScenario}. */
export interface ScenarioOptions {
  /** Answer each ping with a pong (until {@link Scenario.goSilent}). @default true */
  readonly autoPong?: boolean;
  /** Type of the client's heartbeat envelope. @default 'ping' */
  readonly pingType?: string;
  /** Type of the answer. @default 'pong' */
  readonly pongType?: string;
}

/** Options of {@link Scenario.errorThenClose}. */
export interface ErrorThenCloseOptions extends ErrorEnvelopeOptions {
  /** Close code to use instead of the one matching the app code (5000 → 1011). */
  readonly closeCode?: number;
}

/** A scripted server for one URL, over msw's `ws.link`. See docs/testing.md. */
export interface Scenario {
  /** The msw handler: pass it to `setupServer(...)`, `server.use()` or `worker.use()`. */
  readonly handler: WebSocketHandler;
  /**
   * The underlying msw link, for anything the scenario does not script. A listener added with
   * `link.addEventListener` returns its own handler, which must be passed to `server.use()` too.
   */
  readonly link: WebSocketLink;
  /** Handshakes seen so far, refused ones included (a reconnect adds one). */
  readonly connections: number;
  /** Connections open (or opening) right now. */
  readonly openConnections: number;
  /** The URL of every handshake, in order (to check that a fresh token was used). */
  readonly urls: readonly URL[];
  /** Every valid envelope the client sent, pings included, in order. */
  readonly sent: readonly WireEnvelope[];
  /** Every text frame the client sent, valid or not. Binary frames are not recorded. */
  readonly rawSent: readonly string[];
  /** Sends an envelope to every open connection. */
  send(type: string, data?: unknown, meta?: WireMeta): void;
  /** Sends a text frame as is (for garbage frames). */
  sendRaw(text: string): void;
  /** Sends an `"error"` envelope (with an ISO timestamp). The connection stays open. */
  sendError(code: number, message: string, options?: ErrorEnvelopeOptions): void;
  /** Sends the error envelope, then closes with the matching close code (5000 → 1011). */
  errorThenClose(code: number, message: string, options?: ErrorThenCloseOptions): void;
  /** Closes every open connection cleanly. @default code 1000 */
  close(code?: number, reason?: string): void;
  /** Drops every connection without a close handshake: an `error` event, then close 1006. */
  drop(): void;
  /** Stops (`true`) or resumes (`false`) answering pings and requests. @default true */
  goSilent(silent?: boolean): void;
  /** Sends a 4005 error with `retry_after_ms`; with `close: true` also closes with 4005. */
  rateLimit(retryAfterMs: number, options?: { requestId?: string; close?: boolean }): void;
  /** Refuses the next `n` handshakes: `error`, then close 1006, and `open` never fires. @default 1 */
  refuseNext(n?: number): void;
  /** Sends error 4003 then closes with 4003, as a server does when a token expires. */
  expireToken(message?: string): void;
  /** Answers requests of `type` (by `request_id`) with the handler's result. Returns an undo. */
  reply(type: string, handler: ReplyHandler, options?: { replyType?: string }): () => void;
  /**
   * Runs `listener` on every accepted handshake (not refused ones), once the connection is
   * registered, so scripting calls inside it (e.g. `expireToken()`) reach the new client.
   * Returns an undo.
   */
  onConnection(listener: (connection: { index: number; url: URL }) => void): () => void;
  /** Resolves once `connections` reaches `count`. @default connections + 1 (the next handshake) */
  waitForConnection(count?: number): Promise<number>;
  /** Resolves with the first envelope from index `from` of `sent` that matches. @default from 0 */
  waitForMessage(
    predicate: (envelope: WireEnvelope) => boolean,
    options?: { from?: number },
  ): Promise<WireEnvelope>;
}

/**
 * Scripts a server for `url` in a test: record what the client sends, and make every failure of the
 * protocol happen on demand. Every wait resolves on events, never on timers, so the scenario works
 * under `vi.useFakeTimers()`.
 */
export function createScenario(url: string, options: ScenarioOptions = {}): Scenario {
  const { autoPong = true, pingType = 'ping', pongType = 'pong' } = options;
  const link = ws.link(url);
  const clients = new Set<MockClient>();
  const urls: URL[] = [];
  const sent: WireEnvelope[] = [];
  const rawSent: string[] = [];
  const replies = new Map<string, { handler: ReplyHandler; replyType: string }>();
  const waiters = new Waiters();
  const connectionListeners = new Set<(connection: { index: number; url: URL }) => void>();
  let toRefuse = 0;
  let silent = false;

  const live = () => [...clients].filter(isLive);
  const sendText = (text: string) => {
    for (const client of live()) client.send(text);
  };
  const errorThenClose = (code: number, message: string, opts: ErrorThenCloseOptions = {}) => {
    const text = JSON.stringify(buildErrorEnvelope(code, message, opts));
    const closeCode = closeCodeForAppCode(opts.closeCode ?? code);
    for (const client of live()) {
      client.send(text);
      closeAfterSends(client, closeCode, truncateCloseReason(message));
    }
  };

  async function answer(client: MockClient, request: WireEnvelope, requestId: string) {
    const entry = replies.get(request.type);
    if (!entry) return;
    const result: unknown = await entry.handler(request);
    if (silent || !isLive(client)) return;
    const envelope = isErrorReply(result)
      ? buildErrorEnvelope(result.code, result.message, { ...result.options, requestId })
      : buildEnvelope(entry.replyType, result, { request_id: requestId });
    client.send(JSON.stringify(envelope));
  }

  function receive(client: MockClient, data: unknown) {
    if (typeof data !== 'string') return;
    rawSent.push(data);
    const envelope = parseEnvelope(data);
    if (envelope) sent.push(envelope);
    waiters.notify();
    if (!envelope || silent) return;
    if (autoPong && envelope.type === pingType) {
      client.send(JSON.stringify({ type: pongType }));
      return;
    }
    const requestId = envelope.meta?.request_id;
    if (typeof requestId === 'string') void answer(client, envelope, requestId);
  }

  const handler = link.addEventListener('connection', ({ client }) => {
    urls.push(client.url);
    if (toRefuse > 0) {
      toRefuse--;
      abort(client);
      waiters.notify();
      return;
    }
    clients.add(client);
    client.addEventListener('message', (event) => receive(client, event.data));
    client.addEventListener('close', () => {
      clients.delete(client);
      waiters.notify();
    });
    const connection = { index: urls.length - 1, url: client.url };
    for (const listener of [...connectionListeners]) listener(connection);
    waiters.notify();
  });

  return {
    handler,
    link,
    get connections() {
      return urls.length;
    },
    get openConnections() {
      return live().length;
    },
    urls,
    sent,
    rawSent,
    send: (type, data, meta) => sendText(JSON.stringify(buildEnvelope(type, data, meta))),
    sendRaw: sendText,
    sendError: (code, message, opts) =>
      sendText(JSON.stringify(buildErrorEnvelope(code, message, opts))),
    errorThenClose,
    close: (code = 1000, reason = '') => {
      for (const client of live()) client.close(code, truncateCloseReason(reason));
    },
    drop: () => {
      for (const client of live()) abort(client);
    },
    goSilent: (value = true) => {
      silent = value;
    },
    rateLimit: (retryAfterMs, opts = {}) => {
      const message = 'Too many requests';
      const errorOptions = {
        retryAfterMs,
        ...(opts.requestId ? { requestId: opts.requestId } : {}),
      };
      if (opts.close) errorThenClose(AppErrorCode.RateLimited, message, errorOptions);
      else
        sendText(
          JSON.stringify(buildErrorEnvelope(AppErrorCode.RateLimited, message, errorOptions)),
        );
    },
    refuseNext: (n = 1) => {
      toRefuse += n;
    },
    expireToken: (message = 'Token expired') => errorThenClose(AppErrorCode.Unauthorized, message),
    reply: (type, replyHandler, opts = {}) => {
      const entry = { handler: replyHandler, replyType: opts.replyType ?? type };
      replies.set(type, entry);
      return () => {
        if (replies.get(type) === entry) replies.delete(type);
      };
    },
    onConnection: (listener) => {
      const wrapped = (connection: { index: number; url: URL }) => listener(connection);
      connectionListeners.add(wrapped);
      return () => {
        connectionListeners.delete(wrapped);
      };
    },
    waitForConnection: (count = urls.length + 1) =>
      waiters.waitFor(() => (urls.length >= count ? urls.length : undefined)),
    waitForMessage: (predicate, opts = {}) =>
      waiters.waitFor(() => sent.slice(opts.from ?? 0).find(predicate)),
  };
}
