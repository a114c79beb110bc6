/**
 * `createSocket`: the framework-free connection client (SPEC.md section 3). This file is the
 * runner: it feeds events to the pure step function of `machine.ts` and performs the effects it
 * returns with the mechanisms (connection, timers, heartbeat, outbox, requests, inbox, browser
 * watch). It decides nothing about faults or retries itself, and owns nothing a test cannot inject.
 */
import type { Fault } from '../protocol/fault.js';
import { redactUrl, secretsOfUrl } from '../protocol/redact.js';
import type { DataSchemas } from '../protocol/standard-schema.js';
import { backoffDelay, resolveBackoff } from './backoff.js';
import { monotonicOf, systemClock } from './clock.js';
import { type Connection, openConnection } from './connection.js';
import type { NumberedFrame } from './delivery/ledger.js';
import { isDeliveryPlugin } from './delivery/plugin.js';
import { type EnvironmentWatch, watchEnvironment } from './environment.js';
import { createErrorStore, type ErrorStore } from './error-store/error-store.js';
import { createHandlers } from './handlers.js';
import { type Heartbeat, resolveHeartbeat, startHeartbeat } from './heartbeat.js';
import { createInbox } from './inbox.js';
import {
  type Control,
  type Effect,
  INITIAL_CONTROL,
  type MachineConfig,
  type MachineEvent,
  type StepContext,
  step,
} from './machine.js';
import { resolveNumbers, type SocketOptions } from './options.js';
import { createOutbox } from './outbox.js';
import { createReporter } from './reporter.js';
import { createRequests } from './requests.js';
import { createSocketApi } from './socket-api.js';
import { urlProblem } from './socket-url.js';
import { isTabsPlugin } from './tabs/plugin.js';
import { createTimers } from './timers.js';
import type { Socket, SocketMessages } from './types.js';
import { isUnauthorized } from './unauthorized.js';
import { findWebSocket, type WebSocketConstructor } from './websocket.js';

const FATAL = { severity: 'fatal', action: 'stop' } as const;
const isStore = (value: object): value is ErrorStore => 'getState' in value;
const hrefOf = (url: unknown): string | undefined => {
  const href: unknown = typeof url === 'object' && url !== null ? Reflect.get(url, 'href') : null;
  return typeof href === 'string' ? href : undefined;
};
const isThenable = <T>(value: T | Promise<T>): value is Promise<T> =>
  typeof (value as { then?: unknown } | null)?.then === 'function';

/**
 * Creates a connection client. It connects at once unless `autoConnect: false`; every failure
 * becomes a classified fault in `socket.errors` and drives the state.
 */
export function createSocket<S extends DataSchemas = DataSchemas>(
  options: SocketOptions<S>,
): Socket<SocketMessages<S>> {
  const n = resolveNumbers(options);
  const { tabs } = options;
  if (tabs !== undefined) {
    if (!isTabsPlugin(tabs)) {
      throw new TypeError(
        "sockguard: tabs must be what shareTabs() returns: import { shareTabs } from 'sockguard' and pass tabs: shareTabs()",
      );
    }
    // The leader tab runs an ordinary socket of these options, on the tab's store.
    const { tabs: _shared, ...own } = options;
    const shared = tabs.share(
      options as SocketOptions,
      (errors, environment, delivery = own.delivery) =>
        createSocket({
          ...own,
          errors,
          environment,
          autoConnect: false,
          ...(delivery && { delivery }),
        }) as unknown as Socket,
    );
    if (shared) return shared as unknown as Socket<SocketMessages<S>>;
  }
  const clock = options.clock ?? systemClock;
  /** Delays and windows are measured here; `clock.now()` only stamps what users see. */
  const elapsed = monotonicOf(clock);
  const random = options.random ?? Math.random;
  const policy = typeof options.backoff === 'function' ? null : resolveBackoff(options.backoff);
  const beat = resolveHeartbeat(options.heartbeat);
  const plugin = options.delivery;
  if (plugin !== undefined && !isDeliveryPlugin(plugin)) {
    throw new TypeError(
      "sockguard: delivery must be what delivery() returns: import { delivery } from 'sockguard' and pass delivery: delivery()",
    );
  }
  const deliveryOptions = plugin?.options ?? null;
  const store =
    options.errors && isStore(options.errors)
      ? options.errors
      : createErrorStore({ clock, ...options.errors });
  const config: MachineConfig = {
    connectTimeoutMs: n.connectTimeoutMs,
    minUptimeMs: n.minUptimeMs,
    lostAfterMs: n.lostAfterMs,
    suspendAfterMs: n.suspendAfterMs,
    errorCloseWindowMs: n.errorCloseWindowMs,
    refreshAuthTimeoutMs: n.refreshAuthTimeoutMs,
    maxHandshakeFailures: n.maxHandshakeFailures,
    canRefresh: options.refreshAuth !== undefined,
    capMs: policy?.capMs ?? 0,
    throttleFloorMs: policy?.throttleFloorMs ?? 0,
    delivery: deliveryOptions,
  };

  let control: Control = INITIAL_CONTROL;
  let told = control.snapshot;
  const listeners = new Set<() => void>();
  let conn: Connection | null = null;
  let heartbeat: Heartbeat | null = null;
  let env: EnvironmentWatch | null = null;

  const timers = createTimers(clock);
  const reporter = createReporter(
    store,
    clock,
    random,
    options.classification,
    () => control.snapshot,
  );
  const requests = createRequests(clock);
  const outbox = createOutbox(clock, n.maxQueue, requests, reporter, (frame) => {
    // With delivery on, nothing goes out before the welcome says what the server has; a frame
    // whose number another tab must hear first (tabs) waits, and everything behind it.
    const waits = control.awaiting || (frame.seq !== undefined && delivery?.held(frame.seq));
    if (waits || !conn?.send(frame.text, frame)) return false;
    if (frame.seq !== undefined) delivery?.written(frame as NumberedFrame);
    return true;
  });
  const delivery =
    plugin?.create({
      clock,
      elapsed,
      reporter,
      signal: (signal) => dispatch({ ...signal, attemptId: control.attemptId }),
      unqueue: (frame) => outbox.remove(frame),
      flush: () => outbox.flush(),
      rejectRequests: (match, fault) => requests.rejectSent(match, fault),
      rejectRequest: (id, fault) => void requests.reject(id, fault),
      // A connection (or an attempt) under way said or will say hello with the old session's
      // token: the next one starts the new session with what url() returns now.
      leave: () => control.link !== 'none' && dispatch({ type: 'reconnect' }),
    }) ?? null;
  const handlers = createHandlers((error, envelope) => {
    const cause = `handler of "${envelope.type}" threw ${reporter.describe(error)}`;
    reporter.report(reporter.client('handler_error', cause));
  });

  /** Throws of the backoff function during a step, reported once the step is done. */
  let thrown: unknown[] = [];
  const delayFor = (attempt: number, fault: Fault | null, hintMs: number) => {
    const input = { attempt, fault, hintMs, random: random() };
    const backoff = options.backoff;
    if (typeof backoff !== 'function')
      return backoffDelay(policy as NonNullable<typeof policy>, input);
    try {
      return backoff(input);
    } catch (error) {
      // A throwing policy falls back to the default one for this retry.
      thrown.push(error);
      return backoffDelay(resolveBackoff(), input);
    }
  };
  const context = (): StepContext => ({
    mono: elapsed(),
    wall: clock.now(),
    online: env === null || env.isOnline(),
    hidden: env?.isHidden() ?? false,
    config,
    fault: reporter.fault,
    delay: delayFor,
  });

  /** Steps that changed something: an effect that ran a nested step ends its own step's effects. */
  let steps = 0;
  const dispatch = (event: MachineEvent) => {
    const result = step(control, event, context());
    if (result.control === control && result.effects.length === 0) return;
    control = result.control;
    const mine = ++steps;
    const caught = thrown;
    thrown = [];
    for (const error of caught) reporter.thrown('the backoff function', error);
    for (const effect of result.effects) {
      // App code run by an effect (a listener, a store subscriber) called close(), reconnect() or
      // connect(): that step decided, and what is left of this one belongs to a superseded plan.
      if (steps !== mine) return;
      perform(effect);
    }
  };

  const notify = () => {
    if (control.snapshot === told) return;
    told = control.snapshot;
    // A listener that throws must not stop the others, nor the step that changed the state.
    for (const listener of [...listeners])
      reporter.isolate('a subscribe listener', listener, undefined);
  };

  const receive = createInbox({
    parse: options.parse,
    schemas: options.schemas ?? {},
    heartbeat: beat,
    handlers,
    requests,
    reporter,
    pong: () => beat && conn?.send(JSON.stringify({ type: beat.pongType })),
    error: (envelope) => dispatch({ type: 'error-envelope', envelope }),
    control: delivery ? (envelope) => delivery.inbound(envelope) : undefined,
  });

  // ---- effects -------------------------------------------------------------------------------

  function perform(effect: Effect) {
    switch (effect.type) {
      case 'notify':
        return notify();
      case 'report':
        return void reporter.report(effect.fault);
      case 'watch':
        return watch();
      case 'unwatch':
        env?.stop();
        env = null;
        return;
      case 'connect':
        return connect(effect.attemptId);
      case 'abandon': {
        heartbeat?.stop();
        heartbeat = null;
        // Sends still in the WebSocket's buffer of a dead link never reached the server: they go
        // back to the head of the queue, in order (requests follow their own rule). On a clean
        // close the closing handshake still sends them.
        // With delivery, every unacknowledged send on the wire goes again (the server drops the
        // ones it has), unless the socket stops: then `discard` tells each its fate.
        const unsent = delivery?.active
          ? effect.resend
            ? delivery.lift()
            : []
          : effect.linkDead
            ? (conn?.unsent().filter((frame) => frame.requestId === undefined) ?? [])
            : [];
        conn?.abandon(effect.code, effect.reason);
        conn = null;
        if (unsent.length > 0) outbox.requeue(unsent);
        return;
      }
      case 'arm': {
        const { timer } = effect;
        return timers.set(timer, effect.ms, () => dispatch({ type: 'timer', name: timer }));
      }
      case 'clear':
        return timers.clear(...effect.timers);
      case 'clear-all':
        return timers.clearAll();
      case 'heartbeat':
        return startBeat();
      case 'probe':
        return heartbeat?.probe();
      case 'flush':
        return outbox.flush();
      case 'hold':
        return outbox.hold(effect.ms);
      case 'reset-outbox':
        return outbox.reset();
      case 'discard': {
        for (const { frame, fault } of outbox.discard(effect.cause))
          if (frame.seq !== undefined) delivery?.reject(frame.seq, fault);
        return delivery?.discardAll(effect.cause);
      }
      case 'hello':
        return delivery?.hello((text) => conn?.send(text));
      case 'plain':
        return delivery?.plain();
      case 'drop-requests': {
        // With delivery, requests stay pending: unacknowledged ones go again with their seq, and
        // the replies of acknowledged ones come in the replay (or reject with the resync).
        if (delivery?.active) return;
        const { cause } = effect;
        return outbox.requeue(
          requests.drop((id) => reporter.client('connection_closed', cause, id)),
        );
      }
      case 'reject-requests': {
        const { fault, cause } = effect;
        return requests.rejectAll(
          fault ?? ((id) => reporter.client('connection_closed', cause, id)),
        );
      }
      case 'reject-request':
        return void requests.reject(effect.requestId, effect.fault);
      case 'refresh':
        return refresh(effect.run);
      case 'resolve-store': {
        const { dismiss } = effect;
        return reporter.isolate(
          'an error store subscriber',
          () => {
            store.getState().resolveConnection(reporter.origin);
            if (dismiss !== null) store.getState().dismiss(dismiss);
          },
          undefined,
        );
      }
    }
  }

  const startBeat = () => {
    if (!beat || !conn) return;
    const { attemptId } = control;
    const ping = JSON.stringify({ type: beat.pingType });
    heartbeat = startHeartbeat(
      clock,
      beat,
      () => conn?.send(ping),
      () => dispatch({ type: 'heartbeat-timeout', attemptId, timeoutMs: beat.timeoutMs }),
    );
  };

  const refresh = (run: number) => {
    Promise.resolve()
      .then(() => options.refreshAuth?.())
      .then(
        () => dispatch({ type: 'refreshed', run }),
        (error: unknown) =>
          dispatch({
            type: 'refreshed',
            run,
            failure: { cause: reporter.describe(error), unauthorized: isUnauthorized(error) },
          }),
      );
  };

  const watch = () => {
    env ??= watchEnvironment(options.environment ?? {}, {
      online: () => dispatch({ type: 'online' }),
      offline: () => dispatch({ type: 'offline' }),
      hidden: () => dispatch({ type: 'hidden' }),
      visible: () => dispatch({ type: 'visible' }),
      frozen: () => dispatch({ type: 'frozen' }),
      restored: () => dispatch({ type: 'restored' }),
    });
  };

  // ---- one attempt ---------------------------------------------------------------------------

  /** Starts attempt `attemptId`; everything async checks it is still the current attempt. */
  const connect = (attemptId: number) => {
    const current = () => control.attemptId === attemptId && control.link === 'pending';
    const failed = (fault: Fault) => dispatch({ type: 'setup-failed', attemptId, fault });
    // Checked before the URL function runs: no point fetching a token nothing can use.
    const WebSocket = findWebSocket(options.WebSocket);
    if (WebSocket === undefined) {
      if (typeof options.url !== 'function') reporter.url = redactUrl(String(options.url));
      const cause = 'neither options.WebSocket nor globalThis.WebSocket is a constructor';
      return failed(reporter.client('no_websocket', cause));
    }
    const urlFailed = (error: unknown) => {
      if (!current()) return;
      const cause = `url/protocols function failed: ${reporter.describe(error)}`;
      failed(reporter.client(isUnauthorized(error) ? 'unauthorized' : 'url_failed', cause));
    };
    try {
      const url = typeof options.url === 'function' ? options.url() : options.url;
      const protocols =
        typeof options.protocols === 'function' ? options.protocols() : options.protocols;
      if (!isThenable(url) && !isThenable(protocols))
        return open(attemptId, WebSocket, url, protocols);
      Promise.all([url, protocols]).then(([u, p]) => {
        if (current()) open(attemptId, WebSocket, u, p);
      }, urlFailed);
    } catch (error) {
      urlFailed(error);
    }
  };

  const open = (
    attemptId: number,
    WebSocket: WebSocketConstructor,
    url: unknown,
    protocols: string | readonly string[] | null | undefined,
  ) => {
    const failed = (fault: Fault) => dispatch({ type: 'setup-failed', attemptId, fault });
    // A URL function may return anything at runtime; `String(undefined)` would pass as relative.
    // A URL object is read by its `href`, so one from another realm (an iframe, jsdom) works too.
    const href = typeof url === 'string' ? url : hrefOf(url);
    reporter.url = href === undefined ? '' : redactUrl(href);
    // A server may echo the token of this URL bare (a close reason, a broken frame).
    if (href !== undefined) reporter.conceal(secretsOfUrl(href));
    const problem =
      href === undefined ? `the URL is a ${typeof url}, not a string` : urlProblem(href);
    if (href === undefined || problem !== undefined) {
      return failed(reporter.client('invalid_url', problem));
    }
    // `null` (plain JS, or a protocols() with nothing to say) means none, not a constructor throw.
    const list =
      protocols === null || protocols === undefined
        ? undefined
        : typeof protocols === 'object'
          ? [...protocols]
          : protocols;
    try {
      conn = openConnection(WebSocket, href, list, {
        open: () => dispatch({ type: 'opened', attemptId }),
        message: (data) => {
          heartbeat?.seen();
          receive(data);
        },
        close: (info) => dispatch({ type: 'closed', attemptId, info }),
      });
    } catch (error) {
      // The URL passed the check: a malformed subprotocol, or a URL this WebSocket refuses (an
      // older browser and a relative or http: URL). Every retry would throw the same.
      const cause = `WebSocket constructor threw ${reporter.describe(error)}`;
      return failed(reporter.fault({ source: 'transport', code: 'unreachable', cause }, FATAL));
    }
    const asked = list === undefined ? [] : typeof list === 'string' ? [list] : list;
    dispatch({ type: 'opening', attemptId, asked });
  };

  const socket = createSocketApi<SocketMessages<S>>({
    store,
    snapshot: () => control.snapshot,
    listeners,
    handlers,
    outbox,
    requests,
    reporter,
    requestTimeoutMs: n.requestTimeoutMs,
    connect: () => dispatch({ type: 'connect' }),
    reconnect: () => dispatch({ type: 'reconnect' }),
    close: (code, reason) => dispatch({ type: 'close', code, reason }),
    delivery,
  });
  if (options.autoConnect ?? true) socket.connect();
  return socket;
}
