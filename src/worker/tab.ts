/**
 * A tab's side of one connection for all tabs (SPEC.md section 8, issue 21): the core's `Socket`
 * API, whose calls go over this tab's MessagePort to the SharedWorker that holds the one socket
 * (hub.ts). The snapshot mirrors the worker's; handlers get every message once; a send's or
 * request's outcome and faults come back to this tab only, and its error store is its own.
 *
 * `close()` is this tab leaving: the shared socket stays for the other tabs (the worker closes it
 * once no tab is left). Sends already handed to the worker still go, as a page's last sends
 * would; pending requests reject here. `connect()` joins again.
 *
 * Every wait is bounded here too: a request has its own timer (its timeout plus
 * `requestGraceMs`), and a worker not heard from for `workerTimeoutMs` (or two of the ping
 * intervals its welcome tells, when that is longer) fails this tab's pending work, so a worker
 * that dies leaves nothing hanging.
 */

import { type Clock, monotonicOf, systemClock, type TimerHandle } from '../core/clock.js';
import { eventTarget, watchEnvironment } from '../core/environment.js';
import { createErrorStore, type ErrorStore } from '../core/error-store/error-store.js';
import { createHandlers } from '../core/handlers.js';
import { IDLE } from '../core/machine.js';
import { checkGiven, type Rule } from '../core/option-checks.js';
import { resolveNumbers, type SocketOptions } from '../core/options.js';
import type { MessageHandler, SendResult, Socket, SocketSnapshot } from '../core/types.js';
import { isUnauthorized } from '../core/unauthorized.js';
import { classify } from '../protocol/classify.js';
import type { Envelope } from '../protocol/envelope.js';
import type { ClientCode, Fault } from '../protocol/fault.js';
import { FaultError } from '../protocol/fault-error.js';
import { validateData } from '../protocol/standard-schema.js';
import { why } from '../protocol/why.js';
import { OWN_REQUEST, type RequestOptions } from '../request/request.js';
import {
  type PortLike,
  post,
  type Question,
  readWorkerMessage,
  type TabMessage,
  type WireOptions,
  type WorkerMessage,
} from './wire.js';

// The development-only form of dev.ts: bundlers fold it away in production.
declare const process: { readonly env: { readonly NODE_ENV?: string | undefined } };

/** A short description of anything thrown (core/socket.ts has the same; importing it would bundle the socket). */
const describeError = (error: unknown): string =>
  (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 300);

/** Tabs connected in this realm: each one's origin of the faults of its own link to the worker. */
let connected = 0;

/** What a piece of this tab's work ended with, for {@link TabSettings.settled}. */
export type Settled = 'written' | 'replied' | 'failed' | 'left';

/** Settings of the tab's side (the socket's own options are the app's `SocketOptions`). */
export interface TabSettings {
  /** The connection's name across tabs. @default the URL, when it is a string or a URL */
  readonly key?: string;
  /**
   * The worker not heard from this long: this tab's pending work fails. Never less than two of
   * the ping intervals the worker tells in its welcome (a worker silent for less is not dead).
   * @default 15_000
   */
  readonly workerTimeoutMs?: number;
  /** A request's own timer here: its timeout plus this (the worker's timer goes first). @default 2000 */
  readonly requestGraceMs?: number;
  /**
   * @internal Told when a send or request of this tab ends (tests; the delivery seam). Each piece
   * of work is told exactly once.
   */
  readonly settled?: (
    work: { readonly kind: 'send' | 'request'; readonly data: unknown },
    how: Settled,
  ) => void;
}

const SETTINGS: Readonly<Record<keyof TabSettings, Rule>> = {
  key: { kind: 'text' },
  workerTimeoutMs: { kind: 'ms', min: 100 },
  requestGraceMs: { kind: 'ms', min: 0 },
  settled: { kind: 'function' },
};

/** Options that stay in the tab (the worker has its own, or the tab uses them itself). */
const LOCAL = new Set([
  'errors',
  'clock',
  'random',
  'WebSocket',
  'environment',
  'autoConnect',
  'tabs',
]);
/** Options a tab answers when asked (functions are run here, never sent). */
const ASKED: readonly Question[] = ['url', 'protocols', 'refreshAuth'];
/** Options the worker cannot run yet (functions or extensions that do not cross a port). */
const NOT_YET = new Set(['schemas', 'delivery']);

/** The cloneable form of the options, checked: throws naming what cannot cross a port. */
function wireOptions(options: SocketOptions): WireOptions {
  const wire: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (LOCAL.has(key) || value === undefined) continue;
    if (NOT_YET.has(key)) throw new TypeError(`sockguard: ${why('not_supported', key)}`);
    if (typeof value === 'function') {
      if (!(ASKED as readonly string[]).includes(key))
        throw new TypeError(`sockguard: ${why('tab_function', key)}`);
      // The source text, so that tabs with different functions are told apart.
      wire[key] = { $fn: String(value) };
    } else if (key === 'url' && typeof value === 'object' && value !== null) {
      wire[key] = String((value as URL).href);
    } else if (key === 'classification' && typeof Reflect.get(value, 'messages') === 'function') {
      throw new TypeError(`sockguard: ${why('tab_messages')}`);
    } else wire[key] = value;
  }
  return wire;
}

interface PendingRequest {
  readonly type: string;
  readonly data: unknown;
  readonly reply: RequestOptions['reply'];
  readonly resolve: (envelope: Envelope) => void;
  readonly reject: (fault: Fault) => void;
  timer: TimerHandle | undefined;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

/**
 * Connects this tab to the shared worker on `port`; returns the tab's socket. Options are checked
 * here, as `createSocket` checks them, and those that cannot cross a port (a `backoff` function,
 * a `classification.messages` function, `schemas`, `delivery`) are refused naming the option.
 */
export function connectTab(
  port: PortLike,
  options: SocketOptions,
  settings: TabSettings = {},
): Socket {
  resolveNumbers(options);
  try {
    if (process.env.NODE_ENV !== 'production') checkGiven('connectTab', settings, SETTINGS);
  } catch {
    checkGiven('connectTab', settings, SETTINGS); // no `process`: development
  }
  const wire = wireOptions(options);
  const url = options.url;
  const key =
    settings.key ?? (typeof url === 'string' ? url : url instanceof URL ? url.href : undefined);
  if (key === undefined) throw new TypeError(`sockguard: ${why('tabs_key')}`);
  const workerTimeoutMs = settings.workerTimeoutMs ?? 15_000;
  const graceMs = settings.requestGraceMs ?? 2000;
  const clock: Clock = options.clock ?? systemClock;
  const elapsed = monotonicOf(clock);
  const given = options.errors;
  const store: ErrorStore =
    given && 'getState' in given ? given : createErrorStore({ clock, ...given });

  let snapshot: SocketSnapshot = IDLE;
  const listeners = new Set<() => void>();
  let joined = false;
  /** The worker has gone quiet, or dropped this tab: it is asked again with a hello. */
  let lost = false;
  /** The worker refused this tab's options: it waits for `reconnect()`. */
  let refused = false;
  let ids = 0;
  let faults = 0;
  let heard = elapsed();
  let watchdog: TimerHandle | undefined;
  /** The worker's ping interval, from its welcome (0 until then). */
  let pingMs = 0;
  /**
   * Sends handed to the worker and not settled yet. The delivery seam: with delivery on, an entry
   * stays here until the worker reports the send acknowledged (not only written), so that a
   * worker that dies leaves the tab holding what the server may not have processed.
   */
  const sends = new Map<number, { readonly data: unknown }>();
  const requests = new Map<number, PendingRequest>();

  const clientFault = (code: ClientCode, cause: string): Fault =>
    classify(
      { source: 'client', code, cause },
      { id: `tab-${++faults}`, now: clock.now(), overrides: options.classification?.overrides },
    );
  /**
   * The origin of the faults of this tab's link to the worker (the worker silent, this tab
   * dropped): resolved (`resolveConnection`) when the worker is heard again. No dash in a socket's.
   */
  const link = `worker-tab-${++connected}`;
  const report = (f: Fault, origin?: string) => {
    try {
      store.getState().report(f, origin === undefined ? {} : { origin });
    } catch {
      // A store subscriber threw after the store changed: the fault is kept.
    }
  };
  const isolate = (what: string, fn: () => void) => {
    try {
      fn();
    } catch (error) {
      report(clientFault('callback_error', why('callback_threw', what, describeError(error))));
    }
  };
  const handlers = createHandlers((error, envelope) =>
    report(clientFault('handler_error', why('handler_threw', envelope.type, describeError(error)))),
  );
  const tell = (
    work: { readonly kind: 'send' | 'request'; readonly data: unknown },
    how: Settled,
  ) => {
    const hook = settings.settled;
    if (hook) isolate(why('settled_hook'), () => hook(work, how));
  };
  const setSnapshot = (next: SocketSnapshot) => {
    if (next === snapshot) return;
    snapshot = next;
    for (const listener of [...listeners]) isolate(why('listener'), listener);
  };
  const say = (message: TabMessage) => post(port, message);

  // ---- settling work --------------------------------------------------------------------------

  const sendDone = (id: number, how: Settled) => {
    const entry = sends.get(id);
    if (entry === undefined) return;
    sends.delete(id);
    tell({ kind: 'send', data: entry.data }, how);
  };
  const requestDone = (id: number, outcome: Envelope | Fault, how: Settled) => {
    const entry = requests.get(id);
    if (entry === undefined) return;
    requests.delete(id);
    if (entry.timer !== undefined) clock.clearTimeout(entry.timer);
    entry.signal?.removeEventListener('abort', entry.onAbort);
    tell({ kind: 'request', data: entry.data }, how);
    if (!('type' in outcome)) return entry.reject(outcome);
    if (entry.reply === undefined) return entry.resolve(outcome);
    const checked = validateData(entry.reply, outcome.data);
    if (checked.ok)
      return entry.resolve(
        checked.data === outcome.data ? outcome : { ...outcome, data: checked.data },
      );
    const f = clientFault('invalid_envelope', why('bad_reply', entry.type, checked.cause));
    report(f);
    entry.reject(f);
  };
  /** Everything pending ends: requests reject with `fault`; sends fail (stored) or are left. */
  const settleAll = (f: Fault, sendsHow: 'failed' | 'left') => {
    for (const id of [...requests.keys()]) requestDone(id, f, 'failed');
    for (const id of [...sends.keys()]) {
      if (sendsHow === 'failed') report({ ...f, id: `tab-${++faults}` });
      sendDone(id, sendsHow);
    }
  };

  // ---- the worker -----------------------------------------------------------------------------

  /** The worker went quiet or dropped this tab: pending work fails here, and we say hello again. */
  const lose = (cause: string) => {
    if (lost) return;
    lost = true;
    // Kind `connection` (a client `connection_closed` is an `application` fault of one piece of
    // work): it is this tab's connection that is down, and so it is resolved when it is back.
    const f: Fault = { ...clientFault('connection_closed', cause), kind: 'connection' };
    report(f, link);
    settleAll(f, 'failed');
    setSnapshot(
      Object.freeze({
        ...snapshot,
        status: 'reconnecting',
        nextRetryAt: null,
        lastFault: f,
      }) as SocketSnapshot,
    );
    hello();
  };
  const watch = () => {
    watchdog = clock.setTimeout(() => {
      watchdog = undefined;
      if (!joined || refused) return;
      const limit = Math.max(workerTimeoutMs, 2 * pingMs);
      if (elapsed() - heard > limit) lose(why('worker_silent', limit));
      watch();
    }, workerTimeoutMs / 3);
  };

  const answer = (q: number, what: Question) => {
    const fn = options[what];
    Promise.resolve()
      .then(() => (typeof fn === 'function' ? (fn as () => unknown)() : fn))
      .then(
        (value) => {
          const href =
            typeof value === 'object' && value !== null ? Reflect.get(value, 'href') : value;
          const sendable = what === 'url' ? (typeof href === 'string' ? href : null) : value;
          if (!say({ v: 1, t: 'answer', q, value: what === 'refreshAuth' ? null : sendable }))
            say({
              v: 1,
              t: 'answer',
              q,
              error: why('answer_unsendable', what),
              unauthorized: false,
            });
        },
        (error: unknown) =>
          say({
            v: 1,
            t: 'answer',
            q,
            error: describeError(error),
            unauthorized: isUnauthorized(error),
          }),
      );
  };

  function onWorker(message: WorkerMessage) {
    switch (message.t) {
      case 'welcome':
        pingMs = message.pingMs;
        return setSnapshot(Object.freeze(message.snapshot));
      case 'snapshot':
        return setSnapshot(Object.freeze(message.snapshot));
      case 'refused':
        // Not counted by the worker (no pings come): nothing to watch until `reconnect()`.
        refused = true;
        report(message.fault);
        return setSnapshot(
          Object.freeze({
            ...IDLE,
            status: 'failed',
            fault: message.fault,
            lastFault: message.fault,
          }) as SocketSnapshot,
        );
      case 'message':
        // A reply is a message only as its own request settles: one for a request that ended
        // here (its own timer, an abort) is late, and nobody's.
        if (message.reply !== undefined && !requests.has(message.reply)) return;
        handlers.emit(message.envelope);
        if (message.reply !== undefined) requestDone(message.reply, message.envelope, 'replied');
        return;
      case 'fault':
        isolate(why('store_subscriber'), () =>
          store.getState().report(message.fault, message.context),
        );
        return;
      case 'resolve':
        isolate(why('store_subscriber'), () => store.getState().resolveConnection(message.origin));
        return;
      case 'dismiss':
        isolate(why('store_subscriber'), () => store.getState().dismiss(message.id));
        return;
      case 'sent':
        return sendDone(message.id, message.fault ? 'failed' : 'written');
      case 'failed':
        return requestDone(message.id, message.fault, 'failed');
      case 'ask':
        return answer(message.q, message.what);
      case 'ping':
        say({ v: 1, t: 'pong', n: message.n });
        return;
      case 'dropped':
        return lose(why('tab_dropped'));
    }
  }

  const onMessage = (event: { readonly data: unknown }) => {
    if (!joined) return;
    const read = readWorkerMessage(event.data);
    if (!read.ok) {
      return report(clientFault('invalid_envelope', why('worker_malformed', read.problem)));
    }
    heard = elapsed();
    if (lost && read.message.t !== 'dropped') {
      // The worker answers again: the fault of its silence (or of the drop) is over.
      lost = false;
      isolate(why('store_subscriber'), () => store.getState().resolveConnection(link));
    }
    onWorker(read.message);
  };

  // ---- joining and leaving --------------------------------------------------------------------

  let env: ReturnType<typeof watchEnvironment> | null = null;
  const conditions = () => ({
    visible: !(env?.isHidden() ?? false),
    online: env?.isOnline() ?? true,
  });
  const hello = () => say({ v: 1, t: 'hello', key, options: wire, ...conditions() });

  const join = () => {
    if (joined) return;
    joined = true;
    lost = false;
    heard = elapsed();
    port.addEventListener('message', onMessage);
    port.start?.();
    env = watchEnvironment(options.environment ?? {}, (event) => {
      // The back/forward cache is the page's (below); the worker hears only the conditions.
      if (event !== 'frozen' && event !== 'restored')
        say({ v: 1, t: 'conditions', ...conditions() });
    });
    if (snapshot.status === 'closed') setSnapshot(IDLE);
    hello();
    watch();
  };

  /** This tab leaves; `closing`: for good (`close()` or unload), else for the bfcache. */
  function leave(closing: boolean) {
    if (!joined) return;
    say({ v: 1, t: 'bye' });
    joined = false;
    port.removeEventListener('message', onMessage);
    env?.stop();
    env = null;
    if (watchdog !== undefined) clock.clearTimeout(watchdog);
    watchdog = undefined;
    const f = clientFault('connection_closed', why('tab_closed'));
    settleAll(f, 'left');
    if (closing) setSnapshot(Object.freeze({ ...IDLE, status: 'closed' }) as SocketSnapshot);
  }

  const stoppedFault = (): Fault | undefined => {
    const { status } = snapshot;
    if (!joined || status === 'closed')
      return clientFault('connection_closed', why('socket_stopped', 'closed', 'connect()'));
    if (status === 'failed')
      return clientFault('connection_closed', why('socket_stopped', status, 'reconnect()'));
    return undefined;
  };
  const checkJson = (type: unknown, data: unknown, meta: unknown) => {
    if (typeof type !== 'string' || type === '')
      throw new TypeError(`sockguard: ${why('send_type')}`);
    try {
      JSON.stringify({ type, data, meta });
    } catch (error) {
      throw new TypeError(`sockguard: ${why('not_json', type, String(error))}`);
    }
  };
  const maxQueue = options.maxQueue ?? 100;

  const socket: Socket = {
    errors: store,
    getSnapshot: () => snapshot,
    subscribe(listener) {
      const own = () => listener();
      listeners.add(own);
      return () => listeners.delete(own);
    },
    connect: join,
    reconnect() {
      if (!joined) return join();
      if (!refused) return void say({ v: 1, t: 'reconnect' });
      // Asked again: the other tabs may have gone, or their options changed with a reload.
      refused = false;
      heard = elapsed();
      hello();
      if (watchdog === undefined) watch();
    },
    close: () => leave(true),
    on: (type, handler) => handlers.on(type, handler as MessageHandler),
    send(type: string, data: unknown, meta?: Readonly<Record<string, unknown>>): SendResult {
      checkJson(type, data, meta);
      const stopped = stoppedFault();
      if (stopped) return { status: 'rejected', fault: stopped };
      if (snapshot.suspended) {
        const f = clientFault('connection_closed', why('suspended_send'));
        report(f);
        return { status: 'rejected', fault: f };
      }
      if (sends.size >= maxQueue) {
        const f = clientFault('queue_overflow', why('queue_full', maxQueue));
        report(f);
        return { status: 'rejected', fault: f };
      }
      const id = ++ids;
      sends.set(id, { data });
      say({
        v: 1,
        t: 'send',
        id,
        type,
        data,
        ...(meta === undefined ? {} : { meta: { ...meta } }),
      });
      return { status: 'queued' };
    },
  } as Socket;

  Object.defineProperty(socket, OWN_REQUEST, {
    value(type: string, data: unknown, ro: RequestOptions = {}) {
      try {
        checkJson(type, data, undefined);
      } catch (error) {
        return Promise.reject(error);
      }
      const stopped = stoppedFault();
      if (stopped) return Promise.reject(new FaultError(stopped));
      const { signal, reply, retryOnReconnect } = ro;
      if (signal?.aborted)
        return Promise.reject(
          new FaultError(clientFault('request_aborted', why('aborted_before'))),
        );
      const timeoutMs = ro.timeoutMs ?? options.requestTimeoutMs ?? 10_000;
      const id = ++ids;
      return new Promise<Envelope>((resolve, reject) => {
        const entry: PendingRequest = {
          type,
          data,
          reply,
          resolve,
          reject: (f) => reject(new FaultError(f)),
          timer: undefined,
          signal,
          onAbort() {
            say({ v: 1, t: 'abort', id });
            requestDone(id, clientFault('request_aborted', why('aborted')), 'failed');
          },
        };
        requests.set(id, entry);
        signal?.addEventListener('abort', entry.onAbort);
        if (timeoutMs !== Number.POSITIVE_INFINITY) {
          // The worker times the request out first; this one holds if the worker cannot answer.
          entry.timer = clock.setTimeout(() => {
            say({ v: 1, t: 'abort', id });
            const f = clientFault('request_timeout', why('no_reply', type, timeoutMs + graceMs));
            report(f);
            requestDone(id, f, 'failed');
          }, timeoutMs + graceMs);
        }
        say({
          v: 1,
          t: 'request',
          id,
          type,
          data,
          timeoutMs: timeoutMs === Number.POSITIVE_INFINITY ? null : timeoutMs,
          ...(retryOnReconnect === undefined ? {} : { retryOnReconnect }),
        });
      });
    },
  });

  // A page that unloads says goodbye (a crash says nothing: the worker's ping finds it); one going
  // into the back/forward cache leaves too (a frozen page cannot answer), and comes back on show.
  const window =
    options.environment === false
      ? undefined
      : eventTarget(options.environment?.window ?? globalThis);
  let away = false;
  window?.addEventListener('pagehide', (event) => {
    if (!joined) return;
    away = Reflect.get(event, 'persisted') === true;
    leave(!away);
  });
  window?.addEventListener('pageshow', (event) => {
    if (!away || Reflect.get(event, 'persisted') !== true) return;
    away = false;
    join();
  });
  if (options.autoConnect ?? true) join();
  return socket;
}
