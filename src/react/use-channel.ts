'use client';
import { useSyncExternalStore } from 'react';
import type { MessageMap } from '../core/types.js';
import type { SocketSource } from './context.js';
import { useRetainedSocket } from './use-retained-socket.js';

/** What a feature shows of a socket (its delivery, its outbox), for `useSyncExternalStore`. */
interface Channel<S> {
  getSnapshot(): S;
  subscribe(listener: () => void): () => void;
}

/**
 * The snapshot of the channel `of` gives for the socket of `source`, re-rendering when it
 * changes; `none`'s (a feature that is off) on the server and while the socket is disabled.
 */
export function useChannel<S, M extends MessageMap = MessageMap>(
  source: SocketSource<M> | undefined,
  of: (socket: object) => Channel<S>,
  none: Channel<S>,
): S {
  const [socket, enabled] = useRetainedSocket(source);
  const channel = enabled ? of(socket) : none;
  return useSyncExternalStore(channel.subscribe, channel.getSnapshot, none.getSnapshot);
}
