import { createSocket } from '../core/socket.js';
import { createSocketRegistry, type SocketRegistry } from './registry.js';

/** Options of the core's `createSocket`, as `useSocket` and `SocketProvider` accept them. */
export type CoreSocketOptions = Parameters<typeof createSocket>[0];

/**
 * Options for a shared socket: the core's options plus `key`, which tells connections apart.
 * `key` defaults to the URL when it is a string; a URL function needs an explicit key.
 */
export type ReactSocketOptions = CoreSocketOptions & { readonly key?: string };

/** A registry of sockets made from {@link ReactSocketOptions}. */
export type ReactSocketRegistry = SocketRegistry<ReactSocketOptions>;

/** The sharing key of options: `key`, else the URL string. */
export function keyOfOptions(options: ReactSocketOptions): string {
  if (options.key !== undefined) return options.key;
  if (typeof options.url === 'string') return options.url;
  throw new Error('sockguard: a socket whose url is a function needs a `key` to be shared.');
}

/** A registry making sockets with the core's `createSocket`. @default graceMs 1000 */
export function createReactSocketRegistry(graceMs?: number): ReactSocketRegistry {
  return createSocketRegistry<ReactSocketOptions>({
    create: ({ key: _key, ...options }) => createSocket(options),
    keyOf: keyOfOptions,
    ...(graceMs === undefined ? {} : { graceMs }),
  });
}

let defaultRegistry: ReactSocketRegistry | null = null;

/**
 * The registry of hooks used outside any `SocketProvider`, made on first use (never at import).
 * It is the one module-level object of this package; render a provider to scope sharing instead.
 */
export function getDefaultRegistry(): ReactSocketRegistry {
  defaultRegistry ??= createReactSocketRegistry();
  return defaultRegistry;
}
