import type { SocketSnapshot } from '../core/types.js';

/**
 * The snapshot every hook renders on the server and during hydration: one frozen constant, so
 * `useSyncExternalStore` sees the same object on every call.
 */
export const IDLE_SNAPSHOT: SocketSnapshot = Object.freeze({
  status: 'idle',
  attempt: 0,
  lastFault: null,
  lost: false,
  suspended: false,
});

/** `nextRetryAt` of a snapshot: epoch ms of the next attempt while reconnecting, else null. */
export function selectNextRetryAt(snapshot: SocketSnapshot): number | null {
  return snapshot.status === 'reconnecting' ? snapshot.nextRetryAt : null;
}
