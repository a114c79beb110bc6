import { useCallback, useEffect, useMemo, useSyncExternalStore } from 'react';
import type { MessageMap, Socket, SocketSnapshot } from '../core/types.js';
import type { Fault } from '../protocol/fault.js';
import { type SocketSource, useSocketInstance, useSocketRegistry } from './context.js';
import { IDLE_SNAPSHOT, selectNextRetryAt } from './snapshot.js';

const getServerSnapshot = () => IDLE_SNAPSHOT;

/** What {@link useSocket} returns: the snapshot's fields and stable actions. */
export interface UseSocketResult<M extends MessageMap = MessageMap> {
  readonly status: SocketSnapshot['status'];
  readonly attempt: number;
  /** Epoch ms of the next attempt while reconnecting (null when paused or not reconnecting). */
  readonly nextRetryAt: number | null;
  readonly lastFault: Fault | null;
  readonly lost: boolean;
  readonly suspended: boolean;
  /** The whole snapshot, for narrowing on `status`. */
  readonly snapshot: SocketSnapshot;
  readonly socket: Socket<M>;
  /** Same identity across renders (for a given socket). */
  readonly send: Socket<M>['send'];
  readonly request: Socket<M>['request'];
  readonly reconnect: () => void;
  /** Stops the shared socket for every component using it. */
  readonly close: (code?: number, reason?: string) => void;
}

/**
 * Joins or creates a connection and returns its state and actions. Components asking for the same
 * connection (same key or URL, same socket, or the provider's) share one socket; it connects with its
 * first user and closes a grace period after its last one leaves. Re-renders on state changes only.
 */
export function useSocket<M extends MessageMap = MessageMap>(
  source?: SocketSource<M>,
): UseSocketResult<M> {
  const socket = useSocketInstance(source);
  const registry = useSocketRegistry();
  useEffect(() => registry.retain(socket), [registry, socket]);
  const subscribe = useCallback((onChange: () => void) => socket.subscribe(onChange), [socket]);
  const getSnapshot = useCallback(() => socket.getSnapshot(), [socket]);
  const snapshot = useSyncExternalStore(subscribe, getSnapshot, getServerSnapshot);
  const actions = useMemo(
    () => ({
      socket,
      send: socket.send.bind(socket),
      request: socket.request.bind(socket),
      reconnect: () => socket.reconnect(),
      close: (code?: number, reason?: string) => socket.close(code, reason),
    }),
    [socket],
  );
  return useMemo(() => {
    const { status, attempt, lastFault, lost, suspended } = snapshot;
    return {
      status,
      attempt,
      nextRetryAt: selectNextRetryAt(snapshot),
      lastFault,
      lost,
      suspended,
      snapshot,
      ...actions,
    };
  }, [snapshot, actions]);
}
