/**
 * The error store (SPEC.md section 4): a framework-free zustand vanilla store of recent faults,
 * made by a factory so every socket, test and request on a server gets its own. Repeats merge
 * into a count, recoverable faults expire on one timer, and the newest fatal fault is exposed for
 * the UI (an auth redirect for `reauthenticate`).
 */
import { createStore } from 'zustand/vanilla';
import type { Fault } from '../protocol/fault.js';
import {
  applyReport,
  dismissToast,
  type Entries,
  expireToasts,
  nextExpiry,
} from './error-store-entries.js';
import { createExpiryTimer } from './error-store-expiry.js';
import { resolveErrorStoreOptions } from './error-store-options.js';
import { faultLog, redactFault } from './error-store-redact.js';
import type {
  ErrorState,
  ErrorStore,
  ErrorStoreOptions,
  FaultContext,
  FaultLog,
  StoredFault,
} from './error-store-types.js';

export { ERROR_STORE_DEFAULTS } from './error-store-options.js';
export type {
  ErrorState,
  ErrorStore,
  ErrorStoreOptions,
  FaultContext,
  FaultLog,
  StoredFault,
} from './error-store-types.js';

const EMPTY: readonly StoredFault[] = [];

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

  return createStore<ErrorState>()((set, get) => {
    const timer = createExpiryTimer(clock, () =>
      updateToasts((toasts) => expireToasts(toasts, clock.now())),
    );

    // The only writer: a `set` only when a list changed (every empty list is the one EMPTY array,
    // so emptying an empty list is no change), and `fatal` derived so it keeps its identity while
    // the same entry is the newest active fatal one. Then the timer follows the earliest expiry.
    function commit(next: Entries): void {
      const state = get();
      const history = next.history.length === 0 ? EMPTY : next.history;
      const toasts = next.toasts.length === 0 ? EMPTY : next.toasts;
      if (history !== state.history || toasts !== state.toasts) {
        const fatal = toasts.find((toast) => toast.severity === 'fatal') ?? null;
        set({ history, toasts, fatal });
      }
      timer.schedule(nextExpiry(get().toasts));
    }

    function updateToasts(change: (toasts: readonly StoredFault[]) => readonly StoredFault[]) {
      const { history, toasts } = get();
      commit({ history, toasts: change(toasts) });
    }

    return {
      history: EMPTY,
      toasts: EMPTY,
      fatal: null,
      report(fault: Fault, context: FaultContext = {}): StoredFault {
        const result = applyReport(get(), redactFault(fault), clock.now(), rules);
        commit(result.entries);
        if (onFault !== undefined)
          callLogger(onFault, result.stored, faultLog(context, result.stored.count));
        return result.stored;
      },
      dismiss(id: string): void {
        updateToasts((toasts) => dismissToast(toasts, id));
      },
      dismissAll(): void {
        updateToasts(() => EMPTY);
      },
      clear(): void {
        commit({ history: EMPTY, toasts: EMPTY });
        timer.cancel();
      },
    };
  });
}

/** All recent faults, newest first (`history`). Returns the array held in the state. */
export const selectFaults = (state: ErrorState): readonly StoredFault[] => state.history;

/** The faults to show, newest first (`toasts`). Returns the array held in the state. */
export const selectToasts = (state: ErrorState): readonly StoredFault[] => state.toasts;

/** The newest active fatal fault, or null. */
export const selectFatal = (state: ErrorState): StoredFault | null => state.fatal;

/** The current fatal fault when it asks to log in again (`action: 'reauthenticate'`), else null. */
export const selectAuthFault = (state: ErrorState): StoredFault | null =>
  state.fatal !== null && state.fatal.action === 'reauthenticate' ? state.fatal : null;
