/** Time as the library sees it. Injected so every timing rule runs under a fake clock. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Opaque timer handle (a number in browsers, an object in Node). */
export type TimerHandle = unknown;

/**
 * The real clock. Each call reads the global at call time, so fake timers installed after import
 * (vi.useFakeTimers) still apply, and importing on a server touches nothing.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};
