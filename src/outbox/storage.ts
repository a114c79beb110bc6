/**
 * Where a durable outbox keeps what delivery keeps (issue 22, SPEC.md section 9): the session's
 * resume state and the sends not acknowledged yet, per connection key and user, so that the next
 * page load of the same user can resume that session and send them again under the same seqs.
 * Two implementations share this contract (storage-contract.test.ts runs both): IndexedDB
 * (indexeddb.ts) and memory (memory.ts, for tests and as the shape to write another against).
 *
 * Every operation is one transaction: a page that dies mid-write leaves the store as it was
 * before the operation or after it, never between. What is kept for one user is never returned
 * for another: every record is keyed by (key, user).
 */

/** Why an outbox operation failed; the glue turns each into a fault that names it. */
export type OutboxErrorCode =
  /** No IndexedDB here (some private modes, a server render), or it would not open in time. */
  | 'unavailable'
  /** The browser's quota for this origin is used up. */
  | 'quota'
  /** The outbox's own bound (`maxCount` or `maxBytes`) is reached: nothing was written. */
  | 'full'
  /** The data cannot be stored (structured clone refused it). */
  | 'uncloneable'
  /** A seq kept already for this key and user. */
  | 'duplicate'
  /** The user (or the browser) cleared the site's storage: what was kept is gone. */
  | 'cleared'
  /** The database on disk is from a newer sockguard (a version this one does not know). */
  | 'version'
  /**
   * What a storage read back is not what this contract says (an app's own storage with a bug):
   * nothing of it is used, and it stays where it is until the session ends (`endSession()`).
   */
  | 'malformed'
  /** Anything else the storage threw. */
  | 'failed';

/** What an outbox operation rejects with. */
export class OutboxError extends Error {
  override readonly name = 'OutboxError';
  constructor(
    readonly code: OutboxErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The resume state of the session a key and user last had. */
export interface KeptSession {
  readonly session: string;
  readonly secret: string;
  /** The last seq handed out in the session (the next send gets one more). */
  readonly lastSeq: number;
  /** The highest server seq the app's handlers saw. */
  readonly highest: number;
}

/** One send kept until the server acknowledges it. */
export interface KeptMessage {
  readonly seq: number;
  /** The app's handle for `discard` and the pending list (stable across reloads). */
  readonly id: string;
  /** The frame as it goes on the wire (its `meta.seq` is `seq`): sent again as it is. */
  readonly text: string;
  /** Its size as the bounds count it (the UTF-8 length of `text`). */
  readonly bytes: number;
  /** Wall-clock ms when it was kept. */
  readonly at: number;
}

/** What {@link OutboxStorage.load} finds for a key and user. */
export interface Loaded {
  readonly session: KeptSession | null;
  /** In seq order. */
  readonly messages: readonly KeptMessage[];
  /** The highest seq an {@link OutboxStorage.ack} named (0 when none): numbers stay above it. */
  readonly acked: number;
  /**
   * The ids of the last sends an ack forgot (at most {@link ACKED_IDS}, oldest first; absent when
   * none, or empty): a send a tab hands again to the next SharedWorker, its word lost with the worker that
   * kept it, is known there as acknowledged, not sent twice.
   */
  readonly ackedIds?: readonly string[] | undefined;
}

/**
 * How many ids of acknowledged sends are remembered: far more than a worker can have told no tab
 * about when it crashed (only its last messages to them die with it).
 */
export const ACKED_IDS = 256;

/** The bounds of one key and user's kept sends. */
export interface OutboxBounds {
  /** Sends kept at most; one more is refused (`full`). @default 1000 */
  readonly maxCount?: number;
  /** Bytes kept at most (the sum of their `bytes`); one more is refused (`full`). @default 5_242_880 */
  readonly maxBytes?: number;
}

export const OUTBOX_BOUNDS = { maxCount: 1000, maxBytes: 5 * 1024 * 1024 } as const;

/** The storage of a durable outbox. Every method is one transaction. */
export interface OutboxStorage {
  load(key: string, user: string): Promise<Loaded>;
  /** Keeps the session's resume state (a welcome, a new number), the kept sends unchanged. */
  saveSession(key: string, user: string, session: KeptSession): Promise<void>;
  /** Keeps one send; rejects `full` past a bound and `duplicate` for a seq kept already. */
  add(key: string, user: string, message: KeptMessage): Promise<void>;
  /**
   * Forgets every kept send up to `seq` (the server acknowledged them), remembering their ids (the
   * last {@link ACKED_IDS}), and remembers `seq` as the highest acknowledged (never lowered);
   * returns how many were forgotten.
   */
  ack(key: string, user: string, seq: number): Promise<number>;
  /**
   * Forgets the sends of `remove` and keeps those of `add`, in one transaction (sends given new
   * numbers: a page that dies during it keeps either the old numbers or the new ones).
   */
  rewrite(
    key: string,
    user: string,
    remove: readonly number[],
    add: readonly KeptMessage[],
  ): Promise<void>;
  /** Forgets the kept send of this id (the app gave it up); false when there was none. */
  discard(key: string, user: string, id: string): Promise<boolean>;
  /** Forgets the session and every kept send of this key and user (a logout). */
  clear(key: string, user: string): Promise<void>;
  /**
   * Releases what the storage holds (IndexedDB: its open connection, so that another tab's upgrade
   * or a `deleteDatabase` waits for no socket that is gone). Nothing kept is lost, and nothing
   * under way is cut short: a later call opens it again.
   */
  close(): void;
}

/** The bytes a kept frame counts for: the UTF-8 length of its text. */
export const sizeOf = (text: string): number => new TextEncoder().encode(text).length;
