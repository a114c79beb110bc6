/**
 * The retry mechanism: waits until a planned time, and holds while paused (offline, hidden tab,
 * back/forward cache). It knows nothing of states or policies: the socket says when and whether.
 */
import { type Clock, clampDelay, monotonicOf, type TimerHandle } from './clock.js';

export interface Retryer {
  /** Plans `run` for `delayMs` from now; returns its time, or null while paused. */
  plan(delayMs: number, run: () => void): number | null;
  /**
   * Re-applies `isPaused()`: holds a planned retry, or arms it again (at once when its time has
   * passed). Returns when it will run, or null when held or nothing is planned.
   */
  update(): number | null;
  /** Runs the planned retry now (e.g. back online). False when nothing was planned. */
  runNow(): boolean;
  cancel(): void;
}

export function createRetryer(clock: Clock, isPaused: () => boolean): Retryer {
  /** `due` on the monotonic clock; the epoch time reported to the UI is derived from it. */
  let planned: { due: number; run: () => void } | null = null;
  const elapsed = monotonicOf(clock);
  let timer: TimerHandle | null = null;

  const disarm = () => {
    if (timer !== null) clock.clearTimeout(timer);
    timer = null;
  };
  const fire = () => {
    disarm();
    const run = planned?.run;
    planned = null;
    run?.();
  };
  const update = (): number | null => {
    disarm();
    if (planned === null || isPaused()) return null;
    const remaining = clampDelay(planned.due - elapsed());
    timer = clock.setTimeout(fire, remaining);
    return clock.now() + remaining;
  };

  return {
    plan(delayMs, run) {
      // A custom backoff may say NaN or a hint of 2.2e9 ms: what the timer holds is what is shown.
      planned = { due: elapsed() + clampDelay(delayMs), run };
      return update();
    },
    update,
    runNow() {
      if (planned === null) return false;
      fire();
      return true;
    },
    cancel() {
      disarm();
      planned = null;
    },
  };
}
