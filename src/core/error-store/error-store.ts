/**
 * The error store (SPEC.md section 4): a framework-free zustand vanilla store of recent faults,
 * made by a factory so every socket, test and request on a server gets its own. Repeats merge
 * into a count, faults that read the same share one toast (toasts.ts), recoverable faults expire
 * on one timer, a socket that opens again resolves its connection faults, and the newest fatal
 * fault is exposed for the UI (an auth redirect for `reauthenticate`).
 *
 * Faults arrive redacted: they are redacted once, where they are made (`classify`), so the store
 * keeps and logs what it is given.
 *
 * Durations (the TTL, the dedupe window) are measured on the monotonic clock, never on the wall
 * clock: a wall clock stepped back an hour must not keep a toast an hour longer, nor one stepped
 * forward expire it at once. The public `firstAt`, `lastAt` and `expiresAt` stay wall times, for
 * display; each entry's monotonic times are kept beside it, out of the public entry.
 */
import { createStore } from 'zustand/vanilla';
import type { Fault } from '../../protocol/fault.js';
import { why } from '../../protocol/why.js';
import { clampDelay, monotonicOf, systemClock, type TimerHandle } from '../clock.js';
import { checkGiven, FUNCTION, OTHER, type Rules } from '../option-checks.js';

// The development-only form of dev.ts: bundlers fold it away in production.
declare const process: { readonly env: { readonly NODE_ENV?: string | undefined } };

import { mergeToasts, readsSame } from './toasts.js';
import type { ErrorState, ErrorStore, ErrorStoreOptions, StoredFault, Toast } from './types.js';

// types.ts holds the store's public types and nothing else.
export type * from './types.js';

/** The defaults of {@link ErrorStoreOptions}, exported so apps and docs can refer to them. */
export const ERROR_STORE_DEFAULTS = {
  maxHistory: 50,
  dedupeWindowMs: 5000,
  recoverableTtlMs: 10_000,
} as const;

const RULES = {
  maxHistory: { kind: 'count', min: 1 },
  // Infinity: merge repeats for as long as the fault is active.
  dedupeWindowMs: { kind: 'number', min: 0, never: true },
  // Finite, since it arms a timer (one longer than a timer holds is re-armed); null: never expire.
  recoverableTtlMs: { kind: 'number', min: 0, nullable: true },
  clock: OTHER,
  onFault: FUNCTION,
} as const satisfies Rules & Record<keyof ErrorStoreOptions, unknown>;

const checkStore = (options: ErrorStoreOptions) => checkGiven('createErrorStore', options, RULES);

/** Every empty list of the state: emptying an empty list is no change. */
const EMPTY: readonly never[] = [];

/**
 * Whether an open connection makes this fault untrue: it is about the connection (kind
 * `connection` or `transport`: a close, a transport failure, an error envelope merged with its
 * close), or it asked for a token refresh that the reconnect just used. Application faults (a
 * failed request, an invalid frame) stay true after a reconnect.
 */
const concernsConnection = (entry: StoredFault): boolean =>
  entry.kind !== 'application' ||
  (entry.action === 'reauthenticate' && entry.severity === 'recoverable');

/**
 * Creates an independent error store. Options are checked here (an error names the bad one).
 * Nothing is read from the environment until a fault is reported.
 */
export function createErrorStore(options: ErrorStoreOptions = {}): ErrorStore {
  try {
    if (process.env.NODE_ENV !== 'production') checkStore(options);
  } catch {
    checkStore(options); // no `process`: development (a refused option throws again)
  }
  // The literals are ERROR_STORE_DEFAULTS (the tests of the defaults hold them equal).
  const {
    maxHistory = 50,
    dedupeWindowMs = 5000,
    recoverableTtlMs = 10_000,
    clock = systemClock,
    onFault,
  } = options;
  const elapsed = monotonicOf(clock);
  /**
   * Each entry's monotonic times: [last reported, due to leave `active`]; Infinity for a fault
   * that never expires. Entries are immutable and made only by `report`, which writes this once;
   * weak, so an entry that left the lists takes its times with it.
   */
  const times = new WeakMap<StoredFault, readonly [seen: number, due: number]>();
  const dueOf = (entry: StoredFault): number => times.get(entry)![1];
  /** `active` without the faults due by `now`. */
  const unexpired = (active: readonly StoredFault[], now = elapsed()) =>
    active.filter((entry) => dueOf(entry) > now);
  /** The monotonic time the one expiry timer is armed for; Infinity when it is not armed. */
  let armedAt = Infinity;
  let timer: TimerHandle;

  return createStore<ErrorState>()((set, get) => {
    // The only writer: a `set` only when a list changed (updates of `active` alone only remove,
    // so its length tells), `toasts` and `fatal` derived so they keep their identity while what
    // they show is the same. Then the one timer follows the earliest expiry.
    const commit = (history: readonly StoredFault[], active: readonly StoredFault[]): void => {
      const state = get();
      if (history !== state.history || active.length !== state.active.length) {
        set({
          history,
          active,
          toasts: mergeToasts(active, state.toasts),
          fatal: active.find((entry) => entry.severity === 'fatal') ?? null,
        });
      }
      const at = active.reduce((min, entry) => Math.min(min, dueOf(entry)), Infinity);
      if (at === armedAt) return;
      if (armedAt < Infinity) clock.clearTimeout(timer);
      armedAt = at;
      if (at === Infinity) return;
      // Past 2^31-1 ms a timer fires at once: clamped, it fires early and is armed again.
      timer = clock.setTimeout(
        () => {
          armedAt = Infinity;
          update((active) => unexpired(active));
        },
        clampDelay(at - elapsed()),
      );
      // The store outlives its sockets: a toast's expiry must not keep a Node process (a test
      // run, a server render) alive. Browsers' numeric handles have no `unref`.
      (timer as { unref?: () => void } | null)?.unref?.();
    };
    const update = (change: (active: readonly StoredFault[]) => readonly StoredFault[]): void =>
      commit(get().history, change(get().active));

    return {
      history: EMPTY,
      active: EMPTY,
      toasts: EMPTY,
      fatal: null,
      // In order: an entry with the same id is replaced (an envelope fault completed by its
      // close), keeping its count and staying active if it was, or becoming active if it is now
      // fatal; else an active repeat within the window gets count + 1 and keeps its id; else a
      // new entry. The entry moves to the front of both lists; past `maxHistory` the oldest
      // entries leave both.
      report(fault: Fault, context = {}): StoredFault {
        const wall = clock.now();
        const now = elapsed();
        const origin = context.origin;
        // Due expiries first, so a repeat never merges into an entry whose timer has not fired yet.
        const active = unexpired(get().active, now);
        const same = get().history.find((entry) => entry.id === fault.id);
        // Repeats are the same failure when everything the user sees and the library does is the
        // same, from the same reporter: merging two sockets' faults would let one resolve the other's.
        const repeat =
          same ??
          active.find(
            (entry) =>
              entry.origin === origin &&
              entry.source === fault.source &&
              entry.code === fault.code &&
              entry.severity === fault.severity &&
              entry.action === fault.action &&
              entry.message === fault.message &&
              now - times.get(entry)![0] < dedupeWindowMs,
          );
        const fatal = fault.severity === 'fatal';
        const ttl = fatal ? null : recoverableTtlMs;
        const from = origin ?? repeat?.origin;
        const entry: StoredFault = {
          ...fault,
          id: repeat?.id ?? fault.id,
          count: (repeat?.count ?? 0) + (same ? 0 : 1),
          firstAt: repeat?.firstAt ?? wall,
          lastAt: wall,
          expiresAt: ttl === null ? null : wall + ttl,
          ...(from !== undefined && { origin: from }),
        };
        times.set(entry, [now, ttl === null ? Infinity : now + ttl]);
        const others = (entry: StoredFault) => entry.id !== fault.id && entry !== repeat;
        const history = [entry, ...get().history.filter(others)];
        let next = active.filter(others);
        // A dismissed recoverable fault stays dismissed when completed: it is the same failure.
        if (!same || fatal || active.includes(same)) next = [entry, ...next];
        if (history.length > maxHistory) {
          const dropped = new Set(history.splice(maxHistory));
          next = next.filter((entry) => !dropped.has(entry));
        }
        commit(history, next);
        // One failure, one log line: a completed envelope fault was logged when it arrived. The
        // logger is the app's code: its failure must not lose the fault or break the reporter.
        if (onFault && !same) {
          try {
            onFault(entry, { ...context, count: entry.count });
          } catch (error) {
            console.error(`sockguard: ${why('on_fault_threw')}`, error);
          }
        }
        return entry;
      },
      // The toast of this id goes: every fault that reads the same (one toast to the user).
      dismiss(id: string): void {
        update((active) => {
          const target = active.find((entry) => entry.id === id);
          return target ? active.filter((entry) => !readsSame(entry, target)) : active;
        });
      },
      dismissAll(): void {
        update(() => EMPTY);
      },
      resolveConnection(origin: string): void {
        update((active) =>
          active.filter((entry) => entry.origin !== origin || !concernsConnection(entry)),
        );
      },
      clear(): void {
        commit(EMPTY, EMPTY);
      },
    };
  });
}

/** All recent faults, newest first (`history`). Returns the array held in the state. */
export const selectFaults = (state: ErrorState): readonly StoredFault[] => state.history;

/**
 * The toasts to show, newest first (`toasts`): faults that read the same merged into one. Returns
 * the array held in the state.
 */
export const selectToasts = (state: ErrorState): readonly Toast[] => state.toasts;

/** The newest active fatal fault, or null. */
export const selectFatal = (state: ErrorState): StoredFault | null => state.fatal;

/** The current fatal fault when it asks to log in again (`action: 'reauthenticate'`), else null. */
export const selectAuthFault = (state: ErrorState): StoredFault | null =>
  state.fatal?.action === 'reauthenticate' ? state.fatal : null;
