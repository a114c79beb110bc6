/**
 * Where delivery's books are also kept, so that the next page load finds them: the shape a
 * durable outbox (outbox/outbox.ts) gives delivery. Delivery names only this shape; the outbox
 * plugs in from outside (`delivery({ outbox })`).
 */
import type { Host } from '../core/extension.js';
import type { Delivered } from '../core/types.js';
import type { Ledger, NumberedFrame } from './ledger.js';

/** A session's resume state, as a durable outbox keeps it. */
export interface ResumeState {
  readonly session: string;
  readonly secret: string;
  /** The last seq handed out. */
  readonly lastSeq: number;
  /** The highest server seq the handlers saw. */
  readonly highest: number;
}

/** Delivery's numbering and session, as the outbox reads and sets them. */
export interface BooksState {
  readonly session: string | null;
  readonly secret: string | undefined;
  /** The highest server seq the handlers saw. */
  readonly lastSeen: number;
  /** What a welcome of `session` may acknowledge at most (Infinity: what the server says). */
  readonly written: number;
  /** The last seq handed out. */
  readonly next: number;
}

/** @internal What delivery lets its store read and change (bound once, at its start). */
export interface DeliveryBooks {
  readonly ledger: Ledger;
  state(): BooksState;
  /** Takes an earlier page's session and numbering (its secret is concealed from then on). */
  adopt(state: BooksState): void;
  /** What earlier pages kept is in the books: the hello may go. */
  resume(): void;
  /** The snapshot changed (unacked). */
  changed(): void;
}

/**
 * @internal Where delivery's books are also kept so that the next page load finds them (a durable
 * outbox, outbox/outbox.ts). Delivery awaits only what it must: the store's `resume()` before the
 * first hello, and `session` before sending in a new session.
 */
export interface DeliveryStore {
  /** Delivery's books, once, when it starts. */
  bind(books: DeliveryBooks): void;
  /** A send (with its receipt) is kept: keep it too. */
  kept(frame: NumberedFrame, receipt: Promise<Delivered>): void;
  /** A welcome of the session asked for, before its `acked` is applied. */
  welcomed(acked: number): void;
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
}

/** What `indexedDbOutbox()` returns: pass it as `delivery({ outbox })`. */
export interface DeliveryOutbox {
  /** @internal The store of one socket's delivery (`host`: the socket's, core/extension.ts). */
  readonly create: (host: Host) => DeliveryStore;
}
