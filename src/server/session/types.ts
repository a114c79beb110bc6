/** The public types of the session layer (docs/server.md, "Sessions"). */
import type { Envelope, WireMeta } from '../../protocol/envelope.js';
import type { ErrorEnvelopeOptions } from '../envelope.js';
import type { CloseWithErrorOptions, ServerSocket } from '../send.js';
import type { HistoryStore } from './history-store.js';

/**
 * The part of a server-side socket the session layer uses: a `ws` 8 `WebSocket` fits, and so does
 * an adapter with the same members (the demo wraps its sockets in one to simulate a dead link).
 */
export interface SessionSocket extends ServerSocket {
  on(event: 'message', listener: (data: unknown, isBinary: boolean) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  /**
   * Stops reading from the socket (`ws` 8: `WebSocket.pause()`): called while the frames waiting
   * for the app's handler are over `maxQueuedFrames` or `maxQueuedBytes`, so TCP slows the client
   * down instead of the server holding its frames. Without it, the connection is closed (1013)
   * past twice the limit.
   */
  pause?(): void;
  /** Reads from the socket again (`ws` 8: `WebSocket.resume()`). */
  resume?(): void;
  /**
   * Bytes written but not yet sent (`ws`: `WebSocket.bufferedAmount`): over `maxBufferedBytes` the
   * client is a slow consumer and is closed. Without it the outbound buffer is not bounded here.
   */
  readonly bufferedAmount?: number;
  /** Destroys the socket at once (`ws`: `WebSocket.terminate()`), used for a slow consumer. */
  terminate?(): void;
}

/** Who is on a connection: the second argument of {@link SessionServer.accept}. */
export type AcceptOptions =
  /**
   * The principal you authenticated the upgrade for (a user id; a non-empty string of at most
   * 512 characters). A delivery session is bound to it: a connection of another principal never
   * resumes it, even with its id and secret (it gets a new session, `reason: 'other_principal'`).
   */
  | { readonly principal: string; readonly anonymous?: undefined }
  /**
   * An app without users opts out explicitly: every anonymous connection is the same principal,
   * so the resume secret alone guards a session.
   */
  | { readonly anonymous: true; readonly principal?: undefined };

/**
 * One client's conversation with the server. With delivery on (the client's first frame was a
 * `sockguard.hello`) it outlives its connections: every application frame sent through it is
 * numbered and kept for a resume. A plain client (any other first frame) gets a session of one
 * connection with `delivery: false`: nothing numbered, nothing kept, frames written as they are.
 */
export interface Session {
  /** The session id the client resumes with; `undefined` for a plain client. */
  readonly id: string | undefined;
  /**
   * The principal given to `accept` for the connection that started the session (every later
   * connection of it has the same one); `undefined` for an anonymous connection.
   */
  readonly principal: string | undefined;
  /** Whether the client speaks the delivery extension. */
  readonly delivery: boolean;
  /** Whether a connection is attached now (a detached session keeps what is sent to it). */
  readonly connected: boolean;
  /** The last server `seq` assigned (0: none; always 0 for a plain client). */
  readonly seq: number;
  /** The highest client `seq` processed (0: none). */
  readonly acked: number;
  /**
   * Sends an application frame. With delivery it takes the next `seq`, is kept in the history and
   * written to the live connection if any (otherwise replayed on resume); resolves with the `seq`.
   * Resolves `undefined` when nothing was numbered: a plain client, `pong` or a `sockguard.*` type
   * (control frames: written to the live connection only), data that cannot be serialized, a
   * forgotten session, or a store that failed (then written unnumbered to the live connection).
   * Never rejects; failures go to `onError`.
   */
  send(type: string, data?: unknown, meta?: WireMeta): Promise<number | undefined>;
  /** {@link send} with `meta.request_id` taken from `request` (the reply the client waits for). */
  reply(request: Envelope, type: string, data?: unknown): Promise<number | undefined>;
  /** Sends an `"error"` envelope (numbered like any application frame), see `sendError`. */
  sendError(
    code: number,
    message: string,
    options?: ErrorEnvelopeOptions,
  ): Promise<number | undefined>;
  /**
   * Sends the error envelope, then closes the live connection with the matching close code
   * (see `closeWithError`). The session itself is kept for `sessionTtlMs`.
   */
  closeWithError(code: number, message: string, options?: CloseWithErrorOptions): Promise<void>;
  /** Closes the live connection after the frames already sent through the session. */
  close(code?: number, reason?: string): void;
}

/** A failure the session layer caught and kept going after. */
export interface SessionError {
  /** `callback`: an app callback threw; `store`: a history store call failed; `encode`: data not serializable. */
  readonly kind: 'callback' | 'store' | 'encode';
  /** The callback (`onMessage`, `onSessionEnd`, `newSessionId`) or store method that failed. */
  readonly operation: string;
  readonly error: unknown;
  /** The session concerned, when there is one. */
  readonly session: string | undefined;
}

/** Options of `createSessionServer`. */
export interface SessionServerOptions<S extends SessionSocket = SessionSocket> {
  /**
   * Called once per processed client frame, in order per session: never for a duplicate, a control
   * frame (`sockguard.*`, and `ping` while `answerPings`) or a malformed frame (answered with error
   * 4000). A returned Promise is awaited before the next frame of the session and before the frame
   * is acknowledged. A throw or rejection goes to `onError`; the frame still counts as processed.
   */
  readonly onMessage: (envelope: Envelope, session: Session, socket: S) => void | Promise<void>;
  /** Where caught failures go. @default console.error */
  readonly onError?: ((error: SessionError) => void) | undefined;
  /**
   * A session is forgotten: `sessionTtlMs` after its last connection closed (delivery), when its
   * connection closed (plain), or when the store no longer knows it. With `sessionRetainMs` the
   * store keeps its numbering longer, and a later resume of the id is a new `Session`.
   */
  readonly onSessionEnd?: ((session: Session) => void) | undefined;
  /** Where sessions, counters and histories live. @default createMemoryHistory() */
  readonly history?: HistoryStore | undefined;
  /** Acks are batched for this long after a frame is processed (the protocol allows 100). @default 10 */
  readonly ackDelayMs?: number | undefined;
  /**
   * How long a session is kept, its history included, after its connection closed: a resume
   * within it replays what the client missed. @default 120_000
   */
  readonly sessionTtlMs?: number | undefined;
  /**
   * How long a session's numbering (its `seq` and `acked`) and its binding outlive its
   * connection, for clients that keep sends across a reload or a closed tab (a durable outbox):
   * a resume after `sessionTtlMs` and within this gets the same session with `resumed: false,
   * reason: 'history_gone'` (the client resyncs) and the right `acked`, so a kept send the server
   * processed already is acknowledged, not processed again. The history goes after
   * `sessionTtlMs` all the same: a retained session costs a fixed small record (about 480 bytes
   * in the memory store, a 250-byte hash in Redis, measured with a UUID id). At least `sessionTtlMs`. @default sessionTtlMs (off)
   */
  readonly sessionRetainMs?: number | undefined;
  /** Answer `{"type":"ping"}` with `{"type":"pong"}` in the layer (not passed to `onMessage`). @default true */
  readonly answerPings?: boolean | undefined;
  /** New session ids. @default crypto.randomUUID */
  readonly newSessionId?: (() => string) | undefined;
  /** Frames longer than this are malformed (error 4000). @default 1_048_576 (parseFrame's) */
  readonly maxFrameChars?: number | undefined;
  /** Frames nested deeper than this are malformed (checked on the text, before parsing). @default 64 */
  readonly maxDepth?: number | undefined;
  /**
   * Frames longer than this many bytes are malformed (error 4000), refused before they are
   * decoded to text. Set `ws`'s `maxPayload` to about the same: that is what bounds the memory a
   * single frame takes before the layer sees it. @default 1_048_576
   */
  readonly maxFrameBytes?: number | undefined;
  /**
   * Frames a connection may send between its hello and the welcome (a client following the
   * protocol sends none but pings): past this, or past `maxBacklogBytes`, it is closed with 1008.
   * @default 64
   */
  readonly maxBacklogFrames?: number | undefined;
  /** Bytes of frames held between a hello and its welcome (see `maxBacklogFrames`). @default 1_048_576 */
  readonly maxBacklogBytes?: number | undefined;
  /**
   * Frames of one connection waiting for the app's handler (a slow async `onMessage`): past this,
   * or past `maxQueuedBytes`, the socket is paused (`socket.pause()`) until the queue is down to
   * half; past twice either (a socket without `pause`), the connection is closed with 1013.
   * @default 1000
   */
  readonly maxQueuedFrames?: number | undefined;
  /** Bytes of frames waiting for the app's handler (see `maxQueuedFrames`). @default 4_194_304 */
  readonly maxQueuedBytes?: number | undefined;
  /**
   * Bytes written to a client and not sent yet (`socket.bufferedAmount`): past this the client is
   * a slow consumer, closed with 1013 and its socket destroyed; a delivery session stays for its
   * resume. What a resume's replay leaves unsent does not count until it drained below this once.
   * @default 4_194_304
   */
  readonly maxBufferedBytes?: number | undefined;
  /**
   * Delivery sessions this instance holds (connected, or waiting `sessionTtlMs` for a resume): a
   * hello that needs one more is closed with 1013, without a welcome. @default 10_000
   */
  readonly maxSessions?: number | undefined;
  /**
   * How far above the session's `acked` a client frame's `meta.seq` may be: a frame further
   * ahead, or whose `meta.seq` is not a positive safe integer, is refused with error 4000, not
   * processed and not acknowledged (a client numbers its sends one by one; a tab handover jumps
   * by 1,000,000). @default 4_294_967_296 (2^32)
   */
  readonly maxSeqAhead?: number | undefined;
}

/** The session layer over your `ws` server. */
export interface SessionServer<S extends SessionSocket = SessionSocket> {
  /**
   * Serves one connection: call it from `wss.on('connection')`, after you authenticated the
   * upgrade, with who is on it: `{ principal }` (your user id), or `{ anonymous: true }` for an
   * app without users. Throws a TypeError without one, or for a principal that is not a
   * non-empty string of at most 512 characters.
   */
  accept(socket: S, options: AcceptOptions): void;
  /** A delivery session this instance holds (connected, or detached within its TTL). */
  get(id: string): Session | undefined;
  /** How many delivery sessions this instance holds. */
  readonly size: number;
  /**
   * Sends an application frame to any delivery session, held here or not: a session held here
   * sends it as {@link Session.send}; any other is numbered through the store, and with a store
   * shared by several instances (one with `subscribe`) the instance holding its connection writes
   * it (otherwise it is replayed when the client resumes). Resolves with the `seq`, or `undefined`
   * when nothing was numbered: a session the store does not know (not reported), a control type
   * (`pong`, `sockguard.*`: they belong to one connection) for a session not held here, data that
   * cannot be serialized, a store that failed, or a closed layer. Never rejects.
   */
  send(id: string, type: string, data?: unknown, meta?: WireMeta): Promise<number | undefined>;
  /**
   * Stops: clears every timer, sends pending acks, closes every connection with 1001 (clients
   * resume elsewhere) and tells the store to expire the sessions that had one. Client frames not
   * processed yet are dropped unacknowledged (the client sends them again to the next holder).
   * Idempotent.
   */
  close(): void;
  /**
   * Stops gracefully, for a deploy: takes no new connection or client frame, lets the frames being
   * handled finish (their replies are kept and written, their `acked` reaches the store and the
   * client), then closes as {@link close} does. The next instance resumes each session with
   * nothing processed twice, even with slow async handlers. Frames not started are left
   * unacknowledged (the client sends them again to the next instance). Past `timeoutMs` (default
   * 10 000) it closes anyway, and the frames still being handled may be processed again there
   * (`complete: false`). Calling it again returns the same Promise.
   */
  drain(options?: DrainOptions): Promise<DrainResult>;
}

/** Options of {@link SessionServer.drain}. */
export interface DrainOptions {
  /** How long to wait for the frames being handled. @default 10_000 */
  readonly timeoutMs?: number | undefined;
}

/** What {@link SessionServer.drain} did. */
export interface DrainResult {
  /** False when `timeoutMs` ran out first: handlers still running may see their frame again elsewhere. */
  readonly complete: boolean;
}
