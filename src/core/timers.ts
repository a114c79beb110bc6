/** Named one-shot timers on the injected clock: setting a name again replaces its timer. */
import type { Clock, TimerHandle } from './clock.js';

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
      const handle = clock.setTimeout(() => {
        timers.delete(name);
        fn();
      }, ms);
      timers.set(name, handle);
    },
    has: (name) => timers.has(name),
    clear,
    clearAll: () => clear(...timers.keys()),
  };
}
