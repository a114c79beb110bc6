/**
 * Sharing sockets between components (framework-free; the React layer's registry is made here):
 * one socket per key, made unconnected, connected by its first user and closed a grace period
 * after its last user left.
 */
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
  readonly graceMs?: number | undefined;
  /** Timers of the grace period; its `clearTimeout` must accept undefined. @default systemClock */
  readonly clock?: Clock | undefined;
  /**
   * Names of the options in which a later caller of a held key differs from the first. When given,
   * the first difference of each key is a development warning (the first options win); production
   * builds drop the check.
   */
  readonly compare?: ((held: O, asked: O) => readonly string[]) | undefined;
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

const noop = () => {};

/** Makes a registry. `SocketProvider` makes one per tree; hooks outside any provider share a lazy default. */
export function createSocketRegistry<O>(options: SocketRegistryOptions<O>): SocketRegistry<O> {
  const { create, keyOf, graceMs = 1000, clock = systemClock, compare } = options;
  const byKey = new Map<string, Socket>();
  /** How to hold each socket the registry made: counts a user and returns the release. */
  const holds = new WeakMap<AnySocket, () => () => void>();

  const holdOf = (key: string, socket: Socket) => {
    let users = 0;
    let timer: TimerHandle | undefined;
    return () => {
      // Before the first release there is no handle: clearing undefined (or one that fired) is a no-op.
      clock.clearTimeout(timer);
      // A socket closed after its grace period can come back (a remount that kept its state).
      if (!byKey.has(key)) byKey.set(key, socket);
      const { status } = socket.getSnapshot();
      if (++users === 1 && (status === 'idle' || status === 'closed')) socket.connect();
      let released = false;
      return () => {
        if (released) return;
        released = true;
        if (--users > 0) return;
        timer = clock.setTimeout(() => {
          if (byKey.get(key) === socket) byKey.delete(key);
          socket.close();
        }, graceMs);
      };
    };
  };

  return {
    resolve(socketOptions) {
      const key = keyOf(socketOptions);
      const held = byKey.get(key);
      const socket = held ?? create({ ...socketOptions, autoConnect: false });
      if (!held) {
        byKey.set(key, socket);
        holds.set(socket, holdOf(key, socket));
      }
      // Development only, in the form of dev.ts that bundlers drop from production builds.
      try {
        if (process.env.NODE_ENV !== 'production')
          noteOptions(compare, byKey, key, socketOptions, !held);
      } catch {
        noteOptions(compare, byKey, key, socketOptions, !held);
      }
      return socket;
    },
    retain: (socket) => holds.get(socket)?.() ?? noop,
  };
}

/**
 * Development only, per registry (keyed by its socket map): the options each key's socket was
 * made with, and the keys already warned about.
 */
const notes = new WeakMap<object, { first: Map<string, unknown>; warned: Set<string> }>();

/**
 * Development only: keeps the options a key's socket was `made` with, and warns once per key when
 * a later caller asks with others. Called on every resolve, so it is cheap once warned.
 */
function noteOptions<O>(
  compare: SocketRegistryOptions<O>['compare'],
  registry: object,
  key: string,
  asked: O,
  made: boolean,
): void {
  const note = notes.get(registry) ?? { first: new Map(), warned: new Set<string>() };
  notes.set(registry, note);
  const { first, warned } = note;
  if (made) first.set(key, asked);
  const held = first.get(key) as O | undefined;
  if (!compare || held === undefined || warned.has(key)) return;
  const names = compare(held, asked);
  if (names.length === 0) return;
  warned.add(key);
  console.warn(
    `sockguard: two components ask for the shared socket "${redactUrl(key)}" with different ` +
      `options (${names.join(', ')}). The first options win; give each its own \`key\` for two sockets.`,
  );
}
