import { redactUrl } from '../protocol/redact.js';
import type { Clock, TimerHandle } from './clock.js';
import { systemClock } from './clock.js';
import type { AnySocket, Socket } from './types.js';

// The development-only form of dev.ts: bundlers fold it away in production.
declare const process: { readonly env: { readonly NODE_ENV?: string | undefined } };

/** Options of {@link createSocketRegistry}. */
export interface SocketRegistryOptions<O> {
  /** Makes a socket for options; the registry passes `autoConnect: false` and connects on first use. */
  readonly create: (options: O & { readonly autoConnect: false }) => Socket;
  /** How connections are told apart: options with the same key share one socket. */
  readonly keyOf: (options: O) => string;
  /** Close an unused socket only after this long, so StrictMode's remount and fast route changes reuse it. @default 1000 */
  readonly graceMs?: number;
  /** Timers of the grace period. @default systemClock */
  readonly clock?: Clock;
  /**
   * Names of the options in which a later caller of a held key differs from the first. When given,
   * the first difference of each key is a development warning (the first options win); production
   * builds drop the check.
   */
  readonly compare?: (held: O, asked: O) => readonly string[];
}

/**
 * Shares sockets between components. `resolve` is pure enough for render (it only creates an
 * unconnected socket the first time a key is seen); `retain` is for effects and counts users.
 */
export interface SocketRegistry<O> {
  /**
   * The socket for these options: the shared one, or a new unconnected one. The options of the
   * first caller of a key win; a later caller with other options gets the same socket.
   */
  resolve(options: O): Socket;
  /**
   * Counts one user of `socket` and returns its release. A socket the registry made is connected
   * by its first user and closed `graceMs` after its last user left; any other socket is only counted.
   */
  retain(socket: AnySocket): () => void;
}

interface Entry<O> {
  readonly key: string;
  readonly socket: Socket;
  readonly options: O;
  users: number;
  timer: TimerHandle | null;
}

/**
 * Warns once per key when a later caller of a held key asks with other options. Called on every
 * resolve of a held key in development, so it is cheap once warned.
 */
function warnOnConflict<O>(
  compare: SocketRegistryOptions<O>['compare'],
  warned: Set<string>,
  entry: Entry<O> | undefined,
  asked: O,
): void {
  if (!compare || !entry || warned.has(entry.key)) return;
  const names = compare(entry.options, asked);
  if (names.length === 0) return;
  warned.add(entry.key);
  console.warn(
    `sockguard: two components ask for the shared socket "${redactUrl(entry.key)}" with different ` +
      `options (${names.join(', ')}). The first options win; give each its own \`key\` for two sockets.`,
  );
}

/** Makes a registry. `SocketProvider` makes one per tree; hooks outside any provider share a lazy default. */
export function createSocketRegistry<O>(options: SocketRegistryOptions<O>): SocketRegistry<O> {
  const { create, keyOf, graceMs = 1000, clock = systemClock, compare } = options;
  const byKey = new Map<string, Socket>();
  const owned = new WeakMap<AnySocket, Entry<O>>();
  const warned = new Set<string>();

  return {
    resolve(socketOptions) {
      const key = keyOf(socketOptions);
      const existing = byKey.get(key);
      if (existing) {
        // Development only, in the form of dev.ts that bundlers drop from production builds.
        try {
          if (process.env.NODE_ENV !== 'production')
            warnOnConflict(compare, warned, owned.get(existing), socketOptions);
        } catch {
          warnOnConflict(compare, warned, owned.get(existing), socketOptions);
        }
        return existing;
      }
      const socket = create({ ...socketOptions, autoConnect: false });
      byKey.set(key, socket);
      owned.set(socket, { key, socket, options: socketOptions, users: 0, timer: null });
      return socket;
    },
    retain(socket) {
      const entry = owned.get(socket);
      if (!entry) return () => {};
      if (entry.timer !== null) clock.clearTimeout(entry.timer);
      entry.timer = null;
      entry.users += 1;
      // A socket closed after its grace period can come back (a remount that kept its state).
      if (!byKey.has(entry.key)) byKey.set(entry.key, entry.socket);
      const status = socket.getSnapshot().status;
      if (entry.users === 1 && (status === 'idle' || status === 'closed')) socket.connect();
      let released = false;
      return () => {
        if (released) return;
        released = true;
        entry.users -= 1;
        if (entry.users > 0) return;
        entry.timer = clock.setTimeout(() => {
          entry.timer = null;
          if (byKey.get(entry.key) === socket) byKey.delete(entry.key);
          socket.close();
        }, graceMs);
      };
    },
  };
}
