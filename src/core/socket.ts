/**
 * `createSocket`: the framework-free connection client (SPEC.md section 3). This file is the
 * runner: it puts the time and the browser's state into each event, steps the machine
 * (`machine.ts`), and performs the effects it returns with the mechanisms (connection, timers,
 * heartbeat, send queue, browser watch). App code (subscribers, store listeners) runs once the
 * step and its follow-ups are done, in one batch. Features plug in through `extension.ts`.
 */

import type { Envelope, EnvelopeMeta } from '../protocol/envelope.js';
import type { Fault } from '../protocol/fault.js';
import type { FaultInput } from '../protocol/fault-input.js';
import { redactUrl, secretsOfUrl } from '../protocol/redact.js';
import type { DataSchemas } from '../protocol/standard-schema.js';
import { refusal, why } from '../protocol/why.js';
import {
  type BackoffFunction,
  type BackoffInput,
  backoffDelay,
  resolveBackoff,
} from './backoff.js';
import { monotonicOf, systemClock } from './clock.js';
import { type Connection, openConnection } from './connection.js';
import { type EnvironmentWatch, watchEnvironment } from './environment.js';
import { createErrorStore, type ErrorStore } from './error-store/error-store.js';
import {
  type Accepted,
  attachHost,
  type Extension,
  type ExtensionFactory,
  endedBy,
  type Frame,
  type Host,
} from './extension.js';
import { createHandlers } from './handlers.js';
import { type Heartbeat, resolveHeartbeat, startHeartbeat } from './heartbeat.js';
import { receiver } from './inbox.js';
import {
  type Config,
  type Effect,
  type Event,
  FATAL,
  faultOf,
  INITIAL_STATE,
  type State,
  step,
  writable,
} from './machine.js';
import { resolveNumbers, type SocketOptions } from './options.js';
import { urlProblem } from './socket-url.js';
import { createTimers } from './timers.js';
import type { Delivered, SendResult, Socket, SocketMessages } from './types.js';
import { isUnauthorized } from './unauthorized.js';
import { findWebSocket } from './websocket.js';

const SENT: SendResult = { status: 'sent' };
const QUEUED: SendResult = { status: 'queued' };
const isThenable = (value: unknown): value is Promise<unknown> =>
  typeof (value as { then?: unknown } | null)?.then === 'function';

/** A short description of anything thrown, for a fault's cause (classify redacts it). */
export const describeError = (error: unknown): string =>
  (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 300);

/** Sockets made in this realm: part of each one's id prefix (two sockets, one seeded random). */
let made = 0;

/**
 * Creates a connection client. It connects at once unless `autoConnect: false`; every failure
 * becomes a classified fault in `socket.errors` and drives the state.
 */
export function createSocket<S extends DataSchemas = DataSchemas>(
  options: SocketOptions<S>,
): Socket<SocketMessages<S>> {
  const n = resolveNumbers(options);
  // Tab sharing wraps the socket from outside: the core only hands it its own factory.
  const { tabs } = options;
  if (tabs !== undefined && typeof tabs?.wrap !== 'function') throw refusal('not_tabs');
  const shared = tabs?.wrap(options, (o) => createSocket(o as SocketOptions));
  if (shared) return shared as unknown as Socket<SocketMessages<S>>;
  const clock = options.clock ?? systemClock;
  const elapsed = monotonicOf(clock);
  const random = options.random ?? Math.random;
  const custom = options.backoff;
  const policy = typeof custom === 'function' ? null : resolveBackoff(custom);
  // The policy answers as a function would (at once): one way to ask either.
  const backoff = policy ? (input: BackoffInput) => backoffDelay(policy, input) : custom;
  const beat = resolveHeartbeat(options.heartbeat);
  const given = options.errors;
  const store: ErrorStore =
    given && 'getState' in given ? given : createErrorStore({ clock, ...given });
  const prefix = `${Math.floor(random() * 36 ** 6).toString(36)}${(++made).toString(36)}`;
  const factories = [options.delivery, options.schemas].filter(
    (f): f is ExtensionFactory => f !== undefined,
  );
  for (const name of ['delivery', 'schemas'] as const)
    if (options[name] !== undefined && typeof options[name]?.create !== 'function')
      throw refusal(`not_${name}`);
  const exts: Extension[] = [];
  /**
   * Exact strings the socket knows are credentials: the current attempt's URL tokens, and what
   * extensions conceal (a resume secret). Redacted from every fault; the last 32 are kept.
   */
  let tokens: readonly string[] = [];
  let concealed: readonly string[] = [];
  const { classification } = options;
  const config: Config = {
    ...n,
    canRefresh: options.refreshAuth !== undefined,
    capMs: policy?.capMs ?? 0,
    throttleFloorMs: policy?.throttleFloorMs ?? 0,
    holdMs: policy?.baseMs ?? 1000,
    gated: factories.some((f) => f.gates === true),
    prefix,
    overrides: classification?.overrides,
    messages: classification?.messages,
    known: () => [...tokens, ...concealed],
  };

  let state: State = INITIAL_STATE;
  let told = state.snapshot;
  const listeners = new Set<() => void>();
  let conn: Connection | null = null;
  let heartbeat: Heartbeat | null = null;
  let env: EnvironmentWatch | null = null;
  const timers = createTimers(clock);
  const queue: Frame[] = [];
  let held = false;
  let ids = 0;
  const nextId = () => `${prefix}-r${++ids}`;

  const events: Event[] = [];
  /** Store work of the steps, run once they are done (app code runs after the state is whole). */
  let after: Array<() => void> = [];
  let later: Array<() => void> = [];
  let busy = false;

  // ---- faults ---------------------------------------------------------------------------------

  /** A fault made outside a step (a frame, a send, a callback): the same classification. */
  const fault = (input: FaultInput): Fault =>
    faultOf(config, input, nextId(), clock.now(), state.url);

  let reporting = false;
  /**
   * Sends a fault to the store with the socket's context, and tells the extensions; during a step
   * it waits for the step to finish (store listeners are app code).
   */
  const report = (f: Fault): Fault => {
    if (busy) after.push(() => deliver(f));
    else deliver(f);
    return f;
  };
  const deliver = (f: Fault): void => {
    const { attempt, status } = state.snapshot;
    const url = state.url;
    try {
      store.getState().report(f, { attempt, status, origin: prefix, ...(url ? { url } : {}) });
    } catch (error) {
      // The store changed before its subscribers ran: the fault is kept; only a subscriber threw.
      thrown(why('store_subscriber'), error);
    }
    for (const e of exts) e.reported?.(f);
  };
  /** Reports an app callback's throw once (a subscriber throwing again on this report is not). */
  const thrown = (what: string, error: unknown): void => {
    if (reporting) return;
    reporting = true;
    try {
      report(
        fault({
          source: 'client',
          code: 'callback_error',
          cause: why('callback_threw', what, describeError(error)),
        }),
      );
    } finally {
      reporting = false;
    }
  };
  const isolate = <T>(what: string, callback: () => T, fallback: T): T => {
    try {
      return callback();
    } catch (error) {
      thrown(what, error);
      return fallback;
    }
  };

  // ---- stepping -------------------------------------------------------------------------------

  const dispatch = (event: Event): void => {
    events.push(event);
    if (busy) return;
    busy = true;
    try {
      for (let e = events.shift(); e !== undefined; e = events.shift()) {
        const now = {
          mono: elapsed(),
          wall: clock.now(),
          online: env?.isOnline() ?? true,
          hidden: env?.isHidden() ?? false,
        };
        const result = step(state, e, now, config);
        state = result.state;
        for (const effect of result.effects) perform(effect);
      }
    } finally {
      busy = false;
    }
    const work = after;
    after = [];
    for (const job of work) job();
    if (state.snapshot !== told) {
      told = state.snapshot;
      // A listener that throws must not stop the others.
      for (const listener of [...listeners]) isolate(why('listener'), listener, undefined);
    }
    // An attempt starts once everyone has seen the state it starts in: a listener that closes the
    // socket on `connecting` makes it stale, and no WebSocket is made for it.
    const starts = later;
    later = [];
    for (const start of starts) start();
  };

  function perform(effect: Effect) {
    switch (effect.type) {
      case 'watch':
        env ??= watchEnvironment(options.environment ?? {}, (type) => dispatch({ type }));
        return;
      case 'halt':
        env?.stop();
        env = null;
        held = false;
        return timers.clearAll();
      case 'connect': {
        const { attempt } = effect;
        later.push(() => connect(attempt));
        return;
      }
      case 'abandon': {
        heartbeat?.stop();
        heartbeat = null;
        const again: Frame[] = [];
        for (const e of exts) again.push(...(e.closed?.(effect.dead, effect.stop) ?? []));
        // Frames still in the WebSocket's buffer of a dead link never reached the server: they go
        // back to the head of the queue, unless an extension sends them again already (requests
        // follow their own rule).
        if (effect.dead && !effect.stop && conn)
          for (const frame of conn.unsent())
            if (frame.requestId === undefined && !again.includes(frame)) again.push(frame);
        conn?.abandon(effect.code, effect.reason);
        conn = null;
        queue.unshift(...again);
        return;
      }
      case 'arm': {
        const { timer } = effect;
        return timers.set(timer, effect.ms, () => dispatch({ type: timer }));
      }
      case 'clear':
        return timers.clear(...effect.timers);
      case 'opened': {
        const { attempt } = state;
        if (beat && conn) {
          const ping = JSON.stringify({ type: beat.pingType });
          heartbeat = startHeartbeat(
            clock,
            beat,
            () => conn?.send(ping),
            () => dispatch({ type: 'dead', attempt, ms: beat.timeoutMs }),
          );
        }
        for (const e of exts) e.open?.();
        return;
      }
      case 'probe':
        return heartbeat?.probe();
      case 'flush':
        return flush();
      case 'hold':
        held = true;
        return timers.set('hold', effect.ms, () => {
          held = false;
          flush();
        });
      case 'report':
        return void report(effect.fault);
      case 'lost':
        for (const e of exts) e.lost?.(effect.fault);
        return;
      case 'settle': {
        const f = effect.fault;
        for (const frame of queue.splice(0)) {
          // Numbered frames are the numbering extension's to settle (and to report).
          if (frame.seq !== undefined) continue;
          const cause = why('not_sent', endedBy(f));
          report(
            fault({
              source: 'client',
              code: 'connection_closed',
              cause,
              requestId: frame.requestId,
            }),
          );
        }
        for (const e of exts) e.settle?.(f);
        return;
      }
      case 'refresh': {
        const { run } = effect;
        Promise.resolve()
          .then(() => options.refreshAuth?.())
          .then(
            () => dispatch({ type: 'refreshed', run }),
            (error: unknown) =>
              dispatch({
                type: 'refreshed',
                run,
                failure: { cause: describeError(error), unauthorized: isUnauthorized(error) },
              }),
          );
        return;
      }
      case 'backoff': {
        const input = {
          attempt: effect.attempt,
          fault: effect.fault,
          hintMs: effect.hint,
          random: random(),
        };
        // Tagged with its attempt: an answer the socket has moved on from is dropped by the machine.
        const { attempt } = state;
        const answer = (ms: number | null) => dispatch({ type: 'delay', attempt, ms });
        // A policy that throws, rejects or does not answer in time: the default one, this retry.
        const fallback = (error: unknown) => {
          thrown(why('backoff_policy'), error);
          answer(backoffDelay(resolveBackoff(), input));
        };
        try {
          const ms = (backoff as BackoffFunction)(input);
          if (!isThenable(ms)) return answer(ms);
          // Settles once: the first of its answer, its rejection and the bound counts.
          new Promise<number | null>((resolve, reject) => {
            // The bound of an asynchronous backoff (10 s: options.ts `backoff`).
            timers.set('backoff', 1e4, () => reject(why('refresh_timeout', 1e4)));
            ms.then(resolve, reject);
          }).then(answer, fallback);
        } catch (error) {
          fallback(error);
        }
        return;
      }
      case 'resolve': {
        const { dismiss } = effect;
        after.push(() =>
          isolate(
            why('store_subscriber'),
            () => {
              store.getState().resolveConnection(prefix);
              if (dismiss !== null) store.getState().dismiss(dismiss);
            },
            undefined,
          ),
        );
        return;
      }
    }
  }

  // ---- the send queue -------------------------------------------------------------------------

  const put = (frame: Frame): boolean => {
    if (held || frame.wait || !writable(state)) return false;
    if (!conn?.send(frame.text, frame)) return false;
    for (const e of exts) e.written?.(frame);
    return true;
  };
  const flush = (): void => {
    while (queue.length > 0 && put(queue[0] as Frame)) queue.shift();
  };
  /** Sends now when it can (open, nothing queued before it), else queues, bounded. */
  const transmit = (frame: Frame): SendResult => {
    if (queue.length > 0) flush();
    if (queue.length === 0 && put(frame)) return SENT;
    if (queue.length >= n.maxQueue) {
      const cause = why('queue_full', n.maxQueue);
      const f = report(
        fault({ source: 'client', code: 'queue_overflow', cause, requestId: frame.requestId }),
      );
      return { status: 'rejected', fault: f };
    }
    queue.push(frame);
    return QUEUED;
  };

  /** `send` for the app and the extensions: check, number (extensions), serialize once, send. */
  const send: Host['send'] = (type, data, meta) => {
    if (typeof type !== 'string' || type === '') throw refusal('send_type');
    const m: Record<string, unknown> = { ...meta };
    const { status, suspended } = state.snapshot;
    const stopped = status === 'closed' || status === 'failed';
    let rejected: Fault | undefined;
    if (stopped || suspended) {
      const f = fault({
        source: 'client',
        code: 'connection_closed',
        cause: stopped
          ? why('socket_stopped', status, status === 'closed' ? 'connect()' : 'reconnect()')
          : why('suspended_send'),
        requestId: m.request_id as string | undefined,
      });
      // Not reported when stopped: the app closed the socket, or its failure was reported already.
      rejected = stopped ? f : report(f);
    }
    const accepted: Array<Accepted | undefined> = [];
    for (const e of rejected ? [] : exts) {
      const then = e.outbound?.(m);
      // An extension refuses the send (it keeps too many already): nothing is sent.
      if (typeof then === 'object') {
        rejected = then;
        break;
      }
      accepted.push(then);
    }
    let text: string;
    try {
      text = JSON.stringify(
        meta === undefined && Object.keys(m).length === 0
          ? { type, data }
          : { type, data, meta: m },
      );
    } catch (error) {
      throw refusal('not_json', type, String(error));
    }
    if (rejected) return { result: { status: 'rejected', fault: rejected } };
    const frame: Frame = {
      text,
      requestId: typeof m.request_id === 'string' ? m.request_id : undefined,
      seq: typeof m.seq === 'number' ? m.seq : undefined,
    };
    // Tracked before it is handed on: the queue may write it at once.
    let delivered: Promise<Delivered> | undefined;
    for (const then of accepted) delivered = then?.(frame) ?? delivered;
    const result = transmit(frame);
    if (result.status === 'rejected') {
      for (const e of exts) e.refused?.(frame);
      return { result, frame };
    }
    return { result: delivered ? { ...result, delivered } : result, frame };
  };

  // ---- one attempt ----------------------------------------------------------------------------

  const connect = (attempt: number) => {
    const current = () => state.attempt === attempt && state.phase.name === 'pending';
    if (!current()) return;
    const failed = (input: FaultInput, url?: string, forced?: typeof FATAL) =>
      dispatch({ type: 'setup-failed', attempt, input, forced, url });
    // Checked before the URL function runs: no point fetching a token nothing can use.
    const WebSocket = findWebSocket(options.WebSocket);
    if (WebSocket === undefined) {
      const url = typeof options.url === 'function' ? undefined : redactUrl(String(options.url));
      return failed({ source: 'client', code: 'no_websocket', cause: why('no_websocket') }, url);
    }
    const urlFailed = (error: unknown) => {
      if (!current()) return;
      const cause = why('url_failed', describeError(error));
      failed({
        source: 'client',
        code: isUnauthorized(error) ? 'unauthorized' : 'url_failed',
        cause,
      });
    };
    const open = (url: unknown, protocols: unknown) => {
      // A URL function may return anything at runtime; a URL object (of any realm) by its `href`.
      const href = typeof url === 'string' ? url : (url as { href?: unknown } | null)?.href;
      if (typeof href !== 'string') {
        return failed({
          source: 'client',
          code: 'invalid_url',
          cause: why('not_text_url', typeof url),
        });
      }
      const redacted = redactUrl(href);
      tokens = secretsOfUrl(href);
      const problem = urlProblem(href);
      if (problem !== undefined)
        return failed({ source: 'client', code: 'invalid_url', cause: problem }, redacted);
      // `null` means none; anything but a string or an array of strings can never work: fatal.
      const list = protocols ?? undefined;
      const asked = typeof list === 'string' ? [list] : list === undefined ? [] : list;
      if (!Array.isArray(asked) || !asked.every((p) => typeof p === 'string')) {
        const cause = why('bad_protocols', Array.isArray(list) ? why('mixed_array') : typeof list);
        return failed({ source: 'client', code: 'invalid_protocols', cause }, redacted);
      }
      try {
        // The protocols as given: a string stays a string, an array is copied.
        const given = typeof list === 'string' || list === undefined ? list : [...asked];
        conn = openConnection(WebSocket, href, given, {
          open: () => dispatch({ type: 'opened', attempt }),
          message: (data) => {
            heartbeat?.seen();
            receive(data);
          },
          close: (info) => dispatch({ type: 'closed', attempt, ...info }),
        });
      } catch (error) {
        // The URL passed the check: a malformed subprotocol, or a URL this WebSocket refuses.
        const cause = why('constructor_threw', describeError(error));
        return failed({ source: 'transport', code: 'unreachable', cause }, redacted, FATAL);
      }
      dispatch({ type: 'opening', attempt, asked: [...asked], url: redacted });
    };
    try {
      const url = typeof options.url === 'function' ? options.url() : options.url;
      const protocols =
        typeof options.protocols === 'function' ? options.protocols() : options.protocols;
      if (!isThenable(url) && !isThenable(protocols)) return open(url, protocols);
      Promise.all([url, protocols]).then(([u, p]) => {
        if (current()) open(u, p);
      }, urlFailed);
    } catch (error) {
      urlFailed(error);
    }
  };

  // ---- the socket -----------------------------------------------------------------------------

  const handlers = createHandlers((error, envelope) => {
    const cause = why('handler_threw', envelope.type, describeError(error));
    report(fault({ source: 'client', code: 'handler_error', cause }));
  });

  const receive = receiver({
    parse: options.parse,
    heartbeat: beat,
    exts,
    fault,
    report,
    pong: () => beat && conn?.send(JSON.stringify({ type: beat.pongType })),
    error: (envelope) => dispatch({ type: 'error', envelope }),
    emit: (envelope: Envelope) => handlers.emit(envelope),
  });

  const socket: Socket = {
    errors: store,
    getSnapshot: () => state.snapshot,
    subscribe(listener) {
      // A wrapper per call: the same listener subscribed twice is two subscriptions.
      const own = () => listener();
      listeners.add(own);
      return () => listeners.delete(own);
    },
    connect: () => dispatch({ type: 'connect' }),
    reconnect: () => dispatch({ type: 'reconnect' }),
    close: (code = 1000, reason = '') => dispatch({ type: 'close', code, reason }),
    send: (type: string, data: unknown, meta?: EnvelopeMeta) => send(type, data, meta).result,
    on: (type, handler) => handlers.on(type, handler as (envelope: Envelope) => void),
  };

  const host: Host = {
    clock,
    elapsed,
    socket,
    options,
    send,
    write: (text) => conn?.send(text) === true,
    fault,
    report,
    conceal(secrets) {
      concealed = [...concealed.filter((x) => !secrets.includes(x)), ...secrets].slice(-32);
    },
    settle(f, match) {
      for (const e of exts) e.settle?.(f, match);
    },
    ready: (f) => dispatch({ type: 'ready', attempt: state.attempt, fault: f }),
    drop: (f, dead) => dispatch({ type: 'drop', attempt: state.attempt, fault: f, dead }),
    flush,
    requeue: (frames) => void queue.unshift(...frames),
    unqueue(frame) {
      const at = queue.indexOf(frame);
      if (at !== -1) queue.splice(at, 1);
      for (const e of exts) e.refused?.(frame);
    },
    queued: (frame) => queue.includes(frame),
    snapshot: () => state.snapshot,
    id: nextId,
    isolate,
    use: (extension) => void exts.push(extension),
  };
  for (const factory of factories) exts.push(factory.create(host));
  attachHost(socket, host);
  if (options.autoConnect ?? true) socket.connect();
  return socket as unknown as Socket<SocketMessages<S>>;
}
