/** Defaults and validation of the error store options, checked once when the store is made. */
import { type Clock, systemClock } from '../clock.js';
import type { ErrorStoreOptions, FaultLog, StoredFault } from './types.js';

/** The defaults of {@link ErrorStoreOptions}, exported so apps and docs can refer to them. */
export const ERROR_STORE_DEFAULTS = {
  maxHistory: 50,
  dedupeWindowMs: 5000,
  recoverableTtlMs: 10_000,
} as const;

/** Options with every default filled in. */
export interface ResolvedErrorStoreOptions {
  readonly maxHistory: number;
  readonly dedupeWindowMs: number;
  readonly recoverableTtlMs: number | null;
  readonly clock: Clock;
  readonly onFault: ((fault: StoredFault, log: FaultLog) => void) | undefined;
}

function fail(name: string, rule: string, value: unknown): never {
  throw new RangeError(`createErrorStore: ${name} must be ${rule} (got ${String(value)})`);
}

const isNumber = (value: unknown): value is number =>
  typeof value === 'number' && !Number.isNaN(value);

/** Fills in defaults and throws a RangeError naming the option that is out of range. */
export function resolveErrorStoreOptions(
  options: ErrorStoreOptions = {},
): ResolvedErrorStoreOptions {
  const {
    maxHistory = ERROR_STORE_DEFAULTS.maxHistory,
    dedupeWindowMs = ERROR_STORE_DEFAULTS.dedupeWindowMs,
    recoverableTtlMs = ERROR_STORE_DEFAULTS.recoverableTtlMs,
    clock = systemClock,
    onFault,
  } = options;
  if (!Number.isInteger(maxHistory) || maxHistory < 1) {
    fail('maxHistory', 'an integer >= 1', maxHistory);
  }
  // Infinity is allowed here: it means "merge repeats for as long as the fault is active".
  if (!isNumber(dedupeWindowMs) || dedupeWindowMs < 0) {
    fail('dedupeWindowMs', 'a number >= 0', dedupeWindowMs);
  }
  // A TTL must be finite because it arms a timer; null is the way to say "never expire".
  if (recoverableTtlMs !== null && (!Number.isFinite(recoverableTtlMs) || recoverableTtlMs < 0)) {
    fail('recoverableTtlMs', 'a finite number >= 0 or null', recoverableTtlMs);
  }
  if (onFault !== undefined && typeof onFault !== 'function') {
    fail('onFault', 'a function', onFault);
  }
  return { maxHistory, dedupeWindowMs, recoverableTtlMs, clock, onFault };
}
