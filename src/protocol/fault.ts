/**
 * The shape every failure takes, whatever its source (SPEC.md section 2).
 * This file is the contract between the protocol, core and react layers: types only.
 */

/** The three categories of the protocol page. */
export type FaultKind = 'connection' | 'application' | 'transport';

/** `recoverable`: trying again can succeed by itself. `fatal`: something must change first. */
export type FaultSeverity = 'recoverable' | 'fatal';

/**
 * What the library does, or asks the UI to do, about a fault. `resync`: messages from the server
 * were missed and cannot be replayed (delivery on), so the app must fetch its state again.
 */
export type FaultAction = 'none' | 'reconnect' | 'backoff' | 'reauthenticate' | 'stop' | 'resync';

/** Named codes of transport failures (no number exists for them on the wire). */
export type TransportCode =
  | 'connect_timeout'
  | 'heartbeat_timeout'
  | 'network_lost'
  | 'offline'
  /** The handshake failed several times in a row before the socket ever opened. */
  | 'unreachable'
  /** Delivery on: a send on the open link got no acknowledgement within `ackTimeoutMs`. */
  | 'ack_timeout'
  /**
   * Delivery on: the server did not answer the hello within `helloTimeoutMs` (a slow session
   * store, say). A failed attempt, retried with backoff: never taken for a plain server.
   */
  | 'hello_timeout';

/** Named codes of client-side checks. */
export type ClientCode =
  /** An inbound frame was not valid JSON (or not text, or too large / too deep to parse safely). */
  | 'invalid_frame'
  /** An inbound frame was JSON but not a valid envelope, or its `data` failed the registered schema. */
  | 'invalid_envelope'
  | 'request_timeout'
  | 'request_aborted'
  /** A pending request or queued send was settled because the connection closed or was suspended. */
  | 'connection_closed'
  | 'queue_overflow'
  /** A message handler registered with `on()` threw. */
  | 'handler_error'
  /**
   * Another app callback threw (a subscribe listener, an error store subscriber, the backoff
   * function): it was caught, and the socket went on as if it had returned.
   */
  | 'callback_error'
  /**
   * The URL or protocols function threw or rejected (a token service down, say): nothing was
   * attempted. Recoverable: the socket tries again with backoff.
   */
  | 'url_failed'
  /**
   * No WebSocket to connect with: neither `options.WebSocket` nor a global one (a server, or
   * Node < 22). Fatal: pass `WebSocket` from the `ws` package.
   */
  | 'no_websocket'
  /** The URL (static or from the URL function) does not parse, or is not ws(s):// or http(s)://. */
  | 'invalid_url'
  /** The protocols function returned something other than a string or an array of strings. */
  | 'invalid_protocols'
  /**
   * The URL, protocols or `refreshAuth` function threw `unauthorized()`: the credentials are gone,
   * so the socket fails with `reauthenticate` (redirect to login) instead of retrying.
   */
  | 'unauthorized'
  /**
   * Delivery on: the server could not replay what this client missed (history gone, unknown
   * session, another instance): the app must fetch its state again. Action `resync`.
   */
  | 'resync'
  /**
   * Delivery on: a send was given up on: sent on `maxResends` connections without an
   * acknowledgement. It may or may not have arrived.
   */
  | 'not_acknowledged'
  /**
   * Delivery on: the server broke the delivery protocol (an ack before the welcome or of a frame
   * never sent, a welcome acknowledging more than was sent, a gap or a malformed number in its
   * messages). Nothing it said was applied; the connection is left and retried with backoff.
   * `detail.cause` says what it was.
   */
  | 'protocol_violation'
  /**
   * Delivery on: the server cannot read its session store right now (welcome reason
   * `unavailable`). Nothing of that welcome was applied; retried with backoff.
   */
  | 'session_unavailable'
  /**
   * Delivery on: a send or request of an earlier session was settled without being sent in the
   * new one: the server gave a new session (another user's session was asked for, or it forgot
   * the old one), or the app called `deliveryOf(socket).endSession()`. `detail.cause` says why, and
   * whether it may have been processed (it was sent before).
   */
  | 'session_changed'
  /**
   * Delivery with a durable outbox: a send could not be kept on this device (no IndexedDB, its
   * quota or the outbox's bound reached, storage cleared, another socket holds the outbox). It is
   * still sent, but would not survive the page. `detail.cause` says why.
   */
  | 'not_durable';

/** Where a fault came from; discriminates {@link Fault}. */
export type FaultSource = 'envelope' | 'close' | 'transport' | 'client';

interface FaultCommon {
  /** Stable id; a merged repeat or an error-then-close pair keeps the first id. */
  readonly id: string;
  readonly kind: FaultKind;
  /** Text safe to show a user: never a stack trace, a token or a URL. */
  readonly message: string;
  readonly severity: FaultSeverity;
  readonly action: FaultAction;
  readonly requestId?: string;
  readonly retryAfterMs?: number;
  /** Epoch milliseconds from the injected clock. */
  readonly timestamp: number;
  /** Raw detail for logs (server text, close reason, cause). Redacted; never rendered. */
  readonly detail: FaultDetail;
}

/** Log-only detail of a fault. Strings in it are already redacted. */
export interface FaultDetail {
  /** The server's own message, untrimmed (but redacted). */
  readonly serverMessage?: string;
  /** The close reason, when the fault came from (or was merged with) a close. */
  readonly closeReason?: string;
  readonly closeCode?: number;
  readonly wasClean?: boolean;
  /** The URL of the connection with its query string and credentials removed. */
  readonly url?: string;
  /** A short, redacted description of the underlying error (e.g. a parse error). */
  readonly cause?: string;
  /**
   * When the socket gave up (`unreachable` after the backoff's last retry): the failure before it,
   * with its facts (close code, reason, `wasClean`, cause).
   */
  readonly last?: FaultDetail & { readonly source: FaultSource; readonly code: number | string };
}

/**
 * A fault from an error envelope. When the server closes right after sending it (SPEC.md section 1),
 * the pair becomes this one fault: the envelope's id, code and message, the close's severity and
 * action, `kind: 'connection'`, and the close in `detail`.
 */
export interface EnvelopeFault extends FaultCommon {
  readonly source: 'envelope';
  /** The app code from `data.code` (4000–4005, 5000 or any other number). */
  readonly code: number;
}

export interface CloseFault extends FaultCommon {
  readonly source: 'close';
  /** The close code as received (may be outside 1000–4999). */
  readonly code: number;
}

export interface TransportFault extends FaultCommon {
  readonly source: 'transport';
  readonly code: TransportCode;
}

export interface ClientFault extends FaultCommon {
  readonly source: 'client';
  readonly code: ClientCode;
}

/** One shape for every failure. Narrow on `source`. */
export type Fault = EnvelopeFault | CloseFault | TransportFault | ClientFault;

/** An override of the default classification for one code. */
export interface ClassificationOverride {
  readonly severity?: FaultSeverity;
  readonly action?: FaultAction;
}
