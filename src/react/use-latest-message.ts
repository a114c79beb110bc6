'use client';
import { useMemo, useSyncExternalStore } from 'react';
import type { EnvelopeOf, MessageMap } from '../core/types.js';
import type { SocketSource } from './context.js';
import { useRetainedSocket } from './use-retained-socket.js';

const getServerSnapshot = (): undefined => undefined;
const noop = () => {};

/**
 * The latest inbound message of `type`, or undefined before the first. Re-renders when one arrives
 * (several in one tick give one render with the last). To see every message use `useSocketMessage`.
 * Holds a shared socket while mounted; a disabled source (`enabled: false`) gives undefined.
 */
export function useLatestMessage<M extends MessageMap = MessageMap, T extends string = string>(
  type: T,
  source?: SocketSource<M>,
): EnvelopeOf<M, T> | undefined {
  const [socket, enabled] = useRetainedSocket(source);
  // A tiny store per socket and type: the last envelope, kept across re-subscriptions.
  const store = useMemo(() => {
    let latest: EnvelopeOf<M, T> | undefined;
    if (!enabled) return { subscribe: () => noop, getSnapshot: getServerSnapshot };
    return {
      subscribe: (onChange: () => void) =>
        socket.on(type, (envelope) => {
          latest = envelope;
          onChange();
        }),
      getSnapshot: () => latest,
    };
  }, [socket, type, enabled]);
  return useSyncExternalStore(store.subscribe, store.getSnapshot, getServerSnapshot);
}
