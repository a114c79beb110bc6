'use client';
import { useMemo, useSyncExternalStore } from 'react';
import { NO_DELIVERY } from '../core/delivery/delivery.js';
import type { MessageMap, SocketMessages } from '../core/types.js';
import type { DataSchemas } from '../protocol/standard-schema.js';
import type { SocketSource } from './context.js';
import type { ReactSocketOptions } from './default-registry.js';
import { IDLE_SNAPSHOT, selectNextRetryAt } from './snapshot.js';
import { useRetainedSocket } from './use-retained-socket.js';
import { useSnapshotStore } from './use-snapshot-store.js';
import type { UseSocketOptions, UseSocketResult } from './use-socket-result.js';

const getServerSnapshot = () => IDLE_SNAPSHOT;
const getServerUnacked = () => 0;

/**
 * Joins or creates a connection and returns its state and actions. Components asking for the same
 * connection (same key or URL, same socket, or the provider's) share one socket; it connects with
 * its first user and closes a grace period after its last one leaves. Re-renders on state changes
 * only. `enabled: false` (in the options, or `useSocket(source, { enabled })` for a socket or the
 * provider's) holds nothing and returns `idle`. With `schemas` in the options, `send` and
 * `request` take each schema's input type.
 */
export function useSocket<S extends DataSchemas>(
  source: ReactSocketOptions & { readonly schemas: S },
  options?: UseSocketOptions,
): UseSocketResult<SocketMessages<S>>;
export function useSocket<M extends MessageMap = MessageMap>(
  source?: SocketSource<M>,
  options?: UseSocketOptions,
): UseSocketResult<M>;
export function useSocket<M extends MessageMap = MessageMap>(
  source?: SocketSource<M>,
  options: UseSocketOptions = {},
): UseSocketResult<M> {
  const { socket, enabled } = useRetainedSocket(source, options.enabled);
  const { subscribe, getSnapshot } = useSnapshotStore(socket, enabled);
  const snapshot = useSyncExternalStore(subscribe, getSnapshot, getServerSnapshot);
  // A number: re-renders only when the count changes, and never for a socket without delivery.
  const channel = enabled ? socket.delivery : NO_DELIVERY;
  const unacked = useSyncExternalStore(
    channel.subscribe,
    () => channel.getSnapshot().unacked,
    getServerUnacked,
  );
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
    const nextRetryAt = selectNextRetryAt(snapshot);
    return {
      status,
      attempt,
      nextRetryAt,
      lastFault,
      lost,
      suspended,
      unacked,
      snapshot,
      ...actions,
    };
  }, [snapshot, unacked, actions]);
}
