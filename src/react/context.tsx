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

/**
 * Internal. What a provider gives the hooks below it: its socket (null outside any provider), the
 * registry they share sockets in, and false while its options say `enabled: false`.
 */
export type Scope = readonly [
  socket: Socket | null,
  registry: ReactSocketRegistry | null,
  enabled: boolean,
];

/** Internal: read by `useRetainedSocket`. */
export const SocketContext = createContext<Scope>([null, null, true]);

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
  const [, parent] = useContext(SocketContext);
  const [registry] = useState(() => props.registry ?? parent ?? getDefaultRegistry());
  const socket = props.socket ?? registry.resolve(props.options);
  const enabled = props.options?.enabled !== false;
  useEffect(() => (enabled ? registry.retain(socket) : undefined), [registry, socket, enabled]);
  const scope = useMemo((): Scope => [socket, registry, enabled], [socket, registry, enabled]);
  return <SocketContext.Provider value={scope}>{props.children}</SocketContext.Provider>;
}

/** Where a hook gets its socket: an explicit argument wins over the provider's. */
export type SocketSource<M extends MessageMap = MessageMap> = Socket<M> | TypedOptions<M>;

/**
 * Options whose `schemas` give the message map: `M` is inferred back from the schemas' outputs,
 * so `useSocketMessage('chat', handler, options)` types `handler` from `options.schemas.chat`.
 */
export type TypedOptions<M extends MessageMap> = ReactSocketOptions & {
  readonly schemas?: {
    readonly schemas: { readonly [K in keyof M]: StandardSchemaV1<unknown, M[K]> };
  };
};
