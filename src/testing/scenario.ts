import { type WebSocketHandler, type WebSocketLink, ws } from 'msw';
import { AppErrorCode, closeCodeForAppCode } from '../protocol/app-codes.js';
import type { ResumeFailure, WelcomeData } from '../protocol/delivery.js';
import type { WireEnvelope, WireMeta } from '../protocol/envelope.js';
import {
  buildEnvelope,
  buildErrorEnvelope,
  type ErrorEnvelopeOptions,
} from '../server/envelope.js';
import { truncateCloseReason } from '../server/reason.js';
import { abort, closeAfterSends, isLive, type MockClient } from './client-socket.js';
import {
  createDeliverySessions,
  type DeliveryScenarioOptions,
  type DeliverySessions,
} from './delivery-sessions.js';
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
  /**
   * Speak the delivery extension (docs/protocol.md "Delivery"), for clients made with
   * `delivery: delivery()`: welcome each hello, number and keep what the scenario sends, replay
   * it on resume, acknowledge numbered client frames and drop duplicates. @default false
   */
  readonly delivery?: boolean | DeliveryScenarioOptions;
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
  /**
   * The client envelopes the server handled as application frames, in order: `sent` without
   * pings, delivery control frames, duplicates dropped, or frames that came while silent.
   */
  readonly processed: readonly WireEnvelope[];
  /** Delivery: the welcome of every hello answered, in order (`session`, `resumed`, `replay`…). */
  readonly welcomes: readonly WelcomeData[];
  /** Delivery: numbered client frames dropped as duplicates (each was acknowledged again). */
  readonly duplicates: readonly WireEnvelope[];
  /**
   * Sends an envelope to every open connection. With delivery, to every session, connected or
   * not: numbered (`meta.seq`) and kept for replay; a connection that has not said hello yet gets
   * it after its welcome.
   */
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
  /**
   * Delivery: stops acknowledging client frames; they are still processed, and a reconnect's
   * welcome still says how far (`acked`). Sends stay pending on the client until
   * {@link Scenario.releaseAcks} or a reconnect.
   */
  holdAcks(): void;
  /** Delivery: acknowledges again, at once with one cumulative ack per connected session. */
  releaseAcks(): void;
  /**
   * Delivery: the next hello that names a known session is welcomed with `resumed: false` and
   * `reason`: `history_gone` (same session, history cleared; the client reports a `resync` fault),
   * `unknown_session` (a new session: a `resync` fault, and sends written before are rejected),
   * `other_principal` (a new session: every send kept for the old one is rejected), or
   * `unavailable` (the welcome, then a close 1013; nothing of that connection is processed, and
   * the client retries). @default 'history_gone'
   */
  failNextResume(reason?: ResumeFailure): void;
  /** Delivery: resolves with the welcome once `welcomes` reaches `count`. @default the next one */
  waitForWelcome(count?: number): Promise<WelcomeData>;
  /** Answers requests of `type` (by `request_id`) with the handler's result. Returns an undo. */
  reply(type: string, handler: ReplyHandler, options?: { replyType?: string }): () => void;
  /**
   * Runs `listener` on every accepted handshake (not refused ones), once the connection is
   * registered, so scripting calls inside it (e.g. `expireToken()`) reach the new client.
   * Returns an undo.
   */
  onConnection(listener: (connection: { index: number; url: URL }) => void): () => void;
  /**
   * Resolves once `connections` reaches `count`. @default connections + 1 (the next handshake)
   * Rejects at once, naming the fix, when the test environment has no `WebSocket` (so the client
   * cannot connect at all); so do `waitForMessage` and `waitForWelcome`.
   */
  waitForConnection(count?: number): Promise<number>;
  /** Resolves with the first envelope from index `from` of `sent` that matches. @default from 0 */
  waitForMessage(
    predicate: (envelope: WireEnvelope) => boolean,
    options?: { from?: number },
  ): Promise<WireEnvelope>;
}

const WIRE = {
  write: (client: MockClient, text: string) => client.send(text),
  live: isLive,
  close: (client: MockClient, code: number, reason: string) => client.close(code, reason),
  closeAfterWrites: closeAfterSends,
  url: (client: MockClient) => client.url,
};

function deliveryOf(option: ScenarioOptions['delivery']): DeliverySessions<MockClient> | null {
  if (option === undefined || option === false) return null;
  return createDeliverySessions(WIRE, option === true ? {} : option);
}

/**
 * What a wait says at once when the test environment has no `WebSocket` (Node 20's own
 * environment): the client would report `no_websocket` and never connect, and the wait would end
 * only at the test's timeout with nothing to go on.
 */
function noWebSocket(member: string): Error {
  return new Error(
    `scenario.${member}: this test environment has no WebSocket, so no client can connect (its ` +
      `socket reports no_websocket) and msw has nothing to intercept. Put ` +
      `"// @vitest-environment happy-dom" (or jsdom) as the first line of the test file, or set ` +
      `test.environment in vitest.config.ts.`,
  );
}

/** A wait for the client: rejected at once when no client can connect at all. */
function waitForClient<T>(member: string, wait: () => Promise<T>): Promise<T> {
  return typeof globalThis.WebSocket === 'function' ? wait() : Promise.reject(noWebSocket(member));
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
  const processed: WireEnvelope[] = [];
  const delivery = deliveryOf(options.delivery);
  /** The delivery books, or a throw naming the option a delivery member needs. */
  const books = (member: string): DeliverySessions<MockClient> => {
    if (delivery === null) {
      throw new Error(`scenario.${member} needs createScenario(url, { delivery: true })`);
    }
    return delivery;
  };
  const replies = new Map<string, { handler: ReplyHandler; replyType: string }>();
  const waiters = new Waiters();
  const connectionListeners = new Set<(connection: { index: number; url: URL }) => void>();
  let toRefuse = 0;
  let silent = false;

  const live = () => [...clients].filter(isLive);
  const sendText = (text: string) => {
    for (const client of live()) client.send(text);
  };
  /** An envelope for each open connection (errors): numbered in its session with delivery. */
  const textFor = (client: MockClient, envelope: WireEnvelope) =>
    delivery === null ? JSON.stringify(envelope) : delivery.textFor(client, envelope);
  const sendEach = (envelope: WireEnvelope) => {
    for (const client of live()) client.send(textFor(client, envelope));
  };
  const errorThenClose = (code: number, message: string, opts: ErrorThenCloseOptions = {}) => {
    const envelope = buildErrorEnvelope(code, message, opts);
    const closeCode = closeCodeForAppCode(opts.closeCode ?? code);
    for (const client of live()) {
      client.send(textFor(client, envelope));
      closeAfterSends(client, closeCode, truncateCloseReason(message));
    }
  };

  async function answer(client: MockClient, request: WireEnvelope, requestId: string) {
    const entry = replies.get(request.type);
    if (!entry) return;
    const result: unknown = await entry.handler(request);
    if (silent) return;
    const envelope = isErrorReply(result)
      ? buildErrorEnvelope(result.code, result.message, { ...result.options, requestId })
      : buildEnvelope(entry.replyType, result, { request_id: requestId });
    // With delivery the reply belongs to the session: kept for replay if the link dropped.
    if (delivery !== null) delivery.reply(client, envelope);
    else if (isLive(client)) client.send(JSON.stringify(envelope));
  }

  function handle(client: MockClient, envelope: WireEnvelope) {
    if (silent) return;
    if (autoPong && envelope.type === pingType) {
      client.send(JSON.stringify({ type: pongType }));
      return;
    }
    if (delivery !== null && delivery.inbound(client, envelope) !== 'process') return;
    processed.push(envelope);
    const requestId = envelope.meta?.request_id;
    if (typeof requestId === 'string') void answer(client, envelope, requestId);
  }

  function receive(client: MockClient, data: unknown) {
    if (typeof data !== 'string') return;
    rawSent.push(data);
    const envelope = parseEnvelope(data);
    if (envelope) {
      sent.push(envelope);
      handle(client, envelope);
    }
    // After handling, so a wait for a welcome or a processed frame sees it.
    waiters.notify();
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
    delivery?.opened(client);
    client.addEventListener('message', (event) => receive(client, event.data));
    client.addEventListener('close', () => {
      clients.delete(client);
      delivery?.closed(client);
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
    processed,
    welcomes: delivery?.welcomes ?? [],
    duplicates: delivery?.duplicates ?? [],
    send: (type, data, meta) => {
      const envelope = buildEnvelope(type, data, meta);
      if (delivery !== null) delivery.broadcast(envelope);
      else sendText(JSON.stringify(envelope));
    },
    sendRaw: sendText,
    sendError: (code, message, opts) => sendEach(buildErrorEnvelope(code, message, opts)),
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
      else sendEach(buildErrorEnvelope(AppErrorCode.RateLimited, message, errorOptions));
    },
    refuseNext: (n = 1) => {
      toRefuse += n;
    },
    expireToken: (message = 'Token expired') => errorThenClose(AppErrorCode.Unauthorized, message),
    holdAcks: () => books('holdAcks()').holdAcks(),
    releaseAcks: () => books('releaseAcks()').releaseAcks(),
    failNextResume: (reason = 'history_gone') => books('failNextResume()').failNextResume(reason),
    waitForWelcome: (count) => {
      const { welcomes } = books('waitForWelcome()');
      const wanted = count ?? welcomes.length + 1;
      return waitForClient('waitForWelcome()', () =>
        waiters.waitFor(() => (welcomes.length >= wanted ? welcomes[wanted - 1] : undefined)),
      );
    },
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
      waitForClient('waitForConnection()', () =>
        waiters.waitFor(() => (urls.length >= count ? urls.length : undefined)),
      ),
    waitForMessage: (predicate, opts = {}) =>
      waitForClient('waitForMessage()', () =>
        waiters.waitFor(() => sent.slice(opts.from ?? 0).find(predicate)),
      ),
  };
}
