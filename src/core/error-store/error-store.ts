/**
 * The error store (SPEC.md section 4): a framework-free zustand vanilla store of recent faults,
 * made by a factory so every socket, test and request on a server gets its own. Repeats merge
 * into a count, faults that read the same share one toast, recoverable faults expire on one timer,
 * a socket that opens again resolves its connection faults, and the newest fatal fault is exposed
 * for the UI (an auth redirect for `reauthenticate`).
 */
import { createStore } from 'zustand/vanilla';
import type { Fault } from '../../protocol/fault.js';
import { monotonicOf } from '../clock.js';
import {
  applyReport,
  dismissToast,
  type Entries,
  expireFaults,
  nextExpiry,
  resolveConnection,
} from './entries.js';
import { createExpiryTimer } from './expiry.js';
import { resolveErrorStoreOptions } from './options.js';
import { faultLog, redactFault } from './redact.js';
import { mergeToasts } from './toasts.js';
import type {
  ErrorState,
  ErrorStore,
  ErrorStoreOptions,
  FaultContext,
  FaultLog,
  StoredFault,
  Toast,
} from './types.js';

export { ERROR_STORE_DEFAULTS } from './options.js';
// types.ts holds the store's public types and nothing else.
export type * from './types.js';

const EMPTY: readonly StoredFault[] = [];
const NO_TOASTS: readonly Toast[] = [];

// A logger is the app's code: its failure must not lose the fault or break the socket reporting it.
function callLogger(
  onFault: (fault: StoredFault, log: FaultLog) => void,
  fault: StoredFault,
  log: FaultLog,
): void {
  try {
    onFault(fault, log);
  } catch (error) {
    console.error('sockguard: the error store onFault logger threw', error);
  }
}

/**
 * Creates an independent error store. Options are validated here (a RangeError names the bad one).
 * Nothing is read from the environment until a fault is reported.
 */
export function createErrorStore(options?: ErrorStoreOptions): ErrorStore {
  const { clock, onFault, ...rules } = resolveErrorStoreOptions(options);
  // Durations on the monotonic clock, wall time only for the times an entry shows.
  const elapsed = monotonicOf(clock);

  return createStore<ErrorState>()((set, get) => {
    const timer = createExpiryTimer(clock, () =>
      updateActive((active) => expireFaults(active, elapsed())),
    );

    // The only writer: a `set` only when a list changed (every empty list is the one EMPTY array,
    // so emptying an empty list is no change); `toasts` and `fatal` are derived so they keep their
    // identity while what they show is the same. Then the timer follows the earliest expiry.
    function commit(next: Entries): void {
      const state = get();
      const history = next.history.length === 0 ? EMPTY : next.history;
      const active = next.active.length === 0 ? EMPTY : next.active;
      if (history !== state.history || active !== state.active) {
        const fatal = active.find((entry) => entry.severity === 'fatal') ?? null;
        const toasts = active === EMPTY ? NO_TOASTS : mergeToasts(active, state.toasts);
        set({ history, active, toasts, fatal });
      }
      timer.schedule(nextExpiry(get().active));
    }

    function updateActive(change: (active: readonly StoredFault[]) => readonly StoredFault[]) {
      const { history, active } = get();
      commit({ history, active: change(active) });
    }

    return {
      history: EMPTY,
      active: EMPTY,
      toasts: NO_TOASTS,
      fatal: null,
      report(fault: Fault, context: FaultContext = {}): StoredFault {
        const { origin } = context;
        const now = { wall: clock.now(), monotonic: elapsed() };
        const result = applyReport(get(), redactFault(fault), origin, now, rules);
        commit(result.entries);
        // One failure, one log line: an error envelope completed by its close keeps its id, and its
        // logger call was made when the envelope arrived.
        if (onFault !== undefined && !result.upgraded)
          callLogger(onFault, result.stored, faultLog(context, result.stored.count));
        return result.stored;
      },
      dismiss(id: string): void {
        updateActive((active) => dismissToast(active, id));
      },
      dismissAll(): void {
        updateActive(() => EMPTY);
      },
      resolveConnection(origin: string): void {
        updateActive((active) => resolveConnection(active, origin));
      },
      clear(): void {
        commit({ history: EMPTY, active: EMPTY });
        timer.cancel();
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
  state.fatal !== null && state.fatal.action === 'reauthenticate' ? state.fatal : null;
