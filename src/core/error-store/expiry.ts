/**
 * The one expiry timer of an error store. A single timer for the earliest expiry (not one per
 * toast) keeps the timer count bounded, and clearing it when nothing is left to expire means no
 * timer outlives the faults, so fake-timer tests see none and a Node process can exit.
 */
import type { Clock, TimerHandle } from '../clock.js';

/** The longest delay `setTimeout` honours; longer ones fire at once, so they are split. */
const MAX_DELAY_MS = 2_147_483_647;

/** A timer that calls `onDue` at one clock time, re-armed or cleared by {@link schedule}. */
export interface ExpiryTimer {
  /** Arms the timer for clock time `at`, or clears it for null. A no-op when already armed for `at`. */
  schedule(at: number | null): void;
  /** Clears the timer. */
  cancel(): void;
}

/**
 * Creates the expiry timer. `onDue` may run early (a clamped long delay, a clock that jumps): the
 * caller expires only what is due and schedules again.
 */
export function createExpiryTimer(clock: Clock, onDue: () => void): ExpiryTimer {
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
      const delay = Math.min(Math.max(0, at - clock.now()), MAX_DELAY_MS);
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
