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
import { NO_DELIVERY } from '../delivery/delivery.js';
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
  readonly channel: ChannelLike;
  /** Makes the ordinary socket the leader runs (not connected yet). */
  readonly local: (store: ErrorStore) => Socket;
  readonly options: SocketOptions;
  readonly random: () => number;
  readonly now: () => number;
  readonly setTimeout: (fn: () => void, ms: number) => unknown;
  readonly clearTimeout: (handle: unknown) => void;
}

interface Pending {
  readonly work: Work;
  readonly settle: (value: unknown, fault: Fault | undefined) => void;
  timer: unknown;
}

const isStore = (value: object): value is ErrorStore => 'getState' in value;

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

export function createSharedSocket(parts: TabsParts): Socket {
  const { options, channel } = parts;
  const tab = `${Math.floor(parts.random() * 36 ** 8).toString(36)}-${parts.now().toString(36)}`;
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
  let ids = 0;
  const pending = new Map<string, Pending>();
  /** Work of other tabs in progress here (so a repeat after a handover is not done twice). */
  const doing = new Set<string>();
  let release: (() => void) | null = null;
  let abort: AbortController | null = null;
  /** Faults already passed on, by id (a merged repeat keeps its id). */
  const told = new Set<string>();
  let lastOrigin = '';

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

  /** Runs work on the leader's socket; `done` gets the outcome. */
  const perform = (socket: Socket, work: Work, done: (value: unknown, fault?: Fault) => void) => {
    if (work.kind === 'send') {
      const result = socket.send(work.type, work.data as never, work.meta);
      if (result.status === 'rejected') done(undefined, result.fault);
      else done({ status: result.status });
      return;
    }
    const request: RequestOptions = {
      ...(work.timeoutMs === undefined ? {} : { timeoutMs: work.timeoutMs }),
      ...(work.retryOnReconnect === undefined ? {} : { retryOnReconnect: work.retryOnReconnect }),
    };
    socket.request(work.type, work.data as never, request).then(
      (envelope) => done(envelope),
      (error: unknown) =>
        done(
          undefined,
          error instanceof FaultError ? error.fault : clientFault('request_aborted', String(error)),
        ),
    );
  };

  const lead = () => {
    const socket = parts.local(store);
    local = socket;
    socket.subscribe(() => {
      const next = socket.getSnapshot();
      post({ k: 'state', from: tab, snapshot: next, origin: '' });
      setSnapshot(next);
    });
    socket.on('*', (envelope) => {
      post({ k: 'message', from: tab, envelope });
      handlers.emit(envelope);
    });
    // Every fault this tab's socket reports reaches the other tabs' stores once.
    store.subscribe((state) => {
      for (const fault of state.history) {
        if (told.has(fault.id)) break;
        told.add(fault.id);
        post({ k: 'fault', from: tab, fault, context: { origin: fault.origin ?? '' } });
      }
    });
    for (const fault of store.getState().history) told.add(fault.id);
    post({ k: 'leader', from: tab });
    socket.connect();
    setSnapshot(socket.getSnapshot());
    // What this tab handed to the old leader and has not heard back about: done here now.
    for (const [id, entry] of [...pending])
      perform(socket, entry.work, (v, f) => settleHere(id, v, f));
  };

  const join = () => {
    if (joined) return;
    joined = true;
    closed = false;
    channel.addEventListener('message', onMessage);
    abort = new AbortController();
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    parts.locks
      .request(parts.name, { signal: abort.signal }, () => {
        if (closed) return Promise.resolve();
        lead();
        return held;
      })
      .catch(() => {
        // Aborted by close() while waiting in the queue: this tab never led.
      });
    post({ k: 'ask', from: tab });
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
        // A new leader: what it never heard of is handed to it again.
        for (const [id, entry] of pending) post({ k: 'work', from: tab, id, work: entry.work });
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
          // This tab is leaving: the work fails with its socket, not for the tab that asked; that
          // tab hands it to the next leader.
          if (closed) return;
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
  };

  const leave = () => {
    closed = true;
    joined = false;
    channel.removeEventListener('message', onMessage);
    abort?.abort();
    abort = null;
    local?.close();
    local = null;
    release?.();
    release = null;
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
      if (local) return local.request(type, data as never, requestOptions);
      if (closed || !joined) {
        const fault = clientFault(
          'connection_closed',
          'this tab closed the socket: call connect()',
        );
        return Promise.reject(new FaultError(fault));
      }
      const timeoutMs = requestOptions.timeoutMs ?? options.requestTimeoutMs ?? 10_000;
      return new Promise<Envelope>((resolve, reject) => {
        hand(
          {
            kind: 'request',
            type,
            data,
            timeoutMs,
            retryOnReconnect: requestOptions.retryOnReconnect,
          },
          (value, fault) => (fault ? reject(new FaultError(fault)) : resolve(value as Envelope)),
          timeoutMs,
        );
      });
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
