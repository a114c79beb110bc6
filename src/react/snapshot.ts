import { IDLE } from '../core/machine.js';
import type { SocketSnapshot } from '../core/types.js';

/**
 * The snapshot every hook renders on the server and during hydration: a fresh socket's (one frozen
 * constant of the core), so `useSyncExternalStore` sees the same object on every call.
 */
export const IDLE_SNAPSHOT: SocketSnapshot = IDLE;

/** `nextRetryAt` of a snapshot: epoch ms of the next attempt while reconnecting, else null. */
export function selectNextRetryAt(snapshot: SocketSnapshot): number | null {
  return snapshot.status === 'reconnecting' ? snapshot.nextRetryAt : null;
}
