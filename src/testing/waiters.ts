/**
 * Promises that resolve when a condition becomes true, checked after every event. No timers, so
 * they work the same under fake timers; the test's own timeout bounds them.
 */
export class Waiters {
  readonly #pending = new Set<() => boolean>();

  /** Resolves with the first non-undefined result of `check`, now or after a later `notify()`. */
  waitFor<T>(check: () => T | undefined): Promise<T> {
    const now = check();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise<T>((resolve) => {
      const attempt = () => {
        const value = check();
        if (value === undefined) return false;
        resolve(value);
        return true;
      };
      this.#pending.add(attempt);
    });
  }

  /** Re-checks every pending condition. */
  notify(): void {
    for (const attempt of [...this.#pending]) if (attempt()) this.#pending.delete(attempt);
  }
}
