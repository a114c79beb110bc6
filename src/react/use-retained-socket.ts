'use client';
import { useEffect } from 'react';
import type { MessageMap, Socket } from '../core/types.js';
import { type SocketSource, useResolvedSocket } from './context.js';

/** What {@link useRetainedSocket} returns. */
export interface RetainedSocket<M extends MessageMap> {
  readonly socket: Socket<M>;
  /** False when the source (or the caller) is disabled: the socket is not held, render `idle`. */
  readonly enabled: boolean;
}

/**
 * Internal. Resolves `source` and holds the socket while mounted and enabled, so a hook alone
 * connects a shared socket and keeps it alive for as long as it listens. The registry connects and
 * closes only sockets it made; holding a socket made elsewhere changes nothing.
 */
export function useRetainedSocket<M extends MessageMap>(
  source: SocketSource<M> | undefined,
  enabled = true,
): RetainedSocket<M> {
  const resolved = useResolvedSocket(source);
  const { socket, registry } = resolved;
  const on = enabled && resolved.enabled;
  useEffect(() => (on ? registry.retain(socket) : undefined), [registry, socket, on]);
  return { socket, enabled: on };
}

/**
 * The socket a hook works on: `source` if it is a socket, the shared socket for `source` if it is
 * options, else the nearest provider's; held (connected, kept alive) while the component is
 * mounted, unless `enabled: false`. Throws when there is none, rather than failing later.
 */
export function useSocketInstance<M extends MessageMap = MessageMap>(
  source?: SocketSource<M>,
): Socket<M> {
  return useRetainedSocket(source).socket;
}
