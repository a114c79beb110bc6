/**
 * The SharedWorker's side of one connection for all tabs (SPEC.md section 8, issue 21): ONE
 * ordinary core socket per key, and the tabs that asked for it, each on its own MessagePort.
 * Nothing is elected or handed over: the worker holds the socket as long as a tab holds it.
 *
 * Routing is by port and ids, never by timing. A send's or request's outcome and faults go to the
 * port that asked: its frame is remembered (the extension's `Accepted` hook sees the frame the
 * call made), its request id is remembered (its `outbound` hook sees the id the call stamped), and
 * a fault the socket reports while a tab's call runs is matched by identity with the call's
 * result. Everything else (a close, a transport fault, an inbound message) goes to every tab once.
 *
 * What only a page can answer (the URL or protocols function with a fresh token, `refreshAuth`)
 * is asked of a live tab, bounded by `askTimeoutMs`, and asked of another tab when that one times
 * out or goes. Browser conditions are aggregated into the core's injectable environment: hidden
 * only when every tab is hidden, offline only when every tab is offline.
 *
 * Liveness: the hub pings every tab each `pingIntervalMs`; a tab not heard from for
 * `tabTimeoutMs` is dropped at the next tick, so a crashed or frozen tab is gone within
 * `tabTimeoutMs + pingIntervalMs` (15 s by default) of its last message; its questions are asked
 * of another tab at once. The last tab gone, the socket closes after `closeGraceMs` (a reload's
 * new page says hello again within it and keeps the connection).
 */

import { type Clock, monotonicOf, systemClock, type TimerHandle } from '../core/clock.js';
import type { BrowserEnvironment } from '../core/environment.js';
import {
  createErrorStore,
  type ErrorState,
  type ErrorStore,
  type FaultContext,
  type StoredFault,
} from '../core/error-store/error-store.js';
import { endedBy, type Frame, type Host, hostOf } from '../core/extension.js';
import { checkGiven, type Rule, withDefaults } from '../core/option-checks.js';
import type { SocketOptions } from '../core/options.js';
import { differingOptions } from '../core/options-diff.js';
import { createSocket } from '../core/socket.js';
import type { Socket } from '../core/types.js';
import { unauthorized } from '../core/unauthorized.js';
import { classify } from '../protocol/classify.js';
import type { Envelope } from '../protocol/envelope.js';
import type { ClientCode, Fault } from '../protocol/fault.js';
import { isFaultError } from '../protocol/fault-error.js';
import { why } from '../protocol/why.js';
import { request } from '../request/request.js';
import {
  type PortLike,
  post,
  type Question,
  readTabMessage,
  type TabMessage,
  type WireOptions,
  type WorkerMessage,
} from './wire.js';

// The development-only form of dev.ts: bundlers fold it away in production.
declare const process: { readonly env: { readonly NODE_ENV?: string | undefined } };

/** Options of {@link createHub}. */
export interface HubOptions {
  /** Makes the socket of a key from the tabs' options. @default createSocket */
  readonly makeSocket?: (options: SocketOptions) => Socket;
  /** @default systemClock */
  readonly clock?: Clock;
  /** How often every tab is pinged. @default 5000 */
  readonly pingIntervalMs?: number;
  /**
   * A tab not heard from for this long is dropped at the next ping (at least twice the
   * interval, so a healthy tab answering one ping late is kept). @default 10_000
   */
  readonly tabTimeoutMs?: number;
  /** A page-only question unanswered this long is asked of another tab. @default 5000 */
  readonly askTimeoutMs?: number;
  /** The last tab gone, the socket closes after this long (a reload comes back). @default 2000 */
  readonly closeGraceMs?: number;
  /** Sends and requests one tab may have in flight; past it they fail with `queue_overflow`. @default 1000 */
  readonly maxTabWork?: number;
  /** Ports kept for a tab that left or was dropped to say hello again; the oldest is closed past it. @default 64 */
  readonly maxIdlePorts?: number;
  /** Told of every malformed or unexpected message dropped (the tab that sent it is told too). */
  readonly onProblem?: (problem: string) => void;
}

/** The defaults of {@link HubOptions}, exported so tests and docs can refer to them. */
export const HUB_DEFAULTS = {
  pingIntervalMs: 5000,
  tabTimeoutMs: 10_000,
  askTimeoutMs: 5000,
  closeGraceMs: 2000,
  maxTabWork: 1000,
  maxIdlePorts: 64,
} as const;

const RULES: Readonly<Record<keyof HubOptions, Rule>> = {
  makeSocket: { kind: 'function' },
  clock: { kind: 'other' },
  pingIntervalMs: { kind: 'ms', min: 10 },
  tabTimeoutMs: { kind: 'ms', min: 20 },
  askTimeoutMs: { kind: 'ms', min: 1 },
  closeGraceMs: { kind: 'ms', min: 0 },
  maxTabWork: { kind: 'count', min: 1 },
  maxIdlePorts: { kind: 'count', min: 0 },
  onProblem: { kind: 'function' },
};

function checkHub(options: HubOptions): void {
  checkGiven('createHub', options, RULES);
  const { pingIntervalMs, tabTimeoutMs } = withDefaults(options, HUB_DEFAULTS);
  if (tabTimeoutMs < 2 * pingIntervalMs)
    throw new RangeError(
      `sockguard: createHub.tabTimeoutMs (${tabTimeoutMs}) must be at least twice pingIntervalMs (${pingIntervalMs})`,
    );
}

/** The worker's hub: give it every port that connects (`onconnect = (e) => hub.connect(e.ports[0])`). */
export interface Hub {
  connect(port: PortLike): void;
  /** Closes every socket and forgets every tab. */
  stop(): void;
}

/** One port, and the tab on it while it has joined. */
interface Tab {
  readonly port: PortLike;
  readonly listener: (event: { readonly data: unknown }) => void;
  shared: Shared | null;
  /** Monotonic ms of the last message heard. */
  heard: number;
  visible: boolean;
  online: boolean;
  /** Sends in flight, by the tab's id. */
  readonly sends: Set<number>;
  /** Requests in flight, by the tab's id. */
  readonly requests: Map<number, { readonly controller: AbortController; replied: boolean }>;
}

/** Who asked for a piece of work: the tab and its own id. */
interface Asker {
  readonly tab: Tab;
  readonly id: number;
}

/** A page-only question in flight. */
interface Asking {
  readonly what: Question;
  readonly shared: Shared;
  readonly tried: Set<Tab>;
  tab: Tab | null;
  q: number;
  timer: TimerHandle | undefined;
  readonly done: (value: unknown, error?: Error) => void;
}

/** The socket of one key and the tabs on it. */
interface Shared {
  readonly key: string;
  readonly options: WireOptions;
  socket: Socket;
  readonly tabs: Set<Tab>;
  /** Unwritten sends of tabs, by the frame the socket queued. */
  readonly frames: Map<Frame, Asker>;
  /** The socket's request ids of tabs' requests (the recent ones: late faults still find them). */
  readonly owners: Map<string, Asker>;
  readonly environment: {
    readonly window: EventTarget;
    readonly document: EventTarget & { visibilityState: 'visible' | 'hidden' };
    readonly navigator: { onLine: boolean };
  };
  grace: TimerHandle | undefined;
}

const QUESTIONS: readonly Question[] = ['url', 'protocols', 'refreshAuth'];
/**
 * The socket options a tab may give the worker (what crosses a port as data, and the page-only
 * functions as marks). Anything else (`WebSocket`, `tabs`, `delivery`, ...) is refused by name:
 * the worker decides what it runs with, not the tab.
 */
const WIRE_KEYS = new Set([
  'url',
  'protocols',
  'refreshAuth',
  'backoff',
  'minUptimeMs',
  'connectTimeoutMs',
  'heartbeat',
  'maxQueue',
  'requestTimeoutMs',
  'lostAfterMs',
  'suspendAfterMs',
  'maxHandshakeFailures',
  'errorCloseWindowMs',
  'refreshAuthTimeoutMs',
  'classification',
  'parse',
]);
/** Finished requests remembered per socket, for a late fault that names one. */
const MAX_OWNERS = 1024;
const isMark = (value: unknown): value is { $fn: string } =>
  typeof value === 'object' && value !== null && typeof Reflect.get(value, '$fn') === 'string';

/** Creates the hub of a SharedWorker. Options are checked here (an error names the bad one). */
export function createHub(options: HubOptions = {}): Hub {
  try {
    if (process.env.NODE_ENV !== 'production') checkHub(options);
  } catch {
    checkHub(options); // no `process`: development (a refused option throws again)
  }
  const n = withDefaults(options, HUB_DEFAULTS);
  const clock = options.clock ?? systemClock;
  const elapsed = monotonicOf(clock);
  const makeSocket = options.makeSocket ?? ((o: SocketOptions) => createSocket(o) as Socket);
  const ports = new Map<PortLike, Tab>();
  const shareds = new Map<string, Shared>();
  const questions = new Map<number, Asking>();
  let asked = 0;
  let pings = 0;
  let tick: TimerHandle | undefined;
  let faults = 0;

  /** The tab a socket call runs for, and what the socket reported during it. */
  let current: (Asker & { readonly kind: 'send' | 'request' }) | null = null;
  let caught: Array<{ readonly fault: Fault; readonly context: FaultContext }> | null = null;

  const fault = (code: ClientCode, cause: string, fatal = false): Fault =>
    classify(
      { source: 'client', code, cause },
      {
        id: `hub-${++faults}`,
        now: clock.now(),
        ...(fatal
          ? { overrides: { client: { [code]: { severity: 'fatal', action: 'stop' } } } }
          : {}),
      },
    );
  const send = (tab: Tab, message: WorkerMessage) => void post(tab.port, message);
  const everyone = (shared: Shared, message: WorkerMessage) => {
    for (const tab of shared.tabs) send(tab, message);
  };
  const problem = (tab: Tab, text: string) => {
    options.onProblem?.(text);
    if (tab.shared) {
      const f = fault('invalid_envelope', why('dropped_message', text));
      send(tab, { v: 1, t: 'fault', fault: f, context: {} });
    }
  };
  /**
   * Faults the hub made for one piece of a tab's work (a queued send the socket failed), by
   * identity, with what settles the work once the fault is told.
   */
  const addressed = new Map<Fault, { readonly asker: Asker; readonly settle: () => void }>();
  /** A fault to the tab whose work it is, or to every tab. */
  const route = (shared: Shared, f: Fault, context: FaultContext) => {
    const owner = f.requestId === undefined ? undefined : shared.owners.get(f.requestId);
    if (owner === undefined) return everyone(shared, { v: 1, t: 'fault', fault: f, context });
    // A fault of the request of a tab that left reaches no one.
    if (owner.tab.shared === shared) send(owner.tab, { v: 1, t: 'fault', fault: f, context });
  };

  // ---- the socket of a key --------------------------------------------------------------------

  /** The store the socket reports into: every report is routed, nothing is kept. */
  function routerStore(shared: Shared): ErrorStore {
    const store = createErrorStore({ clock });
    const actions: Pick<ErrorState, 'report' | 'resolveConnection' | 'dismiss'> = {
      report(f, context = {}) {
        const to = addressed.get(f);
        if (to) {
          // A fault this hub made for one tab's work: to that tab, then the work settles.
          addressed.delete(f);
          if (to.asker.tab.shared === shared)
            send(to.asker.tab, { v: 1, t: 'fault', fault: f, context });
          to.settle();
        } else if (caught) caught.push({ fault: f, context });
        else route(shared, f, context);
        const at = clock.now();
        return { ...f, count: 1, firstAt: at, lastAt: at, expiresAt: null } as StoredFault;
      },
      resolveConnection(origin) {
        everyone(shared, { v: 1, t: 'resolve', origin });
      },
      dismiss(id) {
        everyone(shared, { v: 1, t: 'dismiss', id });
      },
    };
    return { ...store, getState: () => ({ ...store.getState(), ...actions }) };
  }

  /** The page-only options become questions to the tabs; the rest is taken as the tabs gave it. */
  function socketOptions(shared: Shared, wire: WireOptions): SocketOptions {
    const given: Record<string, unknown> = { ...wire };
    for (const key of Object.keys(given))
      if (!WIRE_KEYS.has(key)) throw new TypeError(`sockguard: ${why('not_tab_option', key)}`);
    for (const what of QUESTIONS) {
      if (!isMark(wire[what])) continue;
      given[what] =
        what === 'refreshAuth'
          ? () => ask(shared, what).then(() => undefined)
          : () => ask(shared, what);
    }
    for (const [key, value] of Object.entries(given))
      if (isMark(value)) throw new TypeError(`sockguard: ${why('worker_function', key)}`);
    return {
      ...(given as unknown as SocketOptions),
      errors: routerStore(shared),
      environment: shared.environment as BrowserEnvironment,
      clock,
      autoConnect: false,
    };
  }

  function open(key: string, wire: WireOptions): Shared {
    const document = Object.assign(new EventTarget(), { visibilityState: 'visible' as const });
    const shared: Shared = {
      key,
      options: wire,
      socket: undefined as unknown as Socket,
      tabs: new Set(),
      frames: new Map(),
      owners: new Map(),
      environment: {
        window: new EventTarget(),
        document: document as Shared['environment']['document'],
        navigator: { onLine: true },
      },
      grace: undefined,
    };
    const socket = makeSocket(socketOptions(shared, wire));
    shared.socket = socket;
    socket.subscribe(() =>
      everyone(shared, { v: 1, t: 'snapshot', snapshot: socket.getSnapshot() }),
    );
    socket.on('*', (envelope: Envelope) => {
      const id = envelope.meta?.request_id;
      const owner = typeof id === 'string' ? shared.owners.get(id) : undefined;
      if (owner === undefined) return everyone(shared, { v: 1, t: 'message', envelope });
      if (owner.tab.shared !== shared) return;
      // A reply goes to the tab that asked; it settles its request there if still pending. An
      // error envelope rejects it through its fault (routed by its request id), as in the core.
      const pending = envelope.type === 'error' ? undefined : owner.tab.requests.get(owner.id);
      if (pending) pending.replied = true;
      send(owner.tab, { v: 1, t: 'message', envelope, ...(pending ? { reply: owner.id } : {}) });
    });
    track(shared, hostOf(socket));
    shareds.set(key, shared);
    return shared;
  }

  /** Follows the frames and request ids of tabs' work on the socket. */
  function track(shared: Shared, host: Host) {
    let numbered = 0;
    const sent = (asker: Asker, f?: Fault) => {
      asker.tab.sends.delete(asker.id);
      if (asker.tab.shared === shared)
        send(asker.tab, { v: 1, t: 'sent', id: asker.id, ...(f ? { fault: f } : {}) });
    };
    host.use({
      outbound(meta) {
        const asker = current;
        if (asker === null) return undefined;
        if (asker.kind === 'request') {
          const id = meta.request_id;
          if (typeof id === 'string') {
            shared.owners.set(id, asker);
            if (shared.owners.size > MAX_OWNERS)
              shared.owners.delete(shared.owners.keys().next().value as string);
          }
          return undefined;
        }
        return (frame) => {
          // The frame is this extension's to settle: the socket skips numbered frames when it
          // fails its queue, and the fault goes to the asking tab instead of every tab. The
          // number never goes on the wire (delivery, which owns `seq`, is not on in this slice).
          frame.seq = ++numbered;
          shared.frames.set(frame, asker);
          return undefined;
        };
      },
      written(frame) {
        const asker = shared.frames.get(frame);
        if (asker === undefined) return;
        shared.frames.delete(frame);
        sent(asker);
      },
      refused(frame) {
        // Refused at once (queue full): the call that made it answers the tab.
        shared.frames.delete(frame);
      },
      settle(stop, match) {
        for (const [frame, asker] of [...shared.frames]) {
          if (match && !match(frame, false)) continue;
          shared.frames.delete(frame);
          const f = host.fault({
            source: 'client',
            code: 'connection_closed',
            cause: why('not_sent', endedBy(stop)),
          });
          // Reported as the socket reports its own (after the step, in order), to this tab only.
          addressed.set(f, { asker, settle: () => sent(asker, f) });
          host.report(f);
        }
      },
    });
  }

  /** Runs a socket call for a tab: what the socket reports meanwhile is routed by identity. */
  function within<T>(
    asker: Asker,
    kind: 'send' | 'request',
    call: () => T,
    mine: (f: Fault, value: T | undefined) => boolean,
  ): T {
    current = { ...asker, kind };
    caught = [];
    const shared = asker.tab.shared as Shared;
    let value: T | undefined;
    try {
      value = call();
      return value;
    } finally {
      const reported = caught;
      current = null;
      caught = null;
      for (const { fault: f, context } of reported) {
        if (mine(f, value)) send(asker.tab, { v: 1, t: 'fault', fault: f, context });
        else route(shared, f, context);
      }
    }
  }

  // ---- questions only a page answers ----------------------------------------------------------

  function ask(shared: Shared, what: Question): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const asking: Asking = {
        what,
        shared,
        tried: new Set(),
        tab: null,
        q: 0,
        timer: undefined,
        done(value, error) {
          questions.delete(asking.q);
          if (asking.timer !== undefined) clock.clearTimeout(asking.timer);
          asking.tab = null;
          if (error) reject(error);
          else resolve(value);
        },
      };
      askNext(asking);
    });
  }

  /** Asks the next live tab that was not asked yet, visible ones first. */
  function askNext(asking: Asking) {
    questions.delete(asking.q);
    if (asking.timer !== undefined) clock.clearTimeout(asking.timer);
    const left = [...asking.shared.tabs].filter((tab) => !asking.tried.has(tab));
    const tab = left.find((t) => t.visible) ?? left[0];
    if (tab === undefined) {
      const tried = asking.tried.size;
      return asking.done(undefined, new Error(why('no_tab_answered', asking.what, tried)));
    }
    asking.tried.add(tab);
    asking.tab = tab;
    asking.q = ++asked;
    questions.set(asking.q, asking);
    asking.timer = clock.setTimeout(() => askNext(asking), n.askTimeoutMs);
    send(tab, { v: 1, t: 'ask', q: asking.q, what: asking.what });
  }

  function answered(tab: Tab, message: Extract<TabMessage, { t: 'answer' }>) {
    const asking = questions.get(message.q);
    // A late answer (the question went to another tab meanwhile) is not news.
    if (asking === undefined || asking.tab !== tab) return;
    if ('error' in message) {
      const error = message.unauthorized ? unauthorized(message.error) : new Error(message.error);
      return asking.done(undefined, error);
    }
    asking.done(message.value);
  }

  // ---- the tabs -------------------------------------------------------------------------------

  /** The environment the socket sees: hidden only if every tab is, offline only if every tab is. */
  function conditions(shared: Shared) {
    const tabs = [...shared.tabs];
    const { window, document, navigator } = shared.environment;
    const hidden = tabs.length > 0 && tabs.every((t) => !t.visible);
    const online = tabs.length === 0 || tabs.some((t) => t.online);
    if ((document.visibilityState === 'hidden') !== hidden) {
      document.visibilityState = hidden ? 'hidden' : 'visible';
      document.dispatchEvent(new Event('visibilitychange'));
    }
    if (navigator.onLine !== online) {
      navigator.onLine = online;
      window.dispatchEvent(new Event(online ? 'online' : 'offline'));
    }
  }

  function hello(tab: Tab, message: Extract<TabMessage, { t: 'hello' }>) {
    tab.visible = message.visible;
    tab.online = message.online;
    if (tab.shared) {
      if (tab.shared.key === message.key)
        return send(tab, { v: 1, t: 'welcome', snapshot: tab.shared.socket.getSnapshot() });
      leave(tab, false);
    }
    let shared = shareds.get(message.key);
    if (shared) {
      const differ = differingOptions(shared.options, message.options);
      if (differ.length > 0) {
        const cause = why('worker_options', message.key, differ.join(', '));
        return send(tab, { v: 1, t: 'refused', fault: fault('connection_closed', cause, true) });
      }
    } else {
      try {
        shared = open(message.key, message.options);
      } catch (error) {
        const cause = error instanceof Error ? error.message : String(error);
        return send(tab, { v: 1, t: 'refused', fault: fault('connection_closed', cause, true) });
      }
    }
    if (shared.grace !== undefined) clock.clearTimeout(shared.grace);
    shared.grace = undefined;
    tab.shared = shared;
    shared.tabs.add(tab);
    conditions(shared);
    send(tab, { v: 1, t: 'welcome', snapshot: shared.socket.getSnapshot() });
    const { status } = shared.socket.getSnapshot();
    if (status === 'idle' || status === 'closed') shared.socket.connect();
    if (tick === undefined) tick = clock.setTimeout(ping, n.pingIntervalMs);
  }

  /** The tab leaves its socket (said goodbye, or dropped); its port is kept to say hello again. */
  function leave(tab: Tab, dropped: boolean) {
    const shared = tab.shared;
    if (shared === null) return;
    tab.shared = null;
    shared.tabs.delete(tab);
    // Its requests end; its sends, handed over already, still go (as a page's last sends would).
    for (const { controller } of tab.requests.values()) controller.abort();
    tab.requests.clear();
    tab.sends.clear();
    for (const asking of [...questions.values()]) if (asking.tab === tab) askNext(asking);
    if (dropped) send(tab, { v: 1, t: 'dropped' });
    conditions(shared);
    if (shared.tabs.size === 0) {
      shared.grace = clock.setTimeout(() => {
        shared.grace = undefined;
        if (shared.tabs.size > 0) return;
        shareds.delete(shared.key);
        shared.socket.close();
      }, n.closeGraceMs);
    }
    idle();
  }

  /** Closes the oldest ports of tabs that left, past `maxIdlePorts`. */
  function idle() {
    const waiting = [...ports.values()].filter((t) => t.shared === null);
    for (const tab of waiting.slice(0, Math.max(0, waiting.length - n.maxIdlePorts))) {
      tab.port.removeEventListener('message', tab.listener);
      ports.delete(tab.port);
      try {
        tab.port.close();
      } catch {
        // Closed already.
      }
    }
  }

  function ping() {
    tick = undefined;
    const now = elapsed();
    let any = false;
    for (const tab of [...ports.values()]) {
      if (tab.shared === null) continue;
      if (now - tab.heard > n.tabTimeoutMs) {
        leave(tab, true);
        continue;
      }
      any = true;
      send(tab, { v: 1, t: 'ping', n: ++pings });
    }
    if (any) tick = clock.setTimeout(ping, n.pingIntervalMs);
  }

  function onSend(tab: Tab, shared: Shared, m: Extract<TabMessage, { t: 'send' }>) {
    const asker = { tab, id: m.id };
    tab.sends.add(m.id);
    let result: ReturnType<Socket['send']>;
    let stored = false;
    const mine = (f: Fault, value: ReturnType<Socket['send']> | undefined) => {
      const is = value?.status === 'rejected' && f === value.fault;
      stored ||= is;
      return is;
    };
    try {
      result = within(
        asker,
        'send',
        () => shared.socket.send(m.type, m.data as never, m.meta),
        mine,
      );
    } catch (error) {
      // The socket refused the call itself (data JSON cannot carry): the tab checked, so a bug.
      tab.sends.delete(m.id);
      const f = fault('connection_closed', why('worker_threw', 'send', String(error)));
      send(tab, { v: 1, t: 'fault', fault: f, context: {} });
      return send(tab, { v: 1, t: 'sent', id: m.id, fault: f });
    }
    if (result.status !== 'rejected') return;
    tab.sends.delete(m.id);
    const f = result.fault;
    // Not reported by the socket (it is stopped): the tab answered `queued`, so its store hears.
    if (!stored) send(tab, { v: 1, t: 'fault', fault: f, context: {} });
    send(tab, { v: 1, t: 'sent', id: m.id, fault: f });
  }

  function onRequest(tab: Tab, shared: Shared, m: Extract<TabMessage, { t: 'request' }>) {
    const controller = new AbortController();
    const entry = { controller, replied: false };
    tab.requests.set(m.id, entry);
    const asker = { tab, id: m.id };
    const timeoutMs = m.timeoutMs === null ? Number.POSITIVE_INFINITY : m.timeoutMs;
    const mine = (f: Fault) =>
      f.requestId !== undefined && shared.owners.get(f.requestId)?.tab === tab;
    const promise = within(
      asker,
      'request',
      () =>
        request(shared.socket, m.type, m.data as never, {
          signal: controller.signal,
          ...(timeoutMs === undefined ? {} : { timeoutMs }),
          ...(m.retryOnReconnect === undefined ? {} : { retryOnReconnect: m.retryOnReconnect }),
        }),
      mine,
    );
    const over = () => tab.requests.get(m.id) === entry && tab.requests.delete(m.id);
    promise.then(
      (envelope) => {
        // Replies reach the tab as messages; one that did not (a reply of a heartbeat type) here.
        if (over() && !entry.replied && tab.shared === shared)
          send(tab, { v: 1, t: 'message', envelope, reply: m.id });
      },
      (error: unknown) => {
        if (!over() || tab.shared !== shared) return;
        const f = isFaultError(error)
          ? error.fault
          : fault('request_aborted', why('worker_threw', 'request', String(error)));
        send(tab, { v: 1, t: 'failed', id: m.id, fault: f });
      },
    );
  }

  function onMessage(tab: Tab, data: unknown) {
    const read = readTabMessage(data);
    if (!read.ok) return problem(tab, read.problem);
    const m = read.message;
    tab.heard = elapsed();
    if (m.t === 'hello') return hello(tab, m);
    const shared = tab.shared;
    // A tab that left (or was dropped) may still have messages on their way: nothing to do.
    if (shared === null) return;
    switch (m.t) {
      case 'send':
      case 'request': {
        if (tab.sends.has(m.id) || tab.requests.has(m.id))
          return problem(tab, why('work_in_flight', m.id));
        if (tab.sends.size + tab.requests.size >= n.maxTabWork) {
          const f = fault('queue_overflow', why('tab_work_full', n.maxTabWork));
          send(tab, { v: 1, t: 'fault', fault: f, context: {} });
          return send(
            tab,
            m.t === 'send'
              ? { v: 1, t: 'sent', id: m.id, fault: f }
              : { v: 1, t: 'failed', id: m.id, fault: f },
          );
        }
        return m.t === 'send' ? onSend(tab, shared, m) : onRequest(tab, shared, m);
      }
      case 'abort':
        return tab.requests.get(m.id)?.controller.abort();
      case 'reconnect':
        return shared.socket.reconnect();
      case 'bye':
        return leave(tab, false);
      case 'pong':
        return;
      case 'conditions':
        tab.visible = m.visible;
        tab.online = m.online;
        return conditions(shared);
      case 'answer':
        return answered(tab, m);
    }
  }

  return {
    connect(port) {
      if (ports.has(port)) return;
      const tab: Tab = {
        port,
        listener: (event) => onMessage(tab, event.data),
        shared: null,
        heard: elapsed(),
        visible: true,
        online: true,
        sends: new Set(),
        requests: new Map(),
      };
      ports.set(port, tab);
      port.addEventListener('message', tab.listener);
      port.start?.();
    },
    stop() {
      if (tick !== undefined) clock.clearTimeout(tick);
      tick = undefined;
      for (const tab of [...ports.values()]) {
        tab.port.removeEventListener('message', tab.listener);
        tab.shared = null;
      }
      ports.clear();
      for (const shared of shareds.values()) {
        if (shared.grace !== undefined) clock.clearTimeout(shared.grace);
        shared.tabs.clear();
        shared.socket.close();
      }
      shareds.clear();
      for (const asking of [...questions.values()])
        asking.done(undefined, new Error(why('hub_stopped')));
    },
  };
}
