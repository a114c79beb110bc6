/**
 * The one expiry timer of an error store. A single timer for the earliest expiry (not one per
 * toast) keeps the timer count bounded, and clearing it when nothing is left to expire means no
 * timer outlives the faults, so fake-timer tests see none and a Node process can exit. Times are
 * monotonic (`monotonicOf(clock)`): a wall clock stepped back or forward moves no expiry.
 */
import { type Clock, clampDelay, monotonicOf, type TimerHandle } from '../clock.js';

/** A timer that calls `onDue` at one monotonic time, re-armed or cleared by {@link schedule}. */
export interface ExpiryTimer {
  /**
   * Arms the timer for monotonic time `at`, or clears it for null. A no-op when already armed for
   * `at`.
   */
  schedule(at: number | null): void;
  /** Clears the timer. */
  cancel(): void;
}

/**
 * Creates the expiry timer. `onDue` may run early (a clamped long delay, a clock that jumps): the
 * caller expires only what is due and schedules again.
 */
export function createExpiryTimer(clock: Clock, onDue: () => void): ExpiryTimer {
  const elapsed = monotonicOf(clock);
  let armedAt: number | null = null;
  let handle: TimerHandle;
  const cancel = () => {
    if (armedAt === null) return;
    clock.clearTimeout(handle);
    armedAt = null;
  };
  return {
    schedule(at) {
      if (at === armedAt) return;
      cancel();
      if (at === null) return;
      armedAt = at;
      // Past 2^31-1 ms a timer fires at once: clamped, it fires early and `onDue` re-arms it.
      const delay = clampDelay(at - elapsed());
      handle = clock.setTimeout(() => {
        armedAt = null;
        onDue();
      }, delay);
      // The store outlives its sockets: a toast's expiry must not keep a Node process (a test
      // run, a server render) alive after every socket closed. Browsers' numeric handles have none.
      (handle as { unref?: () => void } | null)?.unref?.();
    },
    cancel,
  };
}
