/**
 * The pluggable store behind the session layer: per session, the server's `seq` counter, `acked`
 * (the highest client `seq` processed) and the bounded history of numbered frames. Every method may
 * return a Promise, so a store outside the process (Redis, shared by several instances) fits the
 * same interface as the embedded {@link createMemoryHistory}.
 */

/** A value, or a Promise of it: a store answers synchronously or not, as it can. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * Who a session belongs to, and the proof a resume must bring (docs/protocol.md, "Identity").
 * Given to {@link HistoryStore.create} (kept with the session) and to {@link HistoryStore.open}
 * (the resuming connection's: compared with the kept one before anything else happens).
 */
export interface SessionBinding {
  /**
   * The principal the app passed to `accept(socket, { principal })`, or `''` for a connection
   * accepted with `{ anonymous: true }` (a principal is never empty, so the two cannot meet).
   */
  readonly principal: string;
  /**
   * SHA-256 of the session's resume secret, 64 lowercase hex characters. The secret itself is
   * never given to a store: a copy of the store's data does not let anyone resume a session.
   */
  readonly secretHash: string;
}

/**
 * {@link HistoryStore.open}'s answer when the resume secret is right but the session belongs to
 * another principal (a user switch in the same tab): the session is not claimed or touched.
 */
export const OTHER_PRINCIPAL = 'other_principal';

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
 * What a store tells a connection's subscription ({@link HistoryStore.subscribe}):
 * - `frame`: a frame was numbered in the session, on this instance or another (`text` exactly as
 *   kept, `meta.seq` included).
 * - `claimed`: a connection claimed the session with {@link HistoryStore.open} or `create`
 *   (`owner` is the token it passed). Claims reach each subscriber in the order the store took them.
 * - `lost`: events may have been missed (the store lost its subscription and has it again, or could
 *   not confirm it): the layer makes the client resume, which serves the gap from the history.
 * - `forgotten`: the store found that it no longer knows the session (its data was lost: a Redis
 *   restarted empty, flushed or evicting): the layer ends the session here and closes its
 *   connection, so the client resumes, is told `unknown_session` and resyncs.
 */
export type SessionEvent =
  | { readonly type: 'frame'; readonly seq: number; readonly text: string }
  | { readonly type: 'claimed'; readonly owner: string }
  | { readonly type: 'lost' }
  | { readonly type: 'forgotten' };

/** Ends a subscription. Never throws. */
export type Unsubscribe = () => void;

/**
 * The error a store throws from {@link HistoryStore.append} for a session it does not know (never
 * created, or expired): the layer treats it as a forgotten session, not as a store failure.
 */
export class UnknownSessionError extends Error {
  override readonly name = 'UnknownSessionError';
  /** The session asked for (not enumerable: a logged error does not print it). */
  declare readonly session: string;
  constructor(session: string) {
    // No id in the message: session ids stay out of logs (docs/server.md, "Security").
    super('unknown session');
    Object.defineProperty(this, 'session', { value: session, enumerable: false });
  }
}

/** True for an {@link UnknownSessionError}, also one from another copy of this module. */
export const isUnknownSession = (error: unknown): boolean =>
  error instanceof Error && error.name === 'UnknownSessionError';

/**
 * True for a store failure that may still have taken effect (a command that timed out may have
 * run): such an error carries `uncertain: true`. After an uncertain `append` the layer does not
 * write the frame unnumbered, since the numbered one may follow through the subscription.
 */
export const isUncertain = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && Reflect.get(error, 'uncertain') === true;

/**
 * Where sessions live. The session layer serializes `create`, `open`, `append` and `expire` per
 * session on one instance (each waits for the previous one to settle); `setAcked` may overlap them
 * and must keep the highest value. A method that throws or rejects is reported through the layer's
 * `onError` and the layer degrades (see docs/server.md), it never crashes.
 *
 * **Binding.** A session is created with a {@link SessionBinding} (its principal and the hash of
 * its resume secret) and `open` checks the resuming connection's binding against it before it
 * claims or reads anything: a wrong secret reads exactly as an unknown session (`undefined`), the
 * right secret with another principal as {@link OTHER_PRINCIPAL}; neither claims the session,
 * cancels its expiry or tells its subscribers anything. A store shared by several instances must
 * make the check and the claim one atomic step (the Redis store does both in one Lua script).
 *
 * **Owners.** `create` and `open` pass `owner`, a token unique to that claim of the session by one
 * connection; `expire` passes the token of the claim it ends. A store shared by several instances
 * must ignore an `expire` whose owner is not the latest claim: a late `expire` from the instance a
 * client left must not end the session the client now holds on another one.
 */
export interface HistoryStore {
  /**
   * Creates the session with `seq` 0, `acked` 0 and an empty history, bound to `binding` and
   * claimed by `owner`.
   */
  create(session: string, owner: string, binding: SessionBinding): MaybePromise<void>;
  /**
   * A connection that presents `binding` asks for the session. When the store knows it and
   * `binding.secretHash` is its secret's hash and `binding.principal` its principal: records
   * `owner` as its latest claim, cancels a pending {@link expire} and returns its state with the
   * frames after `afterSeq`. Otherwise claims nothing and returns `undefined` (unknown session,
   * or a secret that is not its own: the two must not be told apart) or {@link OTHER_PRINCIPAL}
   * (the right secret, another principal).
   */
  open(
    session: string,
    afterSeq: number,
    owner: string,
    binding: SessionBinding,
  ): MaybePromise<OpenedSession | typeof OTHER_PRINCIPAL | undefined>;
  /**
   * Numbers one application frame: takes the next `seq` (last + 1), keeps `encode(seq)` (the frame
   * text, `meta.seq` included) in the history, trims it to its bounds, and returns that `seq`.
   * Throws or rejects with {@link UnknownSessionError} when the session is unknown.
   */
  append(session: string, encode: (seq: number) => string): MaybePromise<number>;
  /** Records that client frames up to `acked` are processed (a lower value than the kept one is ignored). */
  setAcked(session: string, acked: number): MaybePromise<void>;
  /**
   * No connection holds the session: forget it after `ttlMs` unless {@link open} claims it first.
   * Ignored when `owner` is not the session's latest claim. `historyMs` (below `ttlMs` when the
   * layer's `sessionRetainMs` is on): its history goes after that, while its binding, `seq` and
   * `acked` stay until `ttlMs` (an `open` after it reads `replay: undefined` unless nothing was
   * missed). A store that ignores it keeps the history for `ttlMs`.
   */
  expire(session: string, ttlMs: number, owner: string, historyMs?: number): MaybePromise<void>;
  /**
   * Optional, for a store shared by several instances: calls `listener` with the session's
   * {@link SessionEvent}s from when the returned Promise resolves until the subscription ends.
   * The layer subscribes before it opens the session, while one of its connections holds it, so
   * a frame numbered on another instance reaches that connection. Resolves even when the store
   * cannot subscribe now; then `lost` follows once it can. Never rejects.
   */
  subscribe?(session: string, listener: (event: SessionEvent) => void): MaybePromise<Unsubscribe>;
}

/** The method names of {@link HistoryStore}, for the option check. */
export const HISTORY_STORE_METHODS = ['create', 'open', 'append', 'setAcked', 'expire'] as const;
