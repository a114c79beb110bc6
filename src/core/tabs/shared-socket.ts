/**
 * One connection for all tabs (SPEC.md section 8): the tabs of an origin that ask for the same key
 * share one WebSocket. The leader (the tab holding the Web Lock named for the key) runs an
 * ordinary socket and tells the others, over a BroadcastChannel, its snapshots, messages and
 * faults; followers hand it their sends and requests and get each result back in the tab that
 * asked. When the leader's tab closes or crashes the browser frees the lock, the next tab in the
 * lock's queue opens the socket, and followers hand it what is still unsettled.
 */
import { classify } from '../../protocol/classify.js';
import type { Envelope } from '../../protocol/envelope.js';
import type { ClientCode, Fault } from '../../protocol/fault.js';
import { FaultError } from '../../protocol/fault-error.js';
import { validateData } from '../../protocol/standard-schema.js';
import { NO_DELIVERY } from '../delivery/delivery.js';
import type { BrowserEnvironment } from '../environment.js';
import { createErrorStore, type ErrorStore } from '../error-store/error-store.js';
import { createHandlers } from '../handlers.js';
import type { SocketOptions } from '../options.js';
import { INITIAL_SNAPSHOT } from '../state.js';
import type {
  MessageHandler,
  RequestOptions,
  SendResult,
  Socket,
  SocketSnapshot,
} from '../types.js';
import { type PageTargets, watchPage } from './lifecycle.js';
import { isVisible, type SharedVisibility, shareVisibility } from './visibility.js';
import {
  type ChannelLike,
  type LocksLike,
  readTabMessage,
  type TabMessage,
  type Work,
} from './wire.js';

/** What the shared socket needs from its environment. */
export interface TabsParts {
  readonly name: string;
  readonly locks: LocksLike;
  /** Opens the channel of the name (again after the page comes back from the bfcache). */
  readonly openChannel: () => ChannelLike;
  /**
   * Makes the ordinary socket the leader runs (not connected yet), watching `document` for
   * visibility: hidden only when every tab is.
   */
  readonly local: (store: ErrorStore, environment: BrowserEnvironment | false) => Socket;
  readonly options: SocketOptions;
  readonly random: () => number;
  readonly now: () => number;
  readonly setTimeout: (fn: () => void, ms: number) => unknown;
  readonly clearTimeout: (handle: unknown) => void;
  /** Where the page's bfcache and freeze events arrive (none: never steps down for them). */
  readonly page?: PageTargets;
}

interface Pending {
  readonly work: Work;
  readonly settle: (value: unknown, fault: Fault | undefined) => void;
  timer: unknown;
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

/** The role of each shared socket's tab, read by {@link tabRole}. */
const roles = new WeakMap<object, () => 'leader' | 'follower' | 'closed'>();

/**
 * Whether this tab holds the shared connection (`leader`), uses another tab's (`follower`), or
 * left it (`closed`); null for a socket not made with `tabs: shareTabs()` (or where sharing is
 * not possible, so each tab has its own).
 */
export function tabRole(socket: object): 'leader' | 'follower' | 'closed' | null {
  return roles.get(socket)?.() ?? null;
}

/**
 * The socket every tab sharing one connection gets: it leads (runs the real socket) while it
 * holds the Web Lock, and otherwise mirrors the leader and hands it its work.
 */
export function createSharedSocket(parts: TabsParts): Socket {
  const { options } = parts;
  let channel = parts.openChannel();
  /** The channel was closed for the bfcache: a new one is opened before it is used again. */
  let shut = false;
  // Unique also when two tabs draw the same injected random at the same time (tests, seeded demos).
  const tab = `${uuid()}-${++tabsMade}`;
  const store =
    options.errors && isStore(options.errors)
      ? options.errors
      : createErrorStore({ ...(options.clock ? { clock: options.clock } : {}), ...options.errors });
  const listeners = new Set<() => void>();
  const handlers = createHandlers((error, envelope) => {
    const cause = `handler of "${envelope.type}" threw ${String(error)}`;
    store.getState().report(clientFault('handler_error', cause));
  });
  let snapshot: SocketSnapshot = INITIAL_SNAPSHOT;
  let local: Socket | null = null;
  let joined = false;
  let closed = false;
  /** The page is in the back/forward cache or frozen: it must neither lead nor wait to. */
  let away = false;
  let ids = 0;
  const pending = new Map<string, Pending>();
  /** Work of other tabs in progress here (so a repeat after a handover is not done twice). */
  const doing = new Set<string>();
  /** Ends the leadership: resolves the promise the Web Lock is held by. */
  let release: (() => void) | null = null;
  /** The lock request of this tab, waiting or held; aborting it leaves the queue. */
  let abort: AbortController | null = null;
  /** What undoes the leader's subscriptions to its socket and store. */
  const leading: Array<() => void> = [];
  /** Other tabs' sends the leader's socket queued: answered when it has written them. */
  let waiting: Array<() => void> = [];
  let stopPage: (() => void) | null = null;
  /**
   * Replies that settled a request run on the leader's socket, by request id: `here` for this
   * tab's own requests (its handlers get the reply), `handed` for work handed to the leader (the
   * tab that asked gets it with the result). Other envelopes go to every tab.
   */
  const answered = new Map<string, 'here' | 'handed'>();
  const noteReply = (envelope: Envelope, whose: 'here' | 'handed') => {
    const id = envelope.meta?.request_id;
    if (typeof id === 'string') answered.set(id, whose);
  };
  /** Faults already passed on, by id (a merged repeat keeps its id). */
  const told = new Set<string>();
  let lastOrigin = '';
  /** While leading: which tabs are on screen, behind the document the leader's socket watches. */
  let visibility: SharedVisibility | null = null;
  const tellVisibility = () => {
    if (!local && joined && !closed)
      post({ k: 'visible', from: tab, visible: isVisible(parts.page?.document) });
  };
  parts.page?.document?.addEventListener('visibilitychange', () => tellVisibility());

  const clientFault = (code: ClientCode, cause: string, requestId?: string): Fault =>
    classify(
      { source: 'client', code, cause, ...(requestId === undefined ? {} : { requestId }) },
      { id: `${tab}-${++ids}`, now: parts.now() },
    );
  const post = (message: TabMessage) => {
    try {
      channel.postMessage(message);
    } catch {
      // A closed channel (the tab is leaving): nothing to tell.
    }
  };
  const setSnapshot = (next: SocketSnapshot) => {
    if (next === snapshot) return;
    snapshot = next;
    for (const listener of [...listeners]) {
      try {
        listener();
      } catch (error) {
        store
          .getState()
          .report(clientFault('callback_error', `a subscribe listener threw ${String(error)}`));
      }
    }
  };

  // ---- leader ----------------------------------------------------------------------------------

  const settleHere = (id: string, value: unknown, fault: Fault | undefined) => {
    const entry = pending.get(id);
    if (!entry) return;
    pending.delete(id);
    if (entry.timer !== undefined) parts.clearTimeout(entry.timer);
    entry.settle(value, fault);
  };

  /**
   * Runs work on the leader's socket; `done` gets the outcome, unless this tab stopped leading
   * that socket first: then the tab that asked hands the work to the next leader.
   */
  const perform = (socket: Socket, work: Work, done: (value: unknown, fault?: Fault) => void) => {
    const finish = (value: unknown, fault?: Fault) => {
      if (local === socket) done(value, fault);
    };
    if (work.kind === 'send') {
      const result = socket.send(work.type, work.data as never, work.meta);
      if (result.status === 'rejected') return finish(undefined, result.fault);
      const value = { status: result.status };
      if (result.delivered) {
        // With delivery on, the work is done when the server acknowledged it.
        result.delivered.then(
          () => finish(value),
          (error: unknown) =>
            finish(undefined, error instanceof FaultError ? error.fault : undefined),
        );
      } else if (result.status === 'queued') {
        // Not written yet: if this tab goes before it is, the asking tab still holds it.
        waiting.push(() => finish(value));
      } else finish(value);
      return;
    }
    const request: RequestOptions = {
      ...(work.timeoutMs === undefined ? {} : { timeoutMs: work.timeoutMs }),
      ...(work.retryOnReconnect === undefined ? {} : { retryOnReconnect: work.retryOnReconnect }),
    };
    socket.request(work.type, work.data as never, request).then(
      (envelope) => {
        noteReply(envelope, 'handed');
        finish(envelope);
      },
      (error: unknown) =>
        finish(
          undefined,
          error instanceof FaultError ? error.fault : clientFault('request_aborted', String(error)),
        ),
    );
  };

  const lead = () => {
    const shared = shareVisibility(parts.page?.document);
    visibility = shared;
    const environment =
      options.environment === false ? false : { ...options.environment, document: shared.document };
    const socket = parts.local(store, environment);
    local = socket;
    leading.push(
      () => {
        shared.stop();
        visibility = null;
      },
      socket.subscribe(() => {
        const next = socket.getSnapshot();
        post({ k: 'state', from: tab, snapshot: next, origin: '' });
        // The socket wrote its queue when it opened; a failed one never will (its faults say so).
        if (next.status === 'open' || next.status === 'failed') {
          const answers = waiting;
          waiting = [];
          for (const answer of answers) answer();
        }
        setSnapshot(next);
      }),
      socket.on('*', (envelope) => {
        if (typeof envelope.meta?.request_id !== 'string') return share(envelope);
        // The socket settles a request before its handlers see the reply, so the reaction that
        // notes the reply runs before this later one: then it is known whose reply it is.
        Promise.resolve().then(() => {
          const id = envelope.meta?.request_id ?? '';
          const whose = answered.get(id);
          answered.delete(id);
          if (whose === 'here') handlers.emit(envelope);
          else if (whose === undefined) share(envelope);
        });
      }),
      // Every fault this tab's socket reports reaches the other tabs' stores once.
      store.subscribe((state) => {
        for (const fault of state.history) {
          if (told.has(fault.id)) break;
          told.add(fault.id);
          post({ k: 'fault', from: tab, fault, context: { origin: fault.origin ?? '' } });
        }
      }),
    );
    for (const fault of store.getState().history) told.add(fault.id);
    post({ k: 'leader', from: tab });
    socket.connect();
    setSnapshot(socket.getSnapshot());
    // What this tab handed to the old leader and has not heard back about: done here now.
    for (const [id, entry] of [...pending])
      perform(socket, entry.work, (v, f) => settleHere(id, v, f));
  };

  /** An inbound envelope for every tab: posted to the others and given to this tab's handlers. */
  const share = (envelope: Envelope) => {
    post({ k: 'message', from: tab, envelope });
    handlers.emit(envelope);
  };

  /** Stops leading: the socket closes quietly (the next leader's snapshots follow) and the lock goes. */
  const stepDown = () => {
    const socket = local;
    if (!socket) return;
    local = null;
    for (const stop of leading.splice(0)) stop();
    waiting = [];
    doing.clear();
    socket.close();
    release?.();
    release = null;
  };

  /** Asks for the lock, unless this tab holds it or waits for it already. */
  const compete = () => {
    if (abort) return;
    const controller = new AbortController();
    abort = controller;
    parts.locks
      .request(parts.name, { signal: controller.signal }, () => {
        // Granted to a request this tab gave up (closed, or went into the bfcache): pass it on.
        if (closed || away || abort !== controller) return Promise.resolve();
        return new Promise<void>((resolve) => {
          release = resolve;
          lead();
        });
      })
      .catch(() => {
        // Aborted while waiting in the queue: this tab never led on that request.
      })
      .finally(() => {
        if (abort === controller) abort = null;
      });
  };

  /** Hands this tab's unsettled work to the leader (again: a handover may have lost it). */
  const handAll = () => {
    for (const [id, entry] of pending) post({ k: 'work', from: tab, id, work: entry.work });
  };

  const goAway = () => {
    if (away || !joined) return;
    away = true;
    stepDown();
    // A cached page must not wait in the queue either: granted the lock, it would hold it asleep.
    abort?.abort();
    abort = null;
    // Chromium evicts a cached page that a channel message reaches: closed, the page stays
    // cached and comes back with its state.
    channel.removeEventListener('message', onMessage);
    channel.close();
    shut = true;
  };

  const listen = () => {
    if (shut) channel = parts.openChannel();
    shut = false;
    channel.addEventListener('message', onMessage);
  };

  const comeBack = () => {
    if (!away) return;
    away = false;
    if (!joined || closed) return;
    listen();
    compete();
    post({ k: 'ask', from: tab });
    handAll();
    tellVisibility();
  };

  const join = () => {
    if (joined) return;
    joined = true;
    closed = false;
    away = false;
    listen();
    stopPage = parts.page ? watchPage(parts.page, { away: goAway, back: comeBack }) : null;
    compete();
    post({ k: 'ask', from: tab });
    tellVisibility();
  };

  // ---- follower --------------------------------------------------------------------------------

  function onMessage(event: { data: unknown }) {
    const message = readTabMessage(event.data);
    if (!message || message.from === tab || closed) return;
    switch (message.k) {
      case 'state':
        if (local) return;
        // The shared socket opened: this tab's connection faults of it are over too.
        if (message.snapshot.status === 'open' && snapshot.status !== 'open' && lastOrigin)
          store.getState().resolveConnection(lastOrigin);
        return setSnapshot(message.snapshot);
      case 'message':
        if (!local) handlers.emit(message.envelope);
        return;
      case 'fault':
        if (local) return;
        if (message.context.origin) lastOrigin = message.context.origin;
        store.getState().report(message.fault, message.context);
        return;
      case 'leader':
        if (local) return;
        // A new leader: what it never heard of is handed to it again, and whether this tab shows.
        handAll();
        tellVisibility();
        return;
      case 'ask':
        if (local) post({ k: 'state', from: tab, snapshot: local.getSnapshot(), origin: '' });
        return;
      case 'work': {
        const socket = local;
        if (!socket) return;
        const key = `${message.from}:${message.id}`;
        if (doing.has(key)) return;
        doing.add(key);
        perform(socket, message.work, (value, fault) => {
          doing.delete(key);
          post({
            k: 'done',
            from: tab,
            to: message.from,
            id: message.id,
            value,
            ...(fault ? { fault } : {}),
          });
        });
        return;
      }
      case 'done':
        if (message.to === tab) settleHere(message.id, message.value, message.fault);
        return;
      case 'reconnect':
        local?.reconnect();
        return;
      case 'visible':
        visibility?.set(message.from, message.visible);
        return;
    }
  }

  /** Hands work to the leader (or runs it, when this tab leads). */
  const hand = (work: Work, settle: Pending['settle'], timeoutMs?: number) => {
    const id = `${tab}-${++ids}`;
    const entry: Pending = { work, settle, timer: undefined };
    pending.set(id, entry);
    if (timeoutMs !== undefined && Number.isFinite(timeoutMs)) {
      // A request whose leader vanished with it must still settle here.
      entry.timer = parts.setTimeout(() => {
        const cause = `no reply to "${work.type}" within ${timeoutMs} ms (handed to the tab holding the connection)`;
        settleHere(id, undefined, clientFault('request_timeout', cause));
      }, timeoutMs);
    }
    if (local) perform(local, work, (v, f) => settleHere(id, v, f));
    else post({ k: 'work', from: tab, id, work });
    return id;
  };

  /**
   * A follower's request, settled here: the `reply` schema and the `signal` stay in this tab
   * (neither can cross the channel), so the reply is checked and an abort is honoured here.
   */
  const requestThroughLeader = (type: string, data: unknown, given: RequestOptions) => {
    const { reply, signal } = given;
    if (signal?.aborted) {
      const fault = clientFault('request_aborted', 'aborted before it was sent');
      return Promise.reject(new FaultError(fault));
    }
    const timeoutMs = given.timeoutMs ?? options.requestTimeoutMs ?? 10_000;
    const work: Work = {
      kind: 'request',
      type,
      data,
      timeoutMs,
      retryOnReconnect: given.retryOnReconnect,
    };
    return new Promise<Envelope>((resolve, reject) => {
      const onAbort = () =>
        settleHere(id, undefined, clientFault('request_aborted', 'the signal was aborted'));
      const id = hand(
        work,
        (value, fault) => {
          signal?.removeEventListener('abort', onAbort);
          if (fault) return reject(new FaultError(fault));
          const envelope = value as Envelope;
          const checked = reply ? validateData(reply, envelope.data) : null;
          if (checked && !checked.ok) {
            const cause = `reply to "${type}": ${checked.cause}`;
            reject(new FaultError(store.getState().report(clientFault('invalid_envelope', cause))));
          } else if (checked && checked.data !== envelope.data) {
            resolve({ ...envelope, data: checked.data });
          } else resolve(envelope);
          // A reply reaches the handlers of the tab that asked only, as on its own socket.
          handlers.emit(envelope);
        },
        timeoutMs,
      );
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  };

  const leave = () => {
    // A tab that leaves no longer keeps the leader's retries going.
    if (!local && joined) post({ k: 'visible', from: tab, visible: false });
    closed = true;
    joined = false;
    channel.removeEventListener('message', onMessage);
    stopPage?.();
    stopPage = null;
    stepDown();
    abort?.abort();
    abort = null;
    for (const id of [...pending.keys()]) {
      settleHere(id, undefined, clientFault('connection_closed', 'close() was called in this tab'));
    }
  };

  const socket: Socket = {
    errors: store,
    get delivery() {
      return local?.delivery ?? NO_DELIVERY;
    },
    getSnapshot: () => snapshot,
    subscribe(listener) {
      const own = () => listener();
      listeners.add(own);
      return () => listeners.delete(own);
    },
    connect: join,
    send(type, data, meta) {
      if (local) return local.send(type, data as never, meta);
      if (typeof type !== 'string' || type === '') {
        throw new TypeError('sockguard: send(type, data) needs a non-empty string type');
      }
      if (closed || !joined) {
        const fault = clientFault(
          'connection_closed',
          'this tab closed the socket: call connect()',
        );
        return { status: 'rejected', fault } satisfies SendResult;
      }
      hand({ kind: 'send', type, data, meta }, (_value, fault) => {
        if (fault) store.getState().report(fault);
      });
      return { status: 'queued' };
    },
    request(type: string, data: unknown, requestOptions: RequestOptions = {}) {
      if (local) {
        const promise = local.request(type, data as never, requestOptions);
        promise.then(
          (envelope) => noteReply(envelope, 'here'),
          () => {},
        );
        return promise;
      }
      if (closed || !joined) {
        const fault = clientFault(
          'connection_closed',
          'this tab closed the socket: call connect()',
        );
        return Promise.reject(new FaultError(fault));
      }
      return requestThroughLeader(type, data, requestOptions);
    },
    on: (type, handler) => handlers.on(type, handler as MessageHandler),
    reconnect() {
      if (local) local.reconnect();
      else post({ k: 'reconnect', from: tab });
    },
    close() {
      if (!joined) return;
      leave();
      setSnapshot(Object.freeze({ ...INITIAL_SNAPSHOT, status: 'closed' }) as SocketSnapshot);
    },
  } as Socket;
  roles.set(socket, () => (local ? 'leader' : joined ? 'follower' : 'closed'));
  if (options.autoConnect ?? true) join();
  return socket;
}
