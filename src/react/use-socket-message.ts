'use client';
import type { EnvelopeOf, MessageMap } from '../core/types.js';
import type { SocketSource } from './context.js';
import { useIsomorphicLayoutEffect } from './isomorphic-layout-effect.js';
import { useLatestRef } from './use-latest-ref.js';
import { useRetainedSocket } from './use-retained-socket.js';

/**
 * Calls `handler` for every inbound message of `type` (`'*'` for all), straight from the socket:
 * no state, so no re-render per message and none lost to batching (1,000 in one tick are 1,000
 * calls). The newest `handler` is always the one called; it need not be memoized. Holds a shared
 * socket while mounted, so it keeps receiving when the other users of the socket unmount; a
 * disabled source (`enabled: false`) neither holds nor listens.
 */
export function useSocketMessage<M extends MessageMap = MessageMap, T extends string = string>(
  type: T,
  handler: (envelope: EnvelopeOf<M, T>) => void,
  source?: SocketSource<M>,
): void {
  const [socket, enabled] = useRetainedSocket(source);
  const latest = useLatestRef(handler);
  // A layout effect subscribes before passive effects run, so a socket that another component
  // (or this one's hold) connects in its effect cannot deliver a message before this listens.
  useIsomorphicLayoutEffect(
    () => (enabled ? socket.on(type, (envelope) => latest.current(envelope)) : undefined),
    [socket, type, latest, enabled],
  );
}
