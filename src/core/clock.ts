/** Time as the library sees it. Injected so every timing rule runs under a fake clock. */
export interface Clock {
  /** Epoch milliseconds: for timestamps shown to users, and to notice a wake from sleep. */
  now(): number;
  /**
   * Milliseconds from any origin that only ever go forward (`performance.now()`): delays are
   * measured on it, so a wall clock stepped back an hour does not postpone a retry by an hour.
   * @default `now` (an injected clock without it measures delays on its wall clock)
   */
  monotonic?(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Opaque timer handle (a number in browsers, an object in Node). */
export type TimerHandle = unknown;

/** The longest delay `setTimeout` holds: a longer one (or NaN) fires after about 1 ms. */
export const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * A delay timers can hold: NaN and negatives become 0, anything longer than {@link MAX_DELAY_MS}
 * (a server hint of 2.2e9 ms, say) waits that long instead of firing at once.
 */
export const clampDelay = (ms: number): number => (ms > 0 ? Math.min(ms, MAX_DELAY_MS) : 0);

/**
 * The real clock. Each call reads the global at call time, so fake timers installed after import
 * (vi.useFakeTimers) still apply, and importing on a server touches nothing.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => globalThis.performance?.now() ?? Date.now(),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, clampDelay(ms)),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** The clock's monotonic time, or its wall time when it has none. */
export const monotonicOf =
  (clock: Clock): (() => number) =>
  () =>
    clock.monotonic?.() ?? clock.now();
