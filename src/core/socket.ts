/**
 * `createSocket`: the framework-free connection client (SPEC.md section 3). This file is the
 * connection's life: attempts, drops, retries, auth refresh, browser events. It wires the pure
 * parts (state machine, backoff, classification) to the mechanisms (connection, retryer,
 * heartbeat, outbox, inbox), and owns nothing a test cannot inject.
 */
import { closesAfterError, mergeErrorThenClose } from '../protocol/classify.js';
import type { ErrorEnvelope } from '../protocol/envelope.js';
import type { CloseFault, EnvelopeFault, Fault } from '../protocol/fault.js';
import type { FaultInput } from '../protocol/fault-input.js';
import { redactUrl } from '../protocol/redact.js';
import type { DataSchemas } from '../protocol/standard-schema.js';
import { backoffDelay, resolveBackoff } from './backoff.js';
import { monotonicOf, systemClock } from './clock.js';
import { type CloseInfo, type Connection, openConnection } from './connection.js';
import { type EnvironmentWatch, watchEnvironment } from './environment.js';
import { createErrorStore, type ErrorStore } from './error-store/error-store.js';
import { decideFault, type FaultContext, softenAuth } from './fault-policy.js';
import { createHandlers } from './handlers.js';
import { type Heartbeat, resolveHeartbeat, startHeartbeat } from './heartbeat.js';
import { createInbox } from './inbox.js';
import { resolveNumbers, type SocketOptions } from './options.js';
import { createOutbox } from './outbox.js';
import { createReporter, describeError } from './reporter.js';
import { createRequests } from './requests.js';
import { createRetryer } from './retryer.js';
import { createSocketApi } from './socket-api.js';
import { urlProblem } from './socket-url.js';
import { INITIAL_SNAPSHOT, type SocketEvent, transition } from './state.js';
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
  const clock = options.clock ?? systemClock;
  /** Delays and windows are measured here; `clock.now()` only stamps what users see. */
  const elapsed = monotonicOf(clock);
  const random = options.random ?? Math.random;
  const policy = typeof options.backoff === 'function' ? null : resolveBackoff(options.backoff);
  const beat = resolveHeartbeat(options.heartbeat);
  const store =
    options.errors && isStore(options.errors)
      ? options.errors
      : createErrorStore({ clock, ...options.errors });

  let snapshot = INITIAL_SNAPSHOT;
  const listeners = new Set<() => void>();
  let conn: Connection | null = null;
  let heartbeat: Heartbeat | null = null;
  let env: EnvironmentWatch | null = null;
  /** Bumped by close(), reconnect() and a failure: async work of an older run must not act. */
  let run = 0;
  let frozen = false;
  let refreshing = false;
  let handshakeFailures = 0;
  /** An auth failure happened since the last stable open: the next one is final. */
  let authFailed = false;
  let fatalId: string | null = null;
  let lastError: { fault: EnvelopeFault; at: number } | null = null;

  const timers = createTimers(clock);
  const reporter = createReporter(store, clock, random, options.classification, () => snapshot);
  const { fault, report } = reporter;
  const requests = createRequests(clock);
  const outbox = createOutbox(
    clock,
    n.maxQueue,
    requests,
    reporter,
    (frame) => !!conn?.send(frame.text, frame),
  );
  const handlers = createHandlers((error, envelope) => {
    const cause = `handler of "${envelope.type}" threw ${describeError(error)}`;
    report(reporter.client('handler_error', cause));
  });
  const retryer = createRetryer(
    clock,
    () => refreshing || frozen || (env !== null && (!env.isOnline() || env.isHidden())),
  );

  const dispatch = (event: SocketEvent) => {
    const next = transition(snapshot, event);
    if (next === snapshot) return;
    snapshot = next;
    // A listener that throws must not stop the others, nor the step that changed the state.
    for (const listener of [...listeners])
      reporter.isolate('a subscribe listener', listener, undefined);
  };
  const reschedule = () => dispatch({ type: 'schedule', retryAt: retryer.update() });

  const delayFor = (attempt: number, f: Fault | null, hintMs: number) => {
    const input = { attempt, fault: f, hintMs, random: random() };
    const backoff = options.backoff;
    if (typeof backoff !== 'function')
      return backoffDelay(policy as NonNullable<typeof policy>, input);
    // A throwing policy falls back to the default one for this retry (and is reported).
    const fallback = backoffDelay(resolveBackoff(), input);
    return reporter.isolate('the backoff function', () => backoff(input), fallback);
  };

  // ---- inbound -------------------------------------------------------------------------------

  const onErrorEnvelope = (envelope: ErrorEnvelope) => {
    const requestId = envelope.meta?.request_id;
    let f = fault({
      source: 'envelope',
      code: envelope.data.code,
      message: envelope.data.message,
      requestId,
      retryAfterMs: envelope.meta?.retry_after_ms,
    }) as EnvelopeFault;
    if (f.action === 'reauthenticate') f = softenAuth(f, policyContext(false));
    report(f);
    if (requestId !== undefined) requests.reject(requestId, f);
    const error = { fault: f, at: elapsed() };
    lastError = error;
    if (f.action === 'backoff') {
      outbox.hold(f.retryAfterMs ?? delayFor(1, f, 0) ?? 1000);
      // One snapshot for a burst of rate limits, not one per envelope: status consumers would
      // re-render per message (SPEC.md section 5). The store counts the repeats.
      const last = snapshot.lastFault;
      if (last?.source !== f.source || last.code !== f.code) dispatch({ type: 'fault', fault: f });
    } else if (f.action === 'reauthenticate' && f.severity === 'recoverable') {
      // Usually a close follows (SPEC.md section 1) and handles it; a lone envelope with a
      // refresher means: refresh, and come back with the new token.
      timers.set('auth', n.errorCloseWindowMs, () => {
        if (lastError !== error || !conn) return;
        abandon(1000, 'reauthenticate');
        onFault(f);
      });
    }
  };

  const receive = createInbox({
    parse: options.parse,
    schemas: options.schemas ?? {},
    heartbeat: beat,
    handlers,
    requests,
    reporter,
    pong: () => beat && conn?.send(JSON.stringify({ type: beat.pongType })),
    error: onErrorEnvelope,
  });

  // ---- drops and retries ---------------------------------------------------------------------

  const startDownTimers = () => {
    if (!timers.has('lost')) timers.set('lost', n.lostAfterMs, () => dispatch({ type: 'lost' }));
    if (!timers.has('suspend')) timers.set('suspend', n.suspendAfterMs, suspend);
  };
  const suspend = () => {
    dispatch({ type: 'suspend' });
    const cause = `suspended: down for ${n.suspendAfterMs} ms`;
    outbox.discard(cause);
    requests.rejectAll((id) => reporter.client('connection_closed', cause, id));
  };

  /**
   * Leaves the current connection. `linkDead`: the link broke (a close we did not ask for, a
   * heartbeat timeout), so sends still in the WebSocket's buffer never reach the server and go
   * back to the head of the queue, in order (requests follow their own rule in dropRequests). On
   * a clean close the closing handshake still sends them, so they stay where they are.
   */
  const abandon = (code?: number, reason?: string, linkDead = false) => {
    heartbeat?.stop();
    heartbeat = null;
    const unsent = linkDead
      ? (conn?.unsent().filter((frame) => frame.requestId === undefined) ?? [])
      : [];
    conn?.abandon(code, reason);
    conn = null;
    timers.clear('connect', 'stable', 'auth');
    if (unsent.length > 0) outbox.requeue(unsent);
  };

  /** Requests on the wire are lost with the connection: queue them again, or reject them. */
  const dropRequests = (why: string) => {
    const cause = `connection lost (${why})`;
    outbox.requeue(requests.drop((id) => reporter.client('connection_closed', cause, id)));
  };

  /** A recoverable drop: settle what was on the wire and plan the next attempt. */
  const retry = (f: Fault, refreshFirst: boolean, immediate: boolean) => {
    dropRequests(`${f.source} ${f.code}: ${f.message}`);
    const attempt = snapshot.attempt + 1;
    const hint = f.retryAfterMs ?? (f.action === 'backoff' ? (policy?.throttleFloorMs ?? 0) : 0);
    // The policy says when to go at once (after a refresh); a suspended socket retries at the slow
    // end of the backoff.
    const delay = immediate
      ? 0
      : snapshot.suspended
        ? Math.max(hint, policy?.capMs ?? 0, delayFor(attempt, f, hint) ?? 0)
        : delayFor(attempt, f, hint);
    if (delay === null) {
      const cause = `gave up after ${attempt - 1} retries`;
      return fail(fault({ source: 'transport', code: 'unreachable', cause }, FATAL));
    }
    if (refreshFirst) refreshing = true;
    const thisRun = run;
    dispatch({ type: 'drop', fault: f, retryAt: retryer.plan(delay, attempt_) });
    // A listener called close() or reconnect(): no down timers, no refresh for a superseded run.
    if (run !== thisRun) return;
    startDownTimers();
    if (refreshFirst) refresh(f);
  };

  const refresh = (f: Fault) => {
    const thisRun = run;
    // A refresher that never settles must not hold the socket in `reconnecting` forever.
    const timeout = new Promise<never>((_, reject) => {
      timers.set('refresh', n.refreshAuthTimeoutMs, () =>
        reject(new Error(`it did not settle within ${n.refreshAuthTimeoutMs} ms`)),
      );
    });
    Promise.race([Promise.resolve().then(() => options.refreshAuth?.()), timeout])
      .finally(() => {
        if (thisRun === run) timers.clear('refresh');
      })
      .then(
        () => {
          if (thisRun !== run) return;
          refreshing = false;
          reschedule();
        },
        (error: unknown) => {
          if (thisRun !== run) return;
          refreshing = false;
          const cause = `refreshAuth failed: ${describeError(error)}`;
          if (f.action === 'reauthenticate') {
            return fail({ ...f, severity: 'fatal', detail: { ...f.detail, cause } });
          }
          // The app says the credentials are gone: retrying the handshake cannot help.
          if (isUnauthorized(error)) return settle(reporter.client('unauthorized', cause));
          report(fault({ source: 'transport', code: 'unreachable', cause }));
          reschedule();
        },
      );
  };

  /** Subprotocols the last attempt asked for: a server that selects none fails every handshake. */
  let askedProtocols: readonly string[] = [];
  const withProtocolHint = (input: FaultInput): FaultInput =>
    input.source === 'transport' && input.code === 'unreachable' && askedProtocols.length > 0
      ? {
          ...input,
          cause: `${input.cause ?? ''}; subprotocols asked: ${askedProtocols.join(', ')} (a server that selects none of them fails every handshake)`,
        }
      : input;

  const policyContext = (handshake: boolean): FaultContext => ({
    handshake,
    online: env === null || env.isOnline(),
    handshakeFailures,
    maxHandshakeFailures: n.maxHandshakeFailures,
    authFailed,
    canRefresh: options.refreshAuth !== undefined,
  });

  /**
   * Runs the policy's plan for a fault that ended the connection (`handshake`: before it ever
   * opened): one report, then fail or retry.
   */
  const onFault = (f: Fault, handshake = false) => {
    const decision = decideFault(f, policyContext(handshake));
    handshakeFailures = decision.handshakeFailures;
    authFailed = decision.authFailed;
    const { plan } = decision;
    const made = 'make' in plan.fault ? fault(withProtocolHint(plan.fault.make)) : plan.fault;
    // An app override can make even a fault the policy would retry fatal.
    if (plan.do === 'fail' || made.severity === 'fatal') return fail(made);
    // App code run by a report (a store subscriber) may call close() or reconnect(): then this
    // fault's plan is superseded, and carrying it out would revive a closed socket.
    const thisRun = run;
    report(made);
    if (run !== thisRun) return;
    retry(made, plan.refreshFirst, plan.immediate);
  };

  /**
   * A failure of the socket's own setup (no WebSocket, a malformed URL, credentials gone): fatal
   * by default, so it fails at once without the auth refresh `onFault` would try first; an app
   * override that makes it recoverable gets the ordinary retry.
   */
  const settle = (f: Fault) => (f.severity === 'fatal' ? fail(f) : onFault(f));

  // ---- one connection ------------------------------------------------------------------------

  const onClose = (info: CloseInfo) => {
    const opened = snapshot.status === 'open';
    abandon(undefined, undefined, true);
    const closed = fault({ source: 'close', ...info, requested: false }) as CloseFault;
    let f: Fault = closed;
    const recent = lastError && elapsed() - lastError.at <= n.errorCloseWindowMs;
    if (lastError && recent && closesAfterError(lastError.fault, closed)) {
      f = mergeErrorThenClose(lastError.fault, closed);
    }
    lastError = null;
    onFault(f, !opened);
  };

  const onOpen = () => {
    timers.clear('connect', 'lost', 'suspend');
    handshakeFailures = 0;
    const thisRun = run;
    dispatch({ type: 'open', at: clock.now() });
    // A listener called close() or reconnect() on open: this connection is gone, start nothing for it.
    if (run !== thisRun) return;
    const id = fatalId;
    reporter.isolate(
      'an error store subscriber',
      () => {
        store.getState().resolveConnection(reporter.origin);
        if (id !== null) store.getState().dismiss(id);
      },
      undefined,
    );
    fatalId = null;
    if (run !== thisRun) return;
    timers.set('stable', n.minUptimeMs, () => {
      authFailed = false;
      dispatch({ type: 'stable' });
    });
    if (beat) {
      const ping = JSON.stringify({ type: beat.pingType });
      heartbeat = startHeartbeat(
        clock,
        beat,
        () => conn?.send(ping),
        () => {
          abandon(1000, 'heartbeat timeout', true);
          // Offline, the probe was bound to go unanswered: say offline (retries wait for `online`),
          // not "Connection lost. Reconnecting..." while nothing is retried.
          const offline = env !== null && !env.isOnline();
          const cause = offline
            ? 'went offline with the socket open; the probe got no answer'
            : `no frame within ${beat.timeoutMs} ms of a ping`;
          const code = offline ? 'offline' : 'heartbeat_timeout';
          onFault(fault({ source: 'transport', code, cause }));
        },
      );
    }
    outbox.flush();
  };

  const open = (
    WebSocket: WebSocketConstructor,
    url: unknown,
    protocols: string | readonly string[] | undefined,
  ) => {
    // A URL function may return anything at runtime; `String(undefined)` would pass as relative.
    // A URL object is read by its `href`, so one from another realm (an iframe, jsdom) works too.
    const href = typeof url === 'string' ? url : hrefOf(url);
    reporter.url = href === undefined ? '' : redactUrl(href);
    const problem =
      href === undefined ? `the URL is a ${typeof url}, not a string` : urlProblem(href);
    if (href === undefined || problem !== undefined) {
      return settle(reporter.client('invalid_url', problem));
    }
    try {
      // `null` (plain JS, or a protocols() with nothing to say) means none, not a constructor throw.
      const list =
        protocols === null || protocols === undefined
          ? undefined
          : typeof protocols === 'object'
            ? [...protocols]
            : protocols;
      askedProtocols = list === undefined ? [] : typeof list === 'string' ? [list] : list;
      conn = openConnection(WebSocket, href, list, {
        open: onOpen,
        message: (data) => {
          heartbeat?.seen();
          receive(data);
        },
        close: onClose,
      });
    } catch (error) {
      // The URL passed the check: a malformed subprotocol, or a URL this WebSocket refuses (an
      // older browser and a relative or http: URL). Every retry would throw the same.
      const cause = `WebSocket constructor threw ${describeError(error)}`;
      return fail(fault({ source: 'transport', code: 'unreachable', cause }, FATAL));
    }
  };

  /**
   * The connect timeout runs from the start of an attempt, so a url()/protocols() that never
   * settles is bounded by it as well as a handshake that hangs.
   */
  const armConnectTimeout = () => {
    timers.set('connect', n.connectTimeoutMs, () => {
      const pending = conn === null;
      abandon(1000, 'connect timeout');
      const cause = pending
        ? `url/protocols did not settle within ${n.connectTimeoutMs} ms`
        : `no open within ${n.connectTimeoutMs} ms`;
      onFault(fault({ source: 'transport', code: 'connect_timeout', cause }), true);
    });
  };

  /** Attempts started, so the async part of an older one can tell it was superseded. */
  let attempts = 0;

  function attempt_() {
    retryer.cancel();
    const thisRun = run;
    dispatch({ type: 'attempt' });
    // close() from a listener while connecting: no socket may open behind a `closed` status.
    if (run !== thisRun) return;
    startDownTimers();
    // Checked before the URL function runs: no point fetching a token nothing can use.
    const WebSocket = findWebSocket(options.WebSocket);
    if (WebSocket === undefined) {
      if (typeof options.url !== 'function') reporter.url = redactUrl(String(options.url));
      const cause = 'neither options.WebSocket nor globalThis.WebSocket is a constructor';
      return settle(reporter.client('no_websocket', cause));
    }
    // Each attempt has its own number: a url() of an attempt that timed out must not open a
    // socket in the retry that followed it.
    const thisAttempt = ++attempts;
    const current = () => thisAttempt === attempts && snapshot.status === 'connecting';
    armConnectTimeout();
    const failed = (error: unknown) => {
      if (!current()) return;
      const cause = `url/protocols function failed: ${describeError(error)}`;
      if (isUnauthorized(error)) return settle(reporter.client('unauthorized', cause));
      onFault(reporter.client('url_failed', cause));
    };
    try {
      const url = typeof options.url === 'function' ? options.url() : options.url;
      const protocols =
        typeof options.protocols === 'function' ? options.protocols() : options.protocols;
      if (!isThenable(url) && !isThenable(protocols)) return open(WebSocket, url, protocols);
      Promise.all([url, protocols]).then(([u, p]) => {
        if (current() && conn === null) open(WebSocket, u, p);
      }, failed);
    } catch (error) {
      failed(error);
    }
  }

  // ---- browser life --------------------------------------------------------------------------

  const watch = () => {
    env ??= watchEnvironment(options.environment ?? {}, {
      online: () => {
        if (!refreshing && !retryer.runNow()) heartbeat?.probe();
      },
      offline: () => {
        reschedule();
        heartbeat?.probe();
      },
      hidden: reschedule,
      visible: () => {
        reschedule();
        heartbeat?.probe();
      },
      frozen: () => {
        // Chrome closes sockets entering the back/forward cache anyway; closing cleanly first
        // lets the server know, and pageshow reconnects.
        frozen = true;
        if (snapshot.status !== 'open' && snapshot.status !== 'connecting') return reschedule();
        abandon(1000, 'page frozen');
        const f = reporter.client('connection_closed', 'the page entered the back/forward cache');
        dropRequests('the page entered the back/forward cache');
        dispatch({ type: 'drop', fault: f, retryAt: retryer.plan(0, attempt_) });
      },
      restored: () => {
        frozen = false;
        retryer.runNow();
      },
    });
  };

  // ---- stopping ------------------------------------------------------------------------------

  const shutdown = (code?: number, reason?: string) => {
    run += 1;
    attempts += 1;
    abandon(code, reason);
    retryer.cancel();
    timers.clearAll();
    outbox.reset();
    refreshing = false;
    lastError = null;
    env?.stop();
    env = null;
  };

  const fail = (f: Fault) => {
    report(f);
    fatalId = f.id;
    shutdown();
    requests.rejectAll(f);
    outbox.discard(`the connection failed: ${f.message}`);
    dispatch({ type: 'fail', fault: f });
  };

  const socket = createSocketApi<SocketMessages<S>>({
    store,
    snapshot: () => snapshot,
    listeners,
    handlers,
    outbox,
    requests,
    reporter,
    requestTimeoutMs: n.requestTimeoutMs,
    connect() {
      if (snapshot.status !== 'idle' && snapshot.status !== 'closed') return;
      watch();
      attempt_();
    },
    reconnect() {
      const wasLive = conn !== null;
      shutdown();
      authFailed = false;
      handshakeFailures = 0;
      frozen = false;
      if (wasLive) dropRequests('reconnect() was called');
      const thisRun = run;
      dispatch({ type: 'reset' });
      // A listener called reconnect() or close() on the reset: that call decided; no second socket.
      if (run !== thisRun) return;
      watch();
      attempt_();
    },
    close(code, reason) {
      if (snapshot.status === 'closed') return;
      shutdown(code, reason);
      requests.rejectAll((id) => reporter.client('connection_closed', 'close() was called', id));
      outbox.discard('close() was called before it was sent');
      dispatch({ type: 'close' });
    },
  });
  if (options.autoConnect ?? true) socket.connect();
  return socket;
}
