/**
 * Types of the error store (SPEC.md section 4): the contract between the core, which reports
 * faults, and the react layer, which reads them. Re-exported from `error-store.ts`.
 */
import type { StoreApi } from 'zustand/vanilla';
import type { Fault } from '../../protocol/fault.js';
import type { Clock } from '../clock.js';

/**
 * A fault as the store keeps it, with its repeat count. Faults come redacted from where they are
 * made (`classify`); the store keeps and logs them as given.
 */
export type StoredFault = Fault & {
  /** Repeats merged into this entry (1 for the first). */
  readonly count: number;
  /** Wall-clock ms (`clock.now()`) of the first occurrence, for display. */
  readonly firstAt: number;
  /** Wall-clock ms of the latest repeat or update, for display. */
  readonly lastAt: number;
  /**
   * Wall-clock ms at which a recoverable fault is due to leave `toasts` (`lastAt +
   * recoverableTtlMs`), for display; null for a fatal fault (it never expires) or when the TTL is
   * disabled. The store measures the TTL on the monotonic clock, so a wall clock stepped back or
   * forward after the report changes when it leaves by nothing.
   */
  readonly expiresAt: number | null;
  /**
   * Who reported it: the `origin` of the report's context (a socket's reporter passes its own), so
   * {@link ErrorState.resolveConnection} touches only that socket's faults in a shared store.
   * Absent when the report named none.
   */
  readonly origin?: string;
};

/**
 * One toast: the active faults that read the same to a user (equal `message` and `severity`) shown
 * once, whatever their source or code. Its fields are those of its newest fault, except: `id` is
 * the id of the fault that has shown this text longest (so the toast keeps its key while others
 * join), `count` the sum of their counts, `firstAt` the earliest, and `expiresAt` the latest
 * (null if any of them never expires): the toast leaves when its last fault does.
 */
export type Toast = StoredFault & {
  /** The faults behind this toast, newest first; more than one when different faults read the same. */
  readonly faults: readonly StoredFault[];
};

/** What the socket knows when it reports a fault; all optional, passed on to `onFault`. */
export interface FaultContext {
  /** The connection attempt the fault belongs to. */
  readonly attempt?: number;
  /** The connection URL, redacted by the reporter (query and credentials removed). */
  readonly url?: string;
  /** The socket status at the time of the report. */
  readonly status?: string;
  /**
   * A token naming the reporter, unique per socket (the socket's id prefix); stored with the fault
   * as `origin`. Repeats merge only within one origin.
   */
  readonly origin?: string;
}

/** The context handed to `onFault`: the report's context and the entry's count. */
export interface FaultLog extends FaultContext {
  readonly count: number;
}

/** Options of {@link createErrorStore}. Every field is optional. */
export interface ErrorStoreOptions {
  /**
   * Bound on `history` and on `toasts`: the oldest entries are dropped past it. An integer >= 1.
   * @default 50
   */
  readonly maxHistory?: number;
  /**
   * A repeat of an active fault (same source, code, severity, action, message and origin) less than this
   * long after its `lastAt` (measured on the monotonic clock) merges into it as a count instead of a
   * new toast. 0 never merges.
   * @default 5000
   */
  readonly dedupeWindowMs?: number;
  /**
   * How long a recoverable fault stays in `toasts` after its last occurrence; null keeps it until
   * dismissed. Fatal faults never expire.
   * @default 10_000
   */
  readonly recoverableTtlMs?: number | null;
  /**
   * Time and the expiry timer: `now` for the times entries show, `monotonic` (when given) for the
   * TTL and the dedupe window, `setTimeout`/`clearTimeout` for the expiry timer.
   * @default systemClock (reads the globals at call time: `Date.now`, `performance.now`)
   */
  readonly clock?: Clock;
  /**
   * Called on every report, merged repeats included, with the stored entry (a report that completes
   * an entry with the same id is not logged again: one failure, one log line). An error it throws
   * is caught and written to `console.error`: a broken logger never breaks reporting.
   */
  readonly onFault?: (fault: StoredFault, log: FaultLog) => void;
}

/** The state of an error store, actions included (they keep their identity). */
export interface ErrorState {
  /** Recent faults, newest first, bounded by `maxHistory`; dismissal and expiry keep them here. */
  readonly history: readonly StoredFault[];
  /**
   * Active faults (neither dismissed, expired nor resolved), newest first; a subsequence of
   * `history` (the same objects). `toasts` shows them.
   */
  readonly active: readonly StoredFault[];
  /**
   * What to show, newest first: `active` with the faults that read the same (equal message and
   * severity) merged into one {@link Toast}.
   */
  readonly toasts: readonly Toast[];
  /** The newest active fatal fault, or null. */
  readonly fatal: StoredFault | null;
  /**
   * Stores a fault (already redacted where it was made), merging it into an entry with the same id
   * or into an active repeat, and calls `onFault`. Returns the stored entry (the merged one for a
   * repeat).
   */
  report(fault: Fault, context?: FaultContext): StoredFault;
  /**
   * Closes the toast that shows the fault with this id (a toast's `id` is one of them): every fault
   * merged into it leaves `active` and stays in `history`. Ids of no active fault are ignored.
   */
  dismiss(id: string): void;
  /** Removes every toast (they stay in `history`). */
  dismissAll(): void;
  /**
   * Says the connection of `origin` is open again: every active fault of that origin about the
   * connection leaves the toasts (it stays in `history`), since it is no longer true. These are
   * faults of kind `connection` or `transport` (closes, transport failures, an error envelope
   * merged with its close), fatal ones included, and a recoverable `reauthenticate` fault (the
   * token was refreshed). Faults of kind `application` (a request that failed, an invalid frame)
   * and faults of other origins stay until their TTL or a dismiss. The socket calls this on open.
   */
  resolveConnection(origin: string): void;
  /** Empties history and toasts and cancels the expiry timer. */
  clear(): void;
}

/** A zustand vanilla store of {@link ErrorState}; hand it to `useStore` or subscribe directly. */
export type ErrorStore = StoreApi<ErrorState>;
