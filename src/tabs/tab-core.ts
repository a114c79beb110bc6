/**
 * The state one tab's shared socket keeps, whether it leads or follows, and the few helpers every
 * part uses (posting on the channel, telling subscribers, making this tab's faults). The leader,
 * hand-off and page parts each get this object, so none of them owns a copy of what they share.
 */

import type { BrowserEnvironment } from '../core/environment.js';
import { createErrorStore, type ErrorStore } from '../core/error-store/error-store.js';
import { createHandlers, type Handlers } from '../core/handlers.js';
import { IDLE as INITIAL_SNAPSHOT } from '../core/machine.js';
import type { SocketOptions } from '../core/options.js';
import type { Socket, SocketSnapshot } from '../core/types.js';
import { classify } from '../protocol/classify.js';
import type { ClientCode, Fault } from '../protocol/fault.js';
import { why } from '../protocol/why.js';
import type { PageTargets } from './lifecycle.js';
import type { ChannelLike, LocksLike, TabMessage } from './wire.js';

/** What the shared socket needs from its environment. */
export interface TabsParts {
  readonly name: string;
  readonly locks: LocksLike;
  /** Opens the channel of the name (again after the page comes back from the bfcache). */
  readonly openChannel: () => ChannelLike;
  /**
   * Makes the ordinary socket the leader runs (not connected yet), watching `document` for
   * visibility: hidden only when every tab is. `delivery`, when given, replaces the options' one
   * (a new leader's delivery resumes the session the tabs share).
   */
  readonly local: (
    store: ErrorStore,
    environment: BrowserEnvironment | false,
    delivery?: SocketOptions['delivery'],
  ) => Socket;
  readonly options: SocketOptions;
  readonly random: () => number;
  /** Wall time, for the timestamps of faults. */
  readonly now: () => number;
  /** Monotonic time, for waits (a wall clock stepped by NTP must not make a leader look hung). */
  readonly elapsed: () => number;
  readonly setTimeout: (fn: () => void, ms: number) => unknown;
  readonly clearTimeout: (handle: unknown) => void;
  /** Where the page's bfcache and freeze events arrive (none: never steps down for them). */
  readonly page?: PageTargets;
  /** A follower that hears nothing from the leader this long takes the lock from it. */
  readonly hungAfterMs?: number;
}

/** One tab's shared state. Mutable fields are changed by the part that owns the transition. */
export interface TabCore {
  readonly parts: TabsParts;
  /** This tab's id on the channel. */
  readonly tab: string;
  readonly store: ErrorStore;
  readonly handlers: Handlers;
  readonly listeners: Set<() => void>;
  channel: ChannelLike;
  /** The channel was closed for the bfcache: a new one is opened before it is used again. */
  shut: boolean;
  snapshot: SocketSnapshot;
  /** The ordinary socket, while this tab leads. */
  local: Socket | null;
  joined: boolean;
  closed: boolean;
  /** The page is in the back/forward cache or frozen: it must neither lead nor wait to. */
  away: boolean;
  /** The origin of the last connection fault stored here: resolved when the socket opens. */
  origin: string;
  post(message: TabMessage): void;
  setSnapshot(next: SocketSnapshot): void;
  /** Calls every listener; a throw becomes a `callback_error` fault in this tab's store. */
  tell(listeners: ReadonlySet<() => void>, what: string): void;
  clientFault(code: ClientCode, cause: string, requestId?: string): Fault;
  /** A new id, unique on the channel (work, faults). */
  nextId(): string;
}

const isStore = (value: object): value is ErrorStore => 'getState' in value;

/** Shared sockets made in this realm: part of each tab id. */
let tabsMade = 0;
const uuid = (): string => {
  const crypto: unknown = Reflect.get(globalThis, 'crypto');
  const make =
    typeof crypto === 'object' && crypto !== null ? Reflect.get(crypto, 'randomUUID') : undefined;
  return typeof make === 'function'
    ? String(make.call(crypto))
    : `${Math.floor(Math.random() * 36 ** 8).toString(36)}${Date.now().toString(36)}`;
};

/** The state of a new tab: not joined, following no one, with its own store and handlers. */
export function createTabCore(parts: TabsParts): TabCore {
  const { options } = parts;
  // Unique also when two tabs draw the same injected random at the same time (tests, seeded demos).
  const tab = `${uuid()}-${++tabsMade}`;
  const store =
    options.errors && isStore(options.errors)
      ? options.errors
      : createErrorStore({ ...(options.clock ? { clock: options.clock } : {}), ...options.errors });
  let ids = 0;
  const nextId = () => `${tab}-${++ids}`;
  const clientFault = (code: ClientCode, cause: string, requestId?: string): Fault =>
    classify(
      { source: 'client', code, cause, ...(requestId === undefined ? {} : { requestId }) },
      { id: nextId(), now: parts.now() },
    );
  const core: TabCore = {
    parts,
    tab,
    store,
    handlers: createHandlers((error, envelope) => {
      const cause = why('handler_threw', envelope.type, String(error));
      store.getState().report(clientFault('handler_error', cause));
    }),
    listeners: new Set(),
    channel: parts.openChannel(),
    shut: false,
    snapshot: INITIAL_SNAPSHOT,
    local: null,
    joined: false,
    closed: false,
    away: false,
    origin: '',
    post(message) {
      try {
        core.channel.postMessage(message);
      } catch {
        // A closed channel (the tab is leaving): nothing to tell.
      }
    },
    setSnapshot(next) {
      if (next === core.snapshot) return;
      core.snapshot = next;
      core.tell(core.listeners, 'subscribe');
    },
    tell(listeners, what) {
      for (const listener of [...listeners]) {
        try {
          listener();
        } catch (error) {
          store
            .getState()
            .report(
              clientFault(
                'callback_error',
                why('callback_threw', `a ${what} listener`, String(error)),
              ),
            );
        }
      }
    },
    clientFault,
    nextId,
  };
  return core;
}
