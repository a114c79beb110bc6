import { differingOptions } from '../core/options-diff.js';
import { createSocket } from '../core/socket.js';
import { createSocketRegistry, type SocketRegistry } from '../core/socket-registry.js';

// The development-only form of core/dev.ts: bundlers fold it away in production.
declare const process: { readonly env: { readonly NODE_ENV?: string | undefined } };

/** Options of the core's `createSocket`, as `useSocket` and `SocketProvider` accept them. */
export type CoreSocketOptions = Parameters<typeof createSocket>[0];

/**
 * Options for a shared socket: the core's options plus two for React.
 * - `key` tells connections apart; it defaults to the URL (a string, or a `URL`'s `href`). A URL
 *   function needs an explicit key.
 * - `enabled` (default true): false means the hook (or provider) neither holds nor connects the
 *   socket and renders the `idle` state; flipping it connects or releases, like TanStack Query's
 *   `enabled`. It is not part of the sharing key.
 *
 * Components asking for one key share the socket made from the FIRST options; later ones with
 * other options get the same socket and a development warning.
 */
export type ReactSocketOptions = CoreSocketOptions & {
  readonly key?: string;
  readonly enabled?: boolean;
};

/** A registry of sockets made from {@link ReactSocketOptions}. */
export type ReactSocketRegistry = SocketRegistry<ReactSocketOptions>;

/** The sharing key of options: `key`, else the URL string, else a `URL`'s `href`. */
export function keyOfOptions({ key, url }: ReactSocketOptions): string {
  const found: unknown =
    key ?? (typeof url === 'string' ? url : (url as Partial<URL> | undefined)?.href);
  if (typeof found === 'string') return found;
  let message = 'sockguard: E_NO_KEY';
  try {
    if (process.env.NODE_ENV !== 'production') message = NO_KEY;
  } catch {
    message = NO_KEY;
  }
  throw new Error(message);
}

const NO_KEY = 'sockguard: a socket whose url is a function needs a `key` to be shared.';

/** What tells the React options apart from the core's: never part of the comparison. */
const REACT_ONLY = ['key', 'enabled'];

/** Which options of a later caller differ from the first caller's (see `options-diff.ts`). */
export function conflictingOptions(
  held: ReactSocketOptions,
  asked: ReactSocketOptions,
): readonly string[] {
  return differingOptions(held, asked, REACT_ONLY);
}

/** A registry making sockets with the core's `createSocket`. @default graceMs 1000 */
export function createReactSocketRegistry(graceMs?: number): ReactSocketRegistry {
  // The comparison warns in development only: production builds drop it (the form of dev.ts).
  let compare: typeof conflictingOptions | undefined;
  try {
    if (process.env.NODE_ENV !== 'production') compare = conflictingOptions;
  } catch {
    compare = conflictingOptions;
  }
  return createSocketRegistry<ReactSocketOptions>({
    create: ({ key: _key, enabled: _enabled, ...options }) => createSocket(options),
    keyOf: keyOfOptions,
    compare,
    graceMs,
  });
}

let defaultRegistry: ReactSocketRegistry | null = null;

/**
 * The registry of hooks used outside any `SocketProvider`, made on first use (never at import).
 * It is the one module-level object of this package; render a provider to scope sharing instead.
 * On a server (no `window`, read at call time) each call gets a registry of its own: effects never
 * run there, so nothing would release what a process-wide one kept, and it would hold one socket per
 * URL (a per-user token in the URL included) for the life of the process, shared across requests.
 */
export function getDefaultRegistry(): ReactSocketRegistry {
  if (typeof window === 'undefined') return createReactSocketRegistry();
  defaultRegistry ??= createReactSocketRegistry();
  return defaultRegistry;
}
