/**
 * Where delivery's books are also kept, so that the next page load finds them: the shape a
 * durable outbox (outbox/outbox.ts) gives delivery. Delivery names only this shape; the outbox
 * plugs in from outside (`delivery({ outbox })`).
 */
import type { Clock } from '../core/clock.js';
import type { Delivered } from '../core/types.js';
import type { ClientCode, Fault } from '../protocol/fault.js';
import type { NumberedFrame } from './ledger.js';

/** What earlier pages kept of this key and user (a durable outbox), resumed before the first hello. */
export interface Restored {
  /** The session they were in, with its secret and the highest server seq seen; null: none yet. */
  readonly session: {
    readonly session: string;
    readonly secret: string;
    readonly highest: number;
  } | null;
  /** No seq an earlier page used is above this: new sends are numbered after it. */
  readonly bound: number;
  /** The kept sends, in seq order, each with what is told its fate. */
  readonly kept: ReadonlyArray<readonly [NumberedFrame, (result: Delivered | Fault) => void]>;
}

/** A session's resume state, as a durable outbox keeps it. */
export interface ResumeState {
  readonly session: string;
  readonly secret: string;
  /** The last seq handed out. */
  readonly lastSeq: number;
  /** The highest server seq the handlers saw. */
  readonly highest: number;
}

/**
 * @internal Where delivery's books are also kept so that the next page load finds them (a durable
 * outbox, outbox/outbox.ts). Delivery calls it and awaits only what it must: `restored` before the
 * first hello, and `session` before sending in a new session.
 */
export interface DeliveryStore {
  /** What earlier pages kept; no hello goes before it settles (null: nothing to resume). */
  readonly restored: Promise<Restored | null>;
  /** A send (with its receipt) is kept: keep it too. */
  kept(frame: NumberedFrame, receipt: Promise<Delivered>): void;
  /** Kept sends, none written yet, got new numbers: each with its old seq (its text is new too). */
  renumbered(moved: ReadonlyArray<readonly [NumberedFrame, number]>): void;
  /** The server acknowledged every send up to `seq`. */
  acked(seq: number): void;
  /** A kept send ended without an ack (refused, given up): it is not sent again. */
  dropped(seq: number): void;
  /** Whether the send of `seq` is kept by the store (or being written). */
  holds(seq: number): boolean;
  /** The handlers saw server seq `highest`. */
  seen(highest: number): void;
  /** The session's state; settles once kept (a new session waits for it before sending). */
  session(state: ResumeState): Promise<void>;
  /** The session ended (`endSession()`, a plain server): nothing kept is sent again. */
  ended(): void;
  /** The socket stopped for good (`close()`, a fatal fault): the store is let go. */
  stopped(): void;
  /** How the store gives up a kept send the app discards: false when it was not kept. */
  attach(cancel: (seq: number) => boolean): void;
}

/** What a durable outbox needs of the socket it serves. */
export interface OutboxHost {
  readonly clock: Clock;
  /** Reports a fault of the client (`not_durable`) to the socket's error store. */
  report(code: ClientCode, cause: string): Fault;
  /** Runs app code (a listener): a throw becomes a reported fault. */
  isolate<T>(what: string, callback: () => T, fallback: T): T;
}

/** What `indexedDbOutbox()` returns: pass it as `delivery({ outbox })`. */
export interface DeliveryOutbox {
  /** @internal The store of one socket's delivery. */
  readonly create: (socket: object, host: OutboxHost) => DeliveryStore;
}
