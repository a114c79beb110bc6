/**
 * `shareTabs()`: one connection for all tabs of an origin that ask for the same key. A function to
 * import rather than a flag, so apps that do not share do not ship the code.
 */
import { monotonicOf, systemClock } from '../core/clock.js';
import { type BrowserEnvironment, eventTarget } from '../core/environment.js';
import type { ErrorStore } from '../core/error-store/error-store.js';
import type { ExtensionFactory, SocketWrapper } from '../core/extension.js';
import { checkGiven, type Rule } from '../core/option-checks.js';

// The development-only form of dev.ts: bundlers fold it away in production.
declare const process: { readonly env: { readonly NODE_ENV?: string | undefined } };

import type { SocketOptions } from '../core/options.js';
import type { Socket } from '../core/types.js';
import { why } from '../protocol/why.js';
import type { PageTargets } from './lifecycle.js';
import { createSharedSocket, HUNG_AFTER_MS } from './shared-socket.js';
import type { ChannelLike, LocksLike } from './wire.js';

const PLUGIN: unique symbol = Symbol('sockguard.tabs');

const RULES: Readonly<Record<keyof ShareTabsOptions, Rule>> = {
  key: { kind: 'text' },
  locks: { kind: 'other' },
  channel: { kind: 'function' },
  hungAfterMs: { kind: 'ms', min: 100 },
};

const checkTabs = (options: ShareTabsOptions) => checkGiven('shareTabs', options, RULES);

/** Options of {@link shareTabs}. */
export interface ShareTabsOptions {
  /** The connection's name across tabs. @default the URL, when it is a string or a URL */
  readonly key?: string;
  /** @default globalThis.navigator.locks, read when the socket is made */
  readonly locks?: LocksLike;
  /** @default (name) => new BroadcastChannel(name) */
  readonly channel?: (name: string) => ChannelLike;
  /**
   * A leader that answers no probe of a follower for this long is hung (its page's main thread
   * blocked): a follower takes the lock from it and leads. @default 5000
   */
  readonly hungAfterMs?: number;
}

/** What `shareTabs()` returns: pass it as `createSocket({ tabs })`. */
export interface TabsPlugin extends SocketWrapper {
  readonly [PLUGIN]: true;
}

/** How a tab makes the socket it leads with: the app's options on the tab's store. */
export type LocalSocket = (
  store: ErrorStore,
  environment: BrowserEnvironment | false,
  delivery?: ExtensionFactory,
) => Socket;

/**
 * Shares the socket with the other tabs of this origin that use the same key: one tab (the leader,
 * chosen by a Web Lock) holds the WebSocket; the others get its snapshots, messages and faults and
 * hand it their sends and requests. When the leader's tab goes, another takes over.
 *
 * ```ts
 * const socket = createSocket({ url, tabs: shareTabs() });
 * ```
 */
export function shareTabs(options: ShareTabsOptions = {}): TabsPlugin {
  try {
    if (process.env.NODE_ENV !== 'production') checkTabs(options);
  } catch {
    checkTabs(options); // no `process`: development (a refused option throws again)
  }
  const { hungAfterMs = HUNG_AFTER_MS } = options;
  return {
    [PLUGIN]: true,
    // The shared socket, or undefined where Web Locks or BroadcastChannel are missing (SSR, Node,
    // old browsers): then each tab keeps its own socket.
    wrap(given, make) {
      const socketOptions = given as SocketOptions;
      const { tabs: _shared, ...own } = socketOptions;
      const local: LocalSocket = (errors, environment, delivery = own.delivery) =>
        make({ ...own, errors, environment, autoConnect: false, ...(delivery && { delivery }) });
      const url = socketOptions.url;
      const key =
        options.key ?? (typeof url === 'string' ? url : url instanceof URL ? url.href : undefined);
      if (key === undefined) {
        throw new TypeError(`sockguard: ${why('tabs_key')}`);
      }
      const locks = options.locks ?? readLocks();
      const Channel = globalThis.BroadcastChannel;
      const open = options.channel ?? (Channel ? (name: string) => new Channel(name) : undefined);
      if (!locks || !open) return undefined;
      const clock = socketOptions.clock;
      const name = `sockguard:${key}`;
      return createSharedSocket({
        name,
        locks,
        openChannel: () => open(name),
        local,
        options: socketOptions,
        random: socketOptions.random ?? Math.random,
        now: () => (clock ? clock.now() : Date.now()),
        elapsed: monotonicOf(clock ?? systemClock),
        setTimeout: (fn, ms) => (clock ? clock.setTimeout(fn, ms) : globalThis.setTimeout(fn, ms)),
        clearTimeout: (handle) =>
          clock ? clock.clearTimeout(handle) : globalThis.clearTimeout(handle as never),
        page: pageTargets(socketOptions.environment),
        hungAfterMs,
      });
    },
  };
}

/** The page's window and document, where the socket's `environment` says (none for `false`). */
function pageTargets(environment: SocketOptions['environment']): PageTargets {
  if (environment === false) return {};
  return {
    window: eventTarget(environment?.window ?? globalThis),
    document: eventTarget(environment?.document ?? Reflect.get(globalThis, 'document')),
  };
}

function readLocks(): LocksLike | undefined {
  const navigator: unknown = Reflect.get(globalThis, 'navigator');
  const locks: unknown =
    typeof navigator === 'object' && navigator !== null
      ? Reflect.get(navigator, 'locks')
      : undefined;
  return typeof locks === 'object' &&
    locks !== null &&
    typeof Reflect.get(locks, 'request') === 'function'
    ? (locks as LocksLike)
    : undefined;
}

/** True for what `shareTabs()` returned. */
export const isTabsPlugin = (value: unknown): value is TabsPlugin =>
  typeof value === 'object' && value !== null && PLUGIN in value;
