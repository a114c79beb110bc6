/**
 * A snapshot that another party keeps and tells (a SharedWorker tells its tabs), for
 * `useSyncExternalStore`: what it tells is checked before it is shown, and every listener is told
 * in isolation (a throw is a fault, the others are still told). Delivery's and the durable
 * outbox's views in a tab of `shareTabs()` are made of it.
 */
import { why } from '../protocol/why.js';

/** How a view reports a malformed snapshot, or a listener's throw. */
export type MirrorFail = (code: 'invalid_envelope' | 'callback_error', cause: string) => void;

/** A view of a snapshot kept elsewhere. */
export interface Mirror<T> {
  readonly get: () => T;
  readonly subscribe: (listener: () => void) => () => void;
  /** Takes what the other party told (checked by `sound`, named `name` when it is malformed). */
  readonly take: (next: unknown) => void;
}

/** A view of a snapshot kept elsewhere, `initial` until told. */
export function mirror<T>(
  initial: T,
  sound: (next: T | undefined) => boolean,
  name: string,
  fail: MirrorFail,
): Mirror<T> {
  let snapshot = initial;
  const listeners = new Set<() => void>();
  return {
    get: () => snapshot,
    subscribe(listener) {
      const own = () => listener();
      listeners.add(own);
      return () => listeners.delete(own);
    },
    take(next) {
      if (!sound(next as T | undefined))
        return fail('invalid_envelope', why('worker_malformed', `${name}.snapshot`));
      snapshot = Object.freeze(next as T);
      for (const listener of [...listeners]) {
        try {
          listener();
        } catch (error) {
          fail('callback_error', why('callback_threw', `a ${name} listener`, String(error)));
        }
      }
    },
  };
}
