'use client';
import type { ReactNode } from 'react';
import { createContext, useContext, useEffect, useMemo, useState } from 'react';
import type { MessageMap, Socket } from '../core/types.js';
import type { StandardSchemaV1 } from '../protocol/standard-schema.js';
import {
  getDefaultRegistry,
  type ReactSocketOptions,
  type ReactSocketRegistry,
} from './default-registry.js';

interface SocketContextValue {
  readonly socket: Socket | null;
  readonly registry: ReactSocketRegistry | null;
  /** False while the provider's options say `enabled: false`: hooks on its socket stay idle. */
  readonly enabled: boolean;
}

const SocketContext = createContext<SocketContextValue>({
  socket: null,
  registry: null,
  enabled: true,
});

/** Props of {@link SocketProvider}: an existing socket, or options to make (and share) one. */
export type SocketProviderProps = (
  | { readonly socket: Socket; readonly options?: never }
  | { readonly options: ReactSocketOptions; readonly socket?: never }
) & {
  /** Where `useSocket(options)` calls below share sockets. @default the parent provider's, else a new one */
  readonly registry?: ReactSocketRegistry;
  readonly children?: ReactNode;
};

/**
 * Gives hooks below a socket and a registry to share connections in. With `options` the socket is
 * made unconnected, connected on mount and closed after the grace period once unmounted (with
 * `options.enabled: false` it is not connected, and hooks using it render `idle`); a socket you
 * pass in stays yours: the provider neither connects nor closes it. A client component (it can sit
 * in a Next.js `app/layout.tsx`).
 */
export function SocketProvider(props: SocketProviderProps): ReactNode {
  const parent = useContext(SocketContext);
  const [registry] = useState(() => props.registry ?? parent.registry ?? getDefaultRegistry());
  const socket = props.socket ?? registry.resolve(props.options);
  const enabled = props.options?.enabled ?? true;
  useEffect(() => (enabled ? registry.retain(socket) : undefined), [registry, socket, enabled]);
  const value = useMemo(() => ({ socket, registry, enabled }), [socket, registry, enabled]);
  return <SocketContext.Provider value={value}>{props.children}</SocketContext.Provider>;
}

/** The registry hooks below share sockets in: the provider's, else the lazy default one. */
export function useSocketRegistry(): ReactSocketRegistry {
  return useContext(SocketContext).registry ?? getDefaultRegistry();
}

/** Where a hook gets its socket: an explicit argument wins over the provider's. */
export type SocketSource<M extends MessageMap = MessageMap> = Socket<M> | TypedOptions<M>;

/**
 * Options whose `schemas` give the message map: `M` is inferred back from the schemas' outputs,
 * so `useSocketMessage('chat', handler, options)` types `handler` from `options.schemas.chat`.
 */
export type TypedOptions<M extends MessageMap> = ReactSocketOptions & {
  readonly schemas?: { readonly [K in keyof M]: StandardSchemaV1<unknown, M[K]> };
};

function isSocket<M extends MessageMap>(source: SocketSource<M>): source is Socket<M> {
  return 'getSnapshot' in source && typeof source.getSnapshot === 'function';
}

/** A hook's socket, the registry that may hold it, and whether the source is enabled. */
export interface ResolvedSocket<M extends MessageMap> {
  readonly socket: Socket<M>;
  readonly registry: ReactSocketRegistry;
  readonly enabled: boolean;
}

/**
 * Internal. The socket a hook works on: `source` if it is a socket, the shared socket for `source`
 * if it is options, else the nearest provider's. Throws when there is none, rather than failing
 * later. Pure enough for render: it holds nothing (see `useRetainedSocket`).
 */
export function useResolvedSocket<M extends MessageMap>(
  source: SocketSource<M> | undefined,
): ResolvedSocket<M> {
  const context = useContext(SocketContext);
  const registry = context.registry ?? getDefaultRegistry();
  if (source !== undefined) {
    if (isSocket(source)) return { socket: source, registry, enabled: true };
    const socket = registry.resolve(source) as unknown as Socket<M>;
    return { socket, registry, enabled: source.enabled ?? true };
  }
  if (context.socket === null) {
    throw new Error(
      'sockguard: no socket. Pass a socket or options, or render inside <SocketProvider>.',
    );
  }
  // The provider's socket is typed by whoever made it; hooks trust the map they are given.
  return { socket: context.socket as unknown as Socket<M>, registry, enabled: context.enabled };
}
