/**
 * What the parts of one session layer share: the resolved options, the store, the sessions this
 * instance holds, and the isolation of every app callback and store call (a throw or a rejection
 * is reported through `onError`, never thrown into the layer).
 */
import type { Envelope } from '../../protocol/envelope.js';
import type { ConnectionLimits } from './connection.js';
import type { ReadOptions } from './frames.js';
import type { HistoryStore, MaybePromise } from './history-store.js';
import type { Session, SessionError, SessionSocket } from './types.js';

/** The outcome of a store call: its value, or the failure already reported. */
export type Attempt<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: unknown };

/** A session this instance holds, as the layer's parts see it. */
export interface HeldSession extends Session {
  readonly id: string;
  /** Whether the app has seen it (its welcome went out): `get` and `onSessionEnd` only show those. */
  readonly exposed: boolean;
  /** Stops the session for `close()`: pending ack sent, timers cleared, store told to expire it. */
  shutdown(): void;
  /**
   * For `drain()`: settles once the frame being handled (if any), the frames it sent and its
   * `acked` write to the store are done, then sends the ack at once. Frames not started are left.
   */
  settle(): Promise<void>;
}

/** Shared state of one session layer. */
export interface LayerContext<S extends SessionSocket> {
  readonly store: HistoryStore;
  readonly ackDelayMs: number;
  readonly sessionTtlMs: number;
  /** How long the store keeps a session's record (at least `sessionTtlMs`; its history goes after that). */
  readonly sessionRetainMs: number;
  readonly answerPings: boolean;
  /** How client frames are read (sizes before decoding, `parseFrame`'s limits). */
  readonly read: ReadOptions;
  /** Bounds of every connection. */
  readonly limits: ConnectionLimits;
  /** Delivery sessions held here at most (placeholders of hellos still opening included). */
  readonly maxSessions: number;
  /** How far above `acked` a client frame's `meta.seq` may be. */
  readonly maxSeqAhead: number;
  /** Delivery sessions by id (placeholders of a hello still opening included). */
  readonly sessions: Map<string, HeldSession>;
  /** Set by `close()`. */
  closed: boolean;
  /** Set by `drain()`: client frames not started yet are left unprocessed and unacknowledged. */
  draining: boolean;
  report(kind: SessionError['kind'], operation: string, error: unknown, session?: string): void;
  /** Calls `onMessage`, isolated; a returned Promise is returned never rejecting. */
  deliver(envelope: Envelope, session: Session, socket: S): void | Promise<void>;
  /** Calls `onSessionEnd`, isolated. */
  ended(session: Session): void;
  /** A fresh session id, not held yet. */
  newId(): string;
  /** What every claim token of this layer starts with (unique to the layer). */
  readonly instance: string;
  /** A fresh claim token (`owner` of `create`, `open` and `expire`). */
  claim(): string;
  /**
   * Runs a store call, reporting a throw or a rejection, except one `expected` says the caller
   * handles (an `UnknownSessionError` from `append`, say).
   */
  attempt<T>(
    session: string,
    operation: string,
    call: () => MaybePromise<T>,
    expected?: (error: unknown) => boolean,
  ): Promise<Attempt<T>>;
}

/** Timer that does not keep the process alive (a server must be able to exit with sessions held). */
export function startTimer(callback: () => void, ms: number): unknown {
  const handle: unknown = globalThis.setTimeout(callback, ms);
  (handle as { unref?: () => void }).unref?.();
  return handle;
}

/** Interval that does not keep the process alive; clear it with {@link stopInterval}. */
export function startInterval(callback: () => void, ms: number): unknown {
  const handle: unknown = globalThis.setInterval(callback, ms);
  (handle as { unref?: () => void }).unref?.();
  return handle;
}

/** Clears an interval from {@link startInterval}. */
export function stopInterval(handle: unknown): void {
  if (handle !== undefined) globalThis.clearInterval(handle as number);
}

/** Clears a timer from {@link startTimer}. */
export function stopTimer(handle: unknown): void {
  if (handle !== undefined) globalThis.clearTimeout(handle as number);
}

/** True for a Promise or another thenable. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
