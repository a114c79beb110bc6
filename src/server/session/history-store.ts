/**
 * The pluggable store behind the session layer: per session, the server's `seq` counter, `acked`
 * (the highest client `seq` processed) and the bounded history of numbered frames. Every method may
 * return a Promise, so a store outside the process (Redis, shared by several instances) fits the
 * same interface as the embedded {@link createMemoryHistory}.
 */

/** A value, or a Promise of it: a store answers synchronously or not, as it can. */
export type MaybePromise<T> = T | Promise<T>;

/** What {@link HistoryStore.open} knows of a session. */
export interface OpenedSession {
  /** The last server `seq` assigned in the session (0: none yet). */
  readonly seq: number;
  /** The highest client `seq` recorded with {@link HistoryStore.setAcked} (0: none). */
  readonly acked: number;
  /**
   * Every kept frame with a `seq` greater than the `afterSeq` asked for, in order, each exactly as
   * first sent; `[]` when `afterSeq` equals `seq`. `undefined` when the history no longer holds all
   * of them (trimmed by count, bytes or age) or `afterSeq` is greater than `seq`.
   */
  readonly replay: readonly string[] | undefined;
}

/**
 * Where sessions live. The session layer serializes `create`, `open`, `append` and `expire` per
 * session on one instance (each waits for the previous one to settle); `setAcked` may overlap them
 * and must keep the highest value. A method that throws or rejects is reported through the layer's
 * `onError` and the layer degrades (see docs/server.md), it never crashes.
 */
export interface HistoryStore {
  /** Creates the session with `seq` 0, `acked` 0 and an empty history. */
  create(session: string): MaybePromise<void>;
  /**
   * A connection now holds the session: cancels a pending {@link expire} and returns its state with
   * the frames after `afterSeq`, or `undefined` when the store does not know the session.
   */
  open(session: string, afterSeq: number): MaybePromise<OpenedSession | undefined>;
  /**
   * Numbers one application frame: takes the next `seq` (last + 1), keeps `encode(seq)` (the frame
   * text, `meta.seq` included) in the history, trims it to its bounds, and returns that `seq`.
   * Throws or rejects when the session is unknown.
   */
  append(session: string, encode: (seq: number) => string): MaybePromise<number>;
  /** Records that client frames up to `acked` are processed (a lower value than the kept one is ignored). */
  setAcked(session: string, acked: number): MaybePromise<void>;
  /** No connection holds the session: forget it after `ttlMs` unless {@link open} claims it first. */
  expire(session: string, ttlMs: number): MaybePromise<void>;
}

/** The method names of {@link HistoryStore}, for the option check. */
export const HISTORY_STORE_METHODS = ['create', 'open', 'append', 'setAcked', 'expire'] as const;
