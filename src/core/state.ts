/**
 * The connection's state machine: one pure function from (snapshot, event) to snapshot. The socket
 * never edits a snapshot; it dispatches events, and an unchanged result means "nothing to notify".
 */
import type { Fault } from '../protocol/fault.js';
import type { SocketSnapshot } from './types.js';

/** What can happen to a connection, as the socket tells the state machine. */
export type SocketEvent =
  /** A connection attempt starts (the first, a retry, or after `close()` / `reconnect()`). */
  | { readonly type: 'attempt' }
  /** The WebSocket opened. */
  | { readonly type: 'open'; readonly at: number }
  /** The connection stayed open `minUptimeMs`: it is no longer flapping. */
  | { readonly type: 'stable' }
  /** A recoverable fault took the connection down; a retry follows at `retryAt` (null: paused). */
  | { readonly type: 'drop'; readonly fault: Fault; readonly retryAt: number | null }
  /** The planned retry moved: paused (null) or resumed. */
  | { readonly type: 'schedule'; readonly retryAt: number | null }
  /** A fatal fault: no more retries until `reconnect()`. */
  | { readonly type: 'fail'; readonly fault: Fault }
  /** `close()`: stopped for good. */
  | { readonly type: 'close' }
  /** `reconnect()`: the attempt counter starts over. */
  | { readonly type: 'reset' }
  /** A fault that changes no status but the UI should see (e.g. a rate limit). */
  | { readonly type: 'fault'; readonly fault: Fault }
  /** Down longer than the grace period. */
  | { readonly type: 'lost' }
  /** Down so long that queued work was failed. */
  | { readonly type: 'suspend' };

export const INITIAL_SNAPSHOT: SocketSnapshot = Object.freeze({
  status: 'idle',
  attempt: 0,
  lastFault: null,
  lost: false,
  suspended: false,
});

const DOWN = new Set<SocketSnapshot['status']>(['idle', 'connecting', 'reconnecting']);

/** The next snapshot; the same object when the event changes nothing (or is not valid now). */
export function transition(state: SocketSnapshot, event: SocketEvent): SocketSnapshot {
  const common = {
    attempt: state.attempt,
    lastFault: state.lastFault,
    lost: state.lost,
    suspended: state.suspended,
  };
  switch (event.type) {
    case 'attempt': {
      if (state.status === 'connecting') return state;
      // A fresh start (not a retry, nor `reconnect()` of a live socket) forgets the previous
      // session's counters and flags.
      const fresh = state.status !== 'reconnecting' && state.status !== 'open';
      return freeze({
        ...common,
        ...(fresh ? { attempt: 0, lost: false, suspended: false } : {}),
        status: 'connecting',
      });
    }
    case 'open':
      if (state.status !== 'connecting') return state;
      return freeze({
        ...common,
        status: 'open',
        openedAt: event.at,
        lost: false,
        suspended: false,
      });
    case 'stable':
      if (state.status !== 'open' || state.attempt === 0) return state;
      return freeze({ ...state, attempt: 0 });
    case 'drop':
      if (state.status !== 'open' && state.status !== 'connecting') return state;
      return freeze({
        ...common,
        status: 'reconnecting',
        attempt: state.attempt + 1,
        lastFault: event.fault,
        nextRetryAt: event.retryAt,
      });
    case 'schedule':
      if (state.status !== 'reconnecting' || state.nextRetryAt === event.retryAt) return state;
      return freeze({ ...state, nextRetryAt: event.retryAt });
    case 'fail':
      if (state.status === 'closed') return state;
      return freeze({ ...common, status: 'failed', fault: event.fault, lastFault: event.fault });
    case 'close':
      if (state.status === 'closed') return state;
      return freeze({ ...common, status: 'closed', lost: false });
    case 'reset':
      return state.attempt === 0 ? state : freeze({ ...state, attempt: 0 });
    case 'fault':
      return state.lastFault === event.fault ? state : freeze({ ...state, lastFault: event.fault });
    case 'lost':
      return !DOWN.has(state.status) || state.lost ? state : freeze({ ...state, lost: true });
    case 'suspend':
      return !DOWN.has(state.status) || state.suspended
        ? state
        : freeze({ ...state, suspended: true });
  }
}

function freeze(snapshot: SocketSnapshot): SocketSnapshot {
  return Object.freeze(snapshot);
}
