/**
 * Named one-shot timers on the injected clock: setting a name again replaces its timer. A delay of
 * `Infinity` (an option meaning "never") arms nothing; others are clamped to what timers hold, also
 * on a clock the app injected.
 */
import { type Clock, clampDelay, type TimerHandle } from './clock.js';

export interface NamedTimers {
  set(name: string, ms: number, fn: () => void): void;
  has(name: string): boolean;
  clear(...names: string[]): void;
  clearAll(): void;
}

export function createTimers(clock: Clock): NamedTimers {
  const timers = new Map<string, TimerHandle>();
  const clear = (...names: string[]) => {
    for (const name of names) {
      const handle = timers.get(name);
      if (handle === undefined) continue;
      clock.clearTimeout(handle);
      timers.delete(name);
    }
  };
  return {
    set(name, ms, fn) {
      clear(name);
      if (ms === Infinity) return;
      const handle = clock.setTimeout(() => {
        timers.delete(name);
        fn();
      }, clampDelay(ms));
      timers.set(name, handle);
    },
    has: (name) => timers.has(name),
    clear,
    clearAll: () => clear(...timers.keys()),
  };
}
