'use client';
import { useMemo, useSyncExternalStore } from 'react';
import type { MessageMap, SocketMessages } from '../core/types.js';
import type { DataSchemas } from '../protocol/standard-schema.js';
import type { SocketSource } from './context.js';
import type { ReactSocketOptions } from './default-registry.js';
import { useRetainedSocket } from './use-retained-socket.js';
import { getIdleSnapshot, useSnapshotStore } from './use-snapshot-store.js';
import type { UseSocketOptions, UseSocketResult } from './use-socket-result.js';

/**
 * Joins or creates a connection and returns its state and actions. Components asking for the same
 * connection (same key or URL, same socket, or the provider's) share one socket; it connects with
 * its first user and closes a grace period after its last one leaves. Re-renders on state changes
 * only. `enabled: false` (in the options, or `useSocket(source, { enabled })` for a socket or the
 * provider's) holds nothing and returns `idle`. With `schemas` in the options, `send` takes each
 * schema's input type. Requests are `request(socket, ...)`; sends not acknowledged yet (with
 * `delivery()`) are `useDelivery().unacked`.
 */
export function useSocket<S extends DataSchemas>(
  source: ReactSocketOptions & { readonly schemas: { readonly schemas: S } },
  options?: UseSocketOptions,
): UseSocketResult<SocketMessages<S>>;
export function useSocket<M extends MessageMap = MessageMap>(
  source?: SocketSource<M>,
  options?: UseSocketOptions,
): UseSocketResult<M>;
export function useSocket<M extends MessageMap = MessageMap>(
  source?: SocketSource<M>,
  options?: UseSocketOptions,
): UseSocketResult<M> {
  const [socket, enabled] = useRetainedSocket(source, options?.enabled);
  const snapshot = useSyncExternalStore(...useSnapshotStore(socket, enabled), getIdleSnapshot);
  const actions = useMemo(
    () => ({
      socket,
      send: socket.send.bind(socket),
      reconnect: () => socket.reconnect(),
      close: socket.close.bind(socket),
    }),
    [socket],
  );
  return useMemo(
    // The snapshot's fields; `nextRetryAt` is null unless reconnecting (only then has it one).
    () => ({ nextRetryAt: null, ...snapshot, snapshot, ...actions }),
    [snapshot, actions],
  );
}
