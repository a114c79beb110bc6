/**
 * The connection's control state as one value and one step function (SPEC.md sections 2 and 3):
 * `step(control, event, ctx)` returns the next control and the effects to perform, as plain data.
 * No timer, socket or app callback is touched here; `socket.ts` runs the effects. Every rule of
 * the connection (when to retry, refresh, fail, pause, give up) is decided in this file, so each
 * one is a row of `machine.test.ts`.
 *
 * `ctx` carries what the step reads from outside: the time of the event (monotonic for delays and
 * windows, wall for what users see), whether the browser is online and visible, and the socket's
 * policy as two functions (classification, which names the fault, and backoff).
 */
import { closesAfterError, mergeErrorThenClose } from '../protocol/classify.js';
import type { ErrorEnvelope } from '../protocol/envelope.js';
import type {
  ClassificationOverride,
  CloseFault,
  EnvelopeFault,
  Fault,
  TransportCode,
} from '../protocol/fault.js';
import type { FaultInput } from '../protocol/fault-input.js';
import { clampDelay } from './clock.js';
import type { CloseInfo } from './connection.js';
import { decideFault, type FaultContext, softenAuth } from './fault-policy.js';
import { INITIAL_SNAPSHOT, type SocketEvent, transition } from './state.js';
import type { SocketSnapshot } from './types.js';

/** Timers the machine arms by name. Arming a name again replaces it. */
export type TimerName =
  | 'connect'
  | 'stable'
  | 'auth'
  | 'lost'
  | 'suspend'
  | 'refresh'
  | 'retry'
  | 'hello';

/** Where the current attempt is: no link, URL/protocols resolving, WebSocket handshaking, open. */
export type Link = 'none' | 'pending' | 'opening' | 'open';

/** All control state of one socket. */
export interface Control {
  readonly snapshot: SocketSnapshot;
  /** Bumped by close(), reconnect() and a fatal fault: async results of an older run are stale. */
  readonly run: number;
  /** Bumped by every attempt (and with `run`): events of an older attempt are stale. */
  readonly attemptId: number;
  readonly link: Link;
  /** The environment (browser events) is being watched. */
  readonly watching: boolean;
  /** In the back/forward cache: retries wait for `pageshow`. */
  readonly frozen: boolean;
  /** `refreshAuth` runs for this fault; retries wait for it. */
  readonly refreshing: Fault | null;
  /** When the planned retry is due, on the monotonic clock; null when none is planned. */
  readonly retryDue: number | null;
  /** The `lost` and `suspend` timers run (armed at the first drop, cleared on open). */
  readonly downTimers: boolean;
  readonly handshakeFailures: number;
  /** An auth failure happened since the last stable open: the next one is final. */
  readonly authFailed: boolean;
  /** The id of the fatal fault the store shows until the next open. */
  readonly fatalId: string | null;
  /** The last error envelope, kept a short while to merge with the close that follows it. */
  readonly lastError: { readonly fault: EnvelopeFault; readonly at: number } | null;
  /** A lone auth error envelope: the connection is left for a refresh when no close follows. */
  readonly authPending: EnvelopeFault | null;
  /** Subprotocols the current attempt asked for (a server that selects none fails every handshake). */
  readonly asked: readonly string[];
  /** Delivery: the hello is out and sends wait for the welcome. */
  readonly awaiting: boolean;
  /** Delivery: the server does not speak it (for the life of the socket). */
  readonly plain: boolean;
}

/** Fixed settings of the machine, from the socket's options. */
export interface MachineConfig {
  readonly connectTimeoutMs: number;
  readonly minUptimeMs: number;
  readonly lostAfterMs: number;
  readonly suspendAfterMs: number;
  readonly errorCloseWindowMs: number;
  readonly refreshAuthTimeoutMs: number;
  readonly maxHandshakeFailures: number;
  readonly canRefresh: boolean;
  /** The backoff's cap and rate-limit floor (0 with a function policy). */
  readonly capMs: number;
  readonly throttleFloorMs: number;
  /** Delivery on: how long to wait for the welcome. */
  readonly delivery: { readonly helloTimeoutMs: number; readonly ackTimeoutMs: number } | null;
}

/** What a step reads from outside. */
export interface StepContext {
  /** Monotonic time of the event: delays and windows. */
  readonly mono: number;
  /** Wall time of the event: what users see (openedAt, nextRetryAt). */
  readonly wall: number;
  readonly online: boolean;
  readonly hidden: boolean;
  readonly config: MachineConfig;
  /** Classifies a fault (with the app's overrides); names it with a fresh id. */
  readonly fault: (input: FaultInput, forced?: ClassificationOverride) => Fault;
  /** The backoff delay of a retry, or null to give up. */
  readonly delay: (attempt: number, fault: Fault | null, hintMs: number) => number | null;
}

/** Something that happened to the socket. */
export type MachineEvent =
  | { readonly type: 'connect' }
  | { readonly type: 'reconnect' }
  | {
      readonly type: 'close';
      readonly code?: number | undefined;
      readonly reason?: string | undefined;
    }
  /** Attempt `attemptId` could not start (no WebSocket, a bad URL, a failing url()). */
  | { readonly type: 'setup-failed'; readonly attemptId: number; readonly fault: Fault }
  /** Attempt `attemptId` created its WebSocket, asking for these subprotocols. */
  | { readonly type: 'opening'; readonly attemptId: number; readonly asked: readonly string[] }
  | { readonly type: 'opened'; readonly attemptId: number }
  | { readonly type: 'closed'; readonly attemptId: number; readonly info: CloseInfo }
  | { readonly type: 'error-envelope'; readonly envelope: ErrorEnvelope }
  | { readonly type: 'heartbeat-timeout'; readonly attemptId: number; readonly timeoutMs: number }
  | { readonly type: 'timer'; readonly name: TimerName }
  /** `refreshAuth` of run `run` settled: `cause` is set when it failed. */
  | {
      readonly type: 'refreshed';
      readonly run: number;
      readonly failure?: { readonly cause: string; readonly unauthorized: boolean };
    }
  | { readonly type: 'online' | 'offline' | 'hidden' | 'visible' | 'frozen' | 'restored' }
  /**
   * Delivery: the welcome of attempt `attemptId` was applied; `fault` (a resync when a gap was
   * lost, a session change) is reported and shown.
   */
  | { readonly type: 'welcome'; readonly attemptId: number; readonly fault: Fault | null }
  /** Delivery: the server answered the hello with something else: it does not speak it. */
  | { readonly type: 'plain'; readonly attemptId: number }
  /**
   * Delivery: the connection cannot go on (the server broke the protocol, or cannot read the
   * session): it is left, and `fault` is the failure's one report.
   */
  | { readonly type: 'delivery-failed'; readonly attemptId: number; readonly fault: Fault }
  /** Delivery: a send on the open link went unacknowledged too long. */
  | { readonly type: 'ack-timeout'; readonly attemptId: number };

/** What the runner does. The runner stops a step's effects when one of them ran a nested step. */
export type Effect =
  /** Tell subscribe listeners, if the snapshot changed since they were last told. */
  | { readonly type: 'notify' }
  | { readonly type: 'report'; readonly fault: Fault }
  | { readonly type: 'watch' }
  | { readonly type: 'unwatch' }
  /** Start attempt `attemptId`: find the WebSocket, resolve URL and protocols, open. */
  | { readonly type: 'connect'; readonly attemptId: number }
  /**
   * Leave the connection. `linkDead`: the link broke, so frames still in the WebSocket's buffer go
   * back to the head of the queue.
   */
  | {
      readonly type: 'abandon';
      readonly code?: number | undefined;
      readonly reason?: string | undefined;
      readonly linkDead: boolean;
      /** Delivery: the session goes on, so unacknowledged sends go again on the next connection. */
      readonly resend: boolean;
    }
  | { readonly type: 'arm'; readonly timer: TimerName; readonly ms: number }
  | { readonly type: 'clear'; readonly timers: readonly TimerName[] }
  | { readonly type: 'clear-all' }
  | { readonly type: 'heartbeat' }
  | { readonly type: 'probe' }
  | { readonly type: 'flush' }
  | { readonly type: 'hold'; readonly ms: number }
  | { readonly type: 'reset-outbox' }
  | { readonly type: 'discard'; readonly cause: string }
  /** Requests on the wire: queued again (retryOnReconnect) or rejected `connection_closed`. */
  | { readonly type: 'drop-requests'; readonly cause: string }
  /** Every pending request rejects: with `fault`, or a `connection_closed` fault per request. */
  | { readonly type: 'reject-requests'; readonly fault?: Fault; readonly cause?: string }
  | { readonly type: 'reject-request'; readonly requestId: string; readonly fault: Fault }
  | { readonly type: 'refresh'; readonly run: number }
  /** Delivery: send the hello of this connection. */
  | { readonly type: 'hello' }
  /** Delivery: the server does not speak it; sends are at most once from now on. */
  | { readonly type: 'plain' }
  /** The socket opened: its connection faults are resolved, and the fatal one is dismissed. */
  | { readonly type: 'resolve-store'; readonly dismiss: string | null };

export interface StepResult {
  readonly control: Control;
  readonly effects: readonly Effect[];
}

export const INITIAL_CONTROL: Control = {
  snapshot: INITIAL_SNAPSHOT,
  run: 0,
  attemptId: 0,
  link: 'none',
  watching: false,
  frozen: false,
  refreshing: null,
  retryDue: null,
  downTimers: false,
  handshakeFailures: 0,
  authFailed: false,
  fatalId: null,
  lastError: null,
  authPending: null,
  asked: [],
  awaiting: false,
  plain: false,
};

const FATAL = { severity: 'fatal', action: 'stop' } as const;
const NOTIFY: Effect = { type: 'notify' };

/** A step under construction: the control so far and the effects in order. */
class Step {
  effects: Effect[] = [];
  constructor(
    public c: Control,
    readonly ctx: StepContext,
  ) {}
  set(patch: Partial<Control>) {
    this.c = { ...this.c, ...patch };
  }
  do(...effects: Effect[]) {
    this.effects.push(...effects);
  }
  to(event: SocketEvent) {
    const snapshot = transition(this.c.snapshot, event);
    if (snapshot !== this.c.snapshot) this.set({ snapshot });
    this.do(NOTIFY);
  }
  transport(code: TransportCode, cause: string, forced?: ClassificationOverride): Fault {
    return this.ctx.fault({ source: 'transport', code, cause }, forced);
  }
}

/** Retries wait while a refresh runs, in the back/forward cache, offline and in a hidden tab. */
const paused = (s: Step) => s.c.refreshing !== null || s.c.frozen || !s.ctx.online || s.ctx.hidden;

/** Arms (or holds) the planned retry; returns the wall time it is due, null when none or held. */
function arm(s: Step): number | null {
  if (s.c.retryDue === null || paused(s)) {
    s.do({ type: 'clear', timers: ['retry'] });
    return null;
  }
  const remaining = clampDelay(s.c.retryDue - s.ctx.mono);
  s.do({ type: 'arm', timer: 'retry', ms: remaining });
  return s.ctx.wall + remaining;
}

const reschedule = (s: Step) => s.to({ type: 'schedule', retryAt: arm(s) });

function startDownTimers(s: Step) {
  if (s.c.downTimers) return;
  const { lostAfterMs, suspendAfterMs } = s.ctx.config;
  s.set({ downTimers: true });
  s.do({ type: 'arm', timer: 'lost', ms: lostAfterMs });
  s.do({ type: 'arm', timer: 'suspend', ms: suspendAfterMs });
}

function abandon(s: Step, linkDead: boolean, code?: number, reason?: string) {
  if (s.c.link !== 'none') s.do({ type: 'abandon', code, reason, linkDead, resend: true });
  s.set({ link: 'none', awaiting: false });
  s.do({ type: 'clear', timers: ['connect', 'stable', 'auth', 'hello'] });
}

/**
 * Stops everything of the current run: no socket, no timer, no watch, no hold. `resend`: the
 * session goes on (reconnect()), so unacknowledged sends go again.
 */
function shutdown(s: Step, code?: number, reason?: string, resend = false) {
  if (s.c.link !== 'none') s.do({ type: 'abandon', code, reason, linkDead: false, resend });
  s.set({
    awaiting: false,
    run: s.c.run + 1,
    attemptId: s.c.attemptId + 1,
    link: 'none',
    retryDue: null,
    downTimers: false,
    refreshing: null,
    lastError: null,
    authPending: null,
    watching: false,
  });
  s.do({ type: 'clear-all' }, { type: 'reset-outbox' }, { type: 'unwatch' });
}

function fail(s: Step, f: Fault) {
  shutdown(s);
  s.do(
    { type: 'reject-requests', fault: f },
    { type: 'discard', cause: `the connection failed: ${f.message}` },
    { type: 'report', fault: f },
  );
  s.set({ fatalId: f.id });
  s.to({ type: 'fail', fault: f });
}

function attempt(s: Step) {
  const attemptId = s.c.attemptId + 1;
  s.set({ retryDue: null, attemptId, link: 'pending', asked: [] });
  s.do({ type: 'clear', timers: ['retry'] });
  s.to({ type: 'attempt' });
  startDownTimers(s);
  // The connect timeout runs from the start of an attempt: it bounds a url()/protocols() that
  // never settles as well as a handshake that hangs.
  s.do({ type: 'arm', timer: 'connect', ms: s.ctx.config.connectTimeoutMs });
  s.do({ type: 'connect', attemptId });
}

function policyContext(s: Step, handshake: boolean): FaultContext {
  const { config } = s.ctx;
  return {
    handshake,
    online: s.ctx.online,
    handshakeFailures: s.c.handshakeFailures,
    maxHandshakeFailures: config.maxHandshakeFailures,
    authFailed: s.c.authFailed,
    canRefresh: config.canRefresh,
  };
}

/** The subprotocols asked, on an `unreachable` fault: a mismatch shows only as failed handshakes. */
function withProtocolHint(s: Step, input: FaultInput): FaultInput {
  if (input.source !== 'transport' || input.code !== 'unreachable' || s.c.asked.length === 0)
    return input;
  const asked = s.c.asked.join(', ');
  const cause = `${input.cause ?? ''}; subprotocols asked: ${asked} (a server that selects none of them fails every handshake)`;
  return { ...input, cause };
}

/**
 * A fault that ended the connection (`handshake`: before it ever opened): the policy decides once,
 * and this is its one report.
 */
function onFault(s: Step, f: Fault, handshake: boolean) {
  const decision = decideFault(f, policyContext(s, handshake));
  s.set({ handshakeFailures: decision.handshakeFailures, authFailed: decision.authFailed });
  const { plan } = decision;
  const made =
    'make' in plan.fault ? s.ctx.fault(withProtocolHint(s, plan.fault.make)) : plan.fault;
  // An app override can make even a fault the policy would retry fatal.
  if (plan.do === 'fail' || made.severity === 'fatal') return fail(s, made);
  retry(s, made, plan.refreshFirst, plan.immediate);
}

/**
 * A recoverable drop: plan the next attempt, report the fault (the one report of this failure:
 * when the backoff gives up, that is the `unreachable` one), settle what was on the wire.
 */
function retry(s: Step, f: Fault, refreshFirst: boolean, immediate: boolean) {
  const { config } = s.ctx;
  const attemptNo = s.c.snapshot.attempt + 1;
  const hint = f.retryAfterMs ?? (f.action === 'backoff' ? config.throttleFloorMs : 0);
  // A suspended socket retries at the slow end of the backoff.
  const delay = immediate
    ? 0
    : s.c.snapshot.suspended
      ? Math.max(hint, config.capMs, s.ctx.delay(attemptNo, f, hint) ?? 0)
      : s.ctx.delay(attemptNo, f, hint);
  if (delay === null) {
    const cause = `gave up after ${attemptNo - 1} retries (last: ${f.source} ${f.code})`;
    return fail(s, s.transport('unreachable', cause, FATAL));
  }
  s.do({ type: 'report', fault: f });
  s.do({ type: 'drop-requests', cause: `connection lost (${f.source} ${f.code}: ${f.message})` });
  // A custom backoff may say NaN or a hint of 2.2e9 ms: what the timer holds is what is shown.
  s.set({ retryDue: s.ctx.mono + clampDelay(delay), refreshing: refreshFirst ? f : null });
  s.to({ type: 'drop', fault: f, retryAt: arm(s) });
  startDownTimers(s);
  if (refreshFirst) {
    // A refresher that never settles must not hold the socket in `reconnecting` forever.
    s.do({ type: 'arm', timer: 'refresh', ms: config.refreshAuthTimeoutMs });
    s.do({ type: 'refresh', run: s.c.run });
  }
}

function onRefreshFailed(s: Step, failure: { cause: string; unauthorized: boolean }) {
  const f = s.c.refreshing as Fault;
  s.set({ refreshing: null });
  s.do({ type: 'clear', timers: ['refresh'] });
  const cause = `refreshAuth failed: ${failure.cause}`;
  if (f.action === 'reauthenticate') {
    return fail(s, { ...f, severity: 'fatal', detail: { ...f.detail, cause } });
  }
  // The app says the credentials are gone: retrying the handshake cannot help.
  if (failure.unauthorized) {
    return fail(s, s.ctx.fault({ source: 'client', code: 'unauthorized', cause }));
  }
  s.do({ type: 'report', fault: s.transport('unreachable', cause) });
  reschedule(s);
}

function onErrorEnvelope(s: Step, envelope: ErrorEnvelope) {
  const requestId = envelope.meta?.request_id;
  let f = s.ctx.fault({
    source: 'envelope',
    code: envelope.data.code,
    message: envelope.data.message,
    requestId,
    retryAfterMs: envelope.meta?.retry_after_ms,
  }) as EnvelopeFault;
  if (f.action === 'reauthenticate') f = softenAuth(f, policyContext(s, false));
  if (requestId !== undefined) s.do({ type: 'reject-request', requestId, fault: f });
  s.do({ type: 'report', fault: f });
  s.set({ lastError: { fault: f, at: s.ctx.mono } });
  if (f.action === 'backoff') {
    s.do({ type: 'hold', ms: f.retryAfterMs ?? s.ctx.delay(1, f, 0) ?? 1000 });
    // One snapshot for a burst of rate limits, not one per envelope: status consumers would
    // re-render per message (SPEC.md section 5). The store counts the repeats.
    const last = s.c.snapshot.lastFault;
    if (last?.source !== f.source || last.code !== f.code) s.to({ type: 'fault', fault: f });
  } else if (f.action === 'reauthenticate' && f.severity === 'recoverable') {
    // Usually a close follows (SPEC.md section 1) and handles it; a lone envelope with a
    // refresher means: refresh, and come back with the new token.
    s.set({ authPending: f });
    s.do({ type: 'arm', timer: 'auth', ms: s.ctx.config.errorCloseWindowMs });
  }
}

function onClosed(s: Step, info: CloseInfo) {
  const opened = s.c.link === 'open';
  abandon(s, true);
  const closed = s.ctx.fault({ source: 'close', ...info, requested: false }) as CloseFault;
  const last = s.c.lastError;
  const recent = last !== null && s.ctx.mono - last.at <= s.ctx.config.errorCloseWindowMs;
  const f: Fault =
    last && recent && closesAfterError(last.fault, closed)
      ? mergeErrorThenClose(last.fault, closed)
      : closed;
  s.set({ lastError: null, authPending: null });
  onFault(s, f, !opened);
}

function onOpened(s: Step) {
  const { delivery } = s.ctx.config;
  // With delivery the link is up once welcomed: until then the backoff does not start over (no
  // `stable`) and the down timers run on.
  const waits = delivery !== null && !s.c.plain;
  s.set({
    link: 'open',
    handshakeFailures: 0,
    fatalId: null,
    ...(waits ? {} : { downTimers: false }),
  });
  s.do({ type: 'clear', timers: waits ? ['connect'] : ['connect', 'lost', 'suspend'] });
  const dismiss = s.c.fatalId;
  s.to({ type: 'open', at: s.ctx.wall });
  s.do({ type: 'resolve-store', dismiss });
  if (!waits) s.do({ type: 'arm', timer: 'stable', ms: s.ctx.config.minUptimeMs });
  s.do({ type: 'heartbeat' });
  if (!waits) return s.do({ type: 'flush' });
  // Sends wait for the welcome: it says which of the kept ones the server has already.
  s.set({ awaiting: true });
  s.do({ type: 'hello' }, { type: 'arm', timer: 'hello', ms: delivery.helloTimeoutMs });
}

/** Delivery: the welcome (or the server's answer that it is plain) makes the link usable. */
function welcomed(s: Step) {
  s.set({ awaiting: false, downTimers: false });
  s.do(
    { type: 'clear', timers: ['hello', 'lost', 'suspend'] },
    { type: 'arm', timer: 'stable', ms: s.ctx.config.minUptimeMs },
  );
}

/** Delivery: the server said it does not speak it. Sends go out at most once from now on. */
function goPlain(s: Step) {
  welcomed(s);
  s.set({ plain: true });
  s.do({ type: 'plain' }, { type: 'flush' });
}

function onTimer(s: Step, name: TimerName) {
  const { c } = s;
  switch (name) {
    case 'retry':
      if (c.retryDue !== null) attempt(s);
      return;
    case 'connect': {
      if (c.link !== 'pending' && c.link !== 'opening') return;
      const pending = c.link === 'pending';
      const { connectTimeoutMs } = s.ctx.config;
      abandon(s, false, 1000, 'connect timeout');
      const cause = pending
        ? `url/protocols did not settle within ${connectTimeoutMs} ms`
        : `no open within ${connectTimeoutMs} ms`;
      return onFault(s, s.transport('connect_timeout', cause), true);
    }
    case 'stable':
      if (c.link !== 'open') return;
      s.set({ authFailed: false });
      return s.to({ type: 'stable' });
    case 'auth': {
      const f = c.authPending;
      s.set({ authPending: null });
      if (f === null || c.lastError?.fault !== f || c.link === 'none') return;
      abandon(s, false, 1000, 'reauthenticate');
      return onFault(s, f, false);
    }
    case 'lost':
      return s.to({ type: 'lost' });
    case 'suspend': {
      const cause = `suspended: down for ${s.ctx.config.suspendAfterMs} ms`;
      s.do({ type: 'discard', cause }, { type: 'reject-requests', cause });
      return s.to({ type: 'suspend' });
    }
    case 'hello': {
      // Late is not plain (a slow session store): only the server's answer says so.
      if (!c.awaiting) return;
      abandon(s, false, 1000, 'no welcome');
      const cause = `no welcome within ${s.ctx.config.delivery?.helloTimeoutMs ?? 0} ms of the hello`;
      return onFault(s, s.transport('hello_timeout', cause), false);
    }
    case 'refresh':
      if (c.refreshing === null) return;
      return onRefreshFailed(s, {
        cause: `Error: it did not settle within ${s.ctx.config.refreshAuthTimeoutMs} ms`,
        unauthorized: false,
      });
  }
}

function onBrowser(
  s: Step,
  type: 'online' | 'offline' | 'hidden' | 'visible' | 'frozen' | 'restored',
) {
  const { c } = s;
  switch (type) {
    case 'online':
      if (c.refreshing === null && c.retryDue !== null) return attempt(s);
      if (c.link === 'open') s.do({ type: 'probe' });
      return;
    case 'offline':
    case 'visible':
      reschedule(s);
      if (c.link === 'open') s.do({ type: 'probe' });
      return;
    case 'hidden':
      return reschedule(s);
    case 'frozen': {
      // Chrome closes sockets entering the back/forward cache anyway; closing cleanly first lets
      // the server know, and pageshow reconnects.
      s.set({ frozen: true });
      const { status } = c.snapshot;
      if (status !== 'open' && status !== 'connecting') return reschedule(s);
      abandon(s, false, 1000, 'page frozen');
      const why = 'the page entered the back/forward cache';
      const f = s.ctx.fault({ source: 'client', code: 'connection_closed', cause: why });
      s.do({ type: 'drop-requests', cause: `connection lost (${why})` });
      s.set({ retryDue: s.ctx.mono });
      return s.to({ type: 'drop', fault: f, retryAt: arm(s) });
    }
    case 'restored':
      s.set({ frozen: false });
      if (c.retryDue !== null) attempt(s);
      return;
  }
}

/** The next control state and the effects that carry it out. Pure: same input, same output. */
export function step(control: Control, event: MachineEvent, ctx: StepContext): StepResult {
  const s = new Step(control, ctx);
  const { c } = s;
  const live = 'attemptId' in event ? event.attemptId === c.attemptId : true;
  switch (event.type) {
    case 'connect':
      if (c.snapshot.status !== 'idle' && c.snapshot.status !== 'closed') break;
      if (!c.watching) {
        s.set({ watching: true });
        s.do({ type: 'watch' });
      }
      attempt(s);
      break;
    case 'reconnect': {
      const wasLive = c.link === 'opening' || c.link === 'open';
      shutdown(s, undefined, undefined, true);
      s.set({ authFailed: false, handshakeFailures: 0, frozen: false });
      if (wasLive)
        s.do({ type: 'drop-requests', cause: 'connection lost (reconnect() was called)' });
      s.to({ type: 'reset' });
      s.set({ watching: true });
      s.do({ type: 'watch' });
      attempt(s);
      break;
    }
    case 'close':
      if (c.snapshot.status === 'closed') break;
      shutdown(s, event.code, event.reason);
      s.do(
        { type: 'reject-requests', cause: 'close() was called' },
        { type: 'discard', cause: 'close() was called before it was sent' },
      );
      s.to({ type: 'close' });
      break;
    case 'setup-failed':
      if (!live || c.link !== 'pending') break;
      // A failure of the socket's own setup (no WebSocket, a malformed URL, credentials gone) is
      // fatal by default, so it fails at once without the auth refresh the policy would try first.
      if (event.fault.severity === 'fatal') fail(s, event.fault);
      else onFault(s, event.fault, false);
      break;
    case 'opening':
      if (live && c.link === 'pending') s.set({ link: 'opening', asked: event.asked });
      break;
    case 'opened':
      if (live && c.link === 'opening') onOpened(s);
      break;
    case 'closed':
      if (live && (c.link === 'opening' || c.link === 'open')) onClosed(s, event.info);
      break;
    case 'error-envelope':
      if (c.link !== 'none') onErrorEnvelope(s, event.envelope);
      break;
    case 'heartbeat-timeout': {
      if (!live || c.link !== 'open') break;
      abandon(s, true, 1000, 'heartbeat timeout');
      // Offline, the probe was bound to go unanswered: say offline (retries wait for `online`),
      // not "Connection lost. Reconnecting..." while nothing is retried.
      const cause = ctx.online
        ? `no frame within ${event.timeoutMs} ms of a ping`
        : 'went offline with the socket open; the probe got no answer';
      onFault(s, s.transport(ctx.online ? 'heartbeat_timeout' : 'offline', cause), false);
      break;
    }
    case 'timer':
      onTimer(s, event.name);
      break;
    case 'refreshed':
      if (event.run !== c.run || c.refreshing === null) break;
      if (event.failure) onRefreshFailed(s, event.failure);
      else {
        s.set({ refreshing: null });
        s.do({ type: 'clear', timers: ['refresh'] });
        reschedule(s);
      }
      break;
    case 'welcome':
      if (!live || !c.awaiting) break;
      welcomed(s);
      if (event.fault) {
        s.do({ type: 'report', fault: event.fault });
        s.to({ type: 'fault', fault: event.fault });
      }
      s.do({ type: 'flush' });
      break;
    case 'plain':
      if (live && c.awaiting) goPlain(s);
      break;
    case 'delivery-failed':
      if (!live || c.link !== 'open') break;
      abandon(s, false, 1000, String(event.fault.code));
      onFault(s, event.fault, false);
      break;
    case 'ack-timeout': {
      if (!live || c.link !== 'open' || c.awaiting) break;
      abandon(s, true, 1000, 'ack timeout');
      const ms = ctx.config.delivery?.ackTimeoutMs ?? 0;
      const cause = `a send got no acknowledgement within ${ms} ms`;
      onFault(s, s.transport('ack_timeout', cause), false);
      break;
    }
    default:
      if (c.watching) onBrowser(s, event.type);
  }
  return { control: s.c, effects: s.effects };
}
