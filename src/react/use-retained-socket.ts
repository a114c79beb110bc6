'use client';
import { useContext, useEffect } from 'react';
import type { MessageMap, Socket } from '../core/types.js';
import { SocketContext, type SocketSource } from './context.js';
import { getDefaultRegistry } from './default-registry.js';

// The development-only form of core/dev.ts: bundlers fold it away in production.
declare const process: { readonly env: { readonly NODE_ENV?: string | undefined } };

const isSocket = <M extends MessageMap>(source: SocketSource<M>): source is Socket<M> =>
  typeof (source as Partial<Socket<M>>).getSnapshot === 'function';

/**
 * Internal. The socket a hook works on: `source` if it is a socket, the shared socket for `source`
 * if it is options, else the nearest provider's (it throws when there is none, rather than failing
 * later). Held (connected, kept alive) while the component is mounted and enabled: the second
 * value is false when the source or the caller is disabled (render `idle`). Resolving is pure
 * enough for render; the registry connects and closes only sockets it made, so holding a socket
 * made elsewhere changes nothing.
 */
export function useRetainedSocket<M extends MessageMap>(
  source: SocketSource<M> | undefined,
  enabled = true,
): readonly [socket: Socket<M>, enabled: boolean] {
  const [provided, scoped, providedOn] = useContext(SocketContext);
  const registry = scoped ?? getDefaultRegistry();
  // The provider's socket is typed by whoever made it; hooks trust the map they are given.
  const [socket, on] =
    source === undefined
      ? [provided as Socket<M> | null, providedOn]
      : isSocket(source)
        ? [source, true]
        : [registry.resolve(source) as unknown as Socket<M>, source.enabled !== false];
  if (socket === null) {
    let message = 'sockguard: E_NO_SOCKET';
    try {
      if (process.env.NODE_ENV !== 'production') message = NO_SOCKET;
    } catch {
      message = NO_SOCKET;
    }
    throw new Error(message);
  }
  const held = enabled && on;
  useEffect(() => (held ? registry.retain(socket) : undefined), [registry, socket, held]);
  return [socket, held];
}

const NO_SOCKET =
  'sockguard: no socket. Pass a socket or options, or render inside <SocketProvider>.';

/**
 * The socket a hook works on: `source` if it is a socket, the shared socket for `source` if it is
 * options, else the nearest provider's; held (connected, kept alive) while the component is
 * mounted, unless `enabled: false`. Throws when there is none, rather than failing later.
 */
export function useSocketInstance<M extends MessageMap = MessageMap>(
  source?: SocketSource<M>,
): Socket<M> {
  return useRetainedSocket(source)[0];
}
