/**
 * The connection's control as data (SPEC.md sections 2 and 3): a phase union and one handler per
 * (phase, event) cell of {@link TABLE}. `step(state, event, now, config)` returns the next state
 * and the effects to perform; it reads nothing else. Time and the browser's state come in `now`,
 * fault ids from a counter in the state, the backoff's answer as a `delay` event; classification
 * is the pure `classify` with the app's options from `config`. No timer, socket or app callback
 * is touched here: the runner (`socket.ts`) performs the effects and decides nothing.
 */
import { classify, closesAfterError, mergeErrorThenClose } from '../protocol/classify.js';
import type { ErrorEnvelope } from '../protocol/envelope.js';
import type {
  ClassificationOverride,
  CloseFault,
  EnvelopeFault,
  Fault,
} from '../protocol/fault.js';
import type { FaultInput, FaultMessages, FaultOverrides } from '../protocol/fault-input.js';
import { redactText } from '../protocol/redact.js';
import { why } from '../protocol/why.js';
import { clampDelay } from './clock.js';
import type { SocketSnapshot, SocketStatus } from './types.js';

/** Timers the machine arms by name; when one fires, the runner steps the event of that name. */
export type TimerName =
  | 'connect-timeout'
  | 'stable'
  | 'auth-wait'
  | 'lost'
  | 'suspend'
  | 'refresh-timeout'
  | 'retry';

/**
 * Where the socket is. `pending`: the URL and protocols resolve; `opening`: the WebSocket
 * handshakes; `open` (`gated`: an extension holds sends until it says ready, e.g. delivery's
 * welcome; `auth`: a lone auth error envelope waiting for its close); `waiting`: a retry is planned
 * at `due` on the monotonic clock (null: the backoff's answer is awaited) after `fault`;
 * `refreshing`: `refreshAuth` runs for `fault`, the next attempt follows it.
 */
export type Phase =
  | { readonly name: 'idle' }
  | { readonly name: 'pending' }
  | { readonly name: 'opening'; readonly asked: readonly string[] }
  | { readonly name: 'open'; readonly gated: boolean; readonly auth: EnvelopeFault | null }
  | {
      readonly name: 'waiting';
      readonly due: number | null;
      readonly fault: Fault;
      /** When the policy was asked (monotonic): its delay counts from the fault, not its answer. */
      readonly asked?: number;
      /** The retries made before this wait (what a give-up counts); set where the policy is asked. */
      readonly tried?: number;
    }
  | { readonly name: 'refreshing'; readonly fault: Fault }
  | { readonly name: 'failed' }
  | { readonly name: 'closed' };

export type PhaseName = Phase['name'];

/** All control state of one socket. */
export interface State {
  readonly phase: Phase;
  /** What subscribers see; a new object only when something in it changed. */
  readonly snapshot: SocketSnapshot;
  /** Bumped by close(), reconnect() and a fatal fault: a `refreshed` of an older run is stale. */
  readonly run: number;
  /** The current attempt: events of an older one are stale. */
  readonly attempt: number;
  /** Faults made so far (their ids). */
  readonly ids: number;
  /** Handshakes failed in a row. */
  readonly failures: number;
  /** An auth failure happened since the last stable open: the next one is final. */
  readonly authFailed: boolean;
  /** In the back/forward cache: retries wait for `restored`. */
  readonly frozen: boolean;
  /** The `lost` and `suspend` timers run (from the first drop until an open). */
  readonly down: boolean;
  /** The fatal fault the store shows until the next open. */
  readonly fatal: string | null;
  /** The last error envelope, kept a short while to merge with the close that follows it. */
  readonly lastError: { readonly fault: EnvelopeFault; readonly at: number } | null;
  /** The URL of the current attempt (faults redact it). */
  readonly url: string | undefined;
}

/** Fixed settings of the machine, from the socket's options. */
export interface Config {
  readonly connectTimeoutMs: number;
  readonly minUptimeMs: number;
  readonly lostAfterMs: number;
  readonly suspendAfterMs: number;
  readonly errorCloseWindowMs: number;
  readonly refreshAuthTimeoutMs: number;
  readonly maxHandshakeFailures: number;
  readonly canRefresh: boolean;
  /** The backoff's cap (a suspended socket retries at it) and rate-limit floor; 0 with a function. */
  readonly capMs: number;
  readonly throttleFloorMs: number;
  /** How long a rate limit without a hint holds sends (the policy's first delay). */
  readonly holdMs: number;
  /** An extension holds sends after each open until it says ready. */
  readonly gated: boolean;
  /** The socket's fault id prefix. */
  readonly prefix: string;
  readonly overrides?: FaultOverrides | undefined;
  readonly messages?: FaultMessages | undefined;
  /**
   * Exact strings the socket knows are credentials (its URL's tokens, a resume secret): redacted
   * from every fault, even when a server echoes them bare.
   */
  readonly known?: () => readonly string[];
}

/** What the step reads of the world: the time of the event and the browser's state. */
export interface Now {
  /** Monotonic ms: delays and windows. */
  readonly mono: number;
  /** Epoch ms: what users see. */
  readonly wall: number;
  readonly online: boolean;
  readonly hidden: boolean;
}

type Attempted = { readonly attempt: number };

/** Something that happened to the socket. */
export type Event =
  /** `connect()` */
  | { readonly type: 'connect' }
  /** `reconnect()` */
  | { readonly type: 'reconnect' }
  /** `close(code, reason)` */
  | { readonly type: 'close'; readonly code?: number | undefined; readonly reason?: string }
  /** The attempt could not start (no WebSocket, a bad URL, a failing url()). */
  | (Attempted & {
      readonly type: 'setup-failed';
      readonly input: FaultInput;
      readonly forced?: ClassificationOverride | undefined;
      readonly url?: string | undefined;
    })
  /** The attempt made its WebSocket for `url`, asking for these subprotocols. */
  | (Attempted & {
      readonly type: 'opening';
      readonly asked: readonly string[];
      readonly url: string;
    })
  | (Attempted & { readonly type: 'opened' })
  | (Attempted & {
      readonly type: 'closed';
      readonly code: number;
      readonly reason: string;
      readonly wasClean: boolean;
    })
  | { readonly type: 'error'; readonly envelope: ErrorEnvelope }
  /** The heartbeat judged the link dead (`ms`: the timeout it waited). */
  | (Attempted & { readonly type: 'dead'; readonly ms: number })
  | { readonly type: TimerName }
  /** `refreshAuth` of run `run` settled; `failure` when it threw or rejected. */
  | {
      readonly type: 'refreshed';
      readonly run: number;
      readonly failure?: { readonly cause: string; readonly unauthorized: boolean };
    }
  /**
   * The backoff's answer for the retry after attempt `attempt` failed: a delay, or null to give
   * up. One for an older attempt (the socket moved on while it was awaited) changes nothing.
   */
  | (Attempted & { readonly type: 'delay'; readonly ms: number | null })
  /** An extension lets the gated sends go (`fault`: one to report and show). */
  | (Attempted & { readonly type: 'ready'; readonly fault?: Fault | undefined })
  /**
   * An extension found the connection unusable (`fault`, made by it): it is left (`dead`: the link
   * broke, what its buffer held never left) and retried by the policy.
   */
  | (Attempted & { readonly type: 'drop'; readonly fault: Fault; readonly dead: boolean })
  | { readonly type: 'online' | 'offline' | 'hidden' | 'visible' | 'frozen' | 'restored' };

export type EventType = Event['type'];

/** What the runner does. */
export type Effect =
  /** Browser events (network, visibility, the back/forward cache) become events. */
  | { readonly type: 'watch' }
  /** The run is over: every timer cleared (held sends released), browser events unwatched. */
  | { readonly type: 'halt' }
  /** Start attempt `attempt`: find the WebSocket, resolve URL and protocols, open. */
  | (Attempted & { readonly type: 'connect' })
  /**
   * Leave the connection. `dead`: the link broke (frames in its buffer never left); `stop`: the
   * socket stops, nothing will be sent again.
   */
  | {
      readonly type: 'abandon';
      readonly code?: number | undefined;
      readonly reason?: string | undefined;
      readonly dead: boolean;
      readonly stop: boolean;
    }
  | { readonly type: 'arm'; readonly timer: TimerName; readonly ms: number }
  | { readonly type: 'clear'; readonly timers: readonly TimerName[] }
  | { readonly type: 'probe' }
  /** The connection opened: the heartbeat starts, then extensions see it (a gated one says hello). */
  | { readonly type: 'opened' }
  | { readonly type: 'flush' }
  | { readonly type: 'hold'; readonly ms: number }
  | { readonly type: 'report'; readonly fault: Fault }
  /** The link was lost with `fault`: work on the wire settles by its own rule (requests). */
  | { readonly type: 'lost'; readonly fault: Fault }
  /** Work will not go out: queued sends and pending work fail with `fault`. */
  | { readonly type: 'settle'; readonly fault: Fault }
  | { readonly type: 'refresh'; readonly run: number }
  /** Ask the backoff policy for the delay of retry `attempt`; the answer is a `delay` event. */
  | {
      readonly type: 'backoff';
      readonly attempt: number;
      readonly fault: Fault;
      readonly hint: number;
    }
  /** The socket opened: its connection faults are resolved, and `dismiss` (a fatal one) closed. */
  | { readonly type: 'resolve'; readonly dismiss: string | null };

export interface StepResult {
  readonly state: State;
  readonly effects: readonly Effect[];
}

/** The snapshot of a socket that never connected. */
export const IDLE: SocketSnapshot = Object.freeze({
  status: 'idle',
  attempt: 0,
  lastFault: null,
  lost: false,
  suspended: false,
});

export const INITIAL_STATE: State = {
  phase: { name: 'idle' },
  snapshot: IDLE,
  run: 0,
  attempt: 0,
  ids: 0,
  failures: 0,
  authFailed: false,
  frozen: false,
  down: false,
  fatal: null,
  lastError: null,
  url: undefined,
};

// The step under way. Module scope, not a closure per step: the step is synchronous and calls
// nothing that could step again, so one set of working variables serves every socket.
let c: State;
let fx: Effect[];
let now: Now;
let k: Config;

const set = (patch: Partial<State>): void => {
  c = { ...c, ...patch };
};
const act = (...effects: Effect[]): void => {
  fx.push(...effects);
};
const clear = (...timers: TimerName[]): void => act({ type: 'clear', timers });
const arm = (timer: TimerName, ms: number): void => act({ type: 'arm', timer, ms });

/** A new snapshot of `status`: the common fields kept unless `fields` change them, and its own. */
function show(status: SocketStatus, fields?: object): void {
  const { attempt, lastFault, lost, suspended } = c.snapshot;
  const snapshot = { status, attempt, lastFault, lost, suspended, ...fields };
  set({ snapshot: Object.freeze(snapshot) as SocketSnapshot });
}

/** The snapshot with `patch`, when it changes something. */
function patch(
  fields: Partial<Record<'attempt' | 'lost' | 'suspended' | 'nextRetryAt', unknown>> & {
    lastFault?: Fault | null;
  },
): void {
  const s = c.snapshot as unknown as Record<string, unknown>;
  if (Object.entries(fields).every(([key, value]) => s[key] === value)) return;
  set({ snapshot: Object.freeze({ ...c.snapshot, ...fields }) as SocketSnapshot });
}

/** Classifies one failure under a fresh id (the app's overrides and texts applied). */
function make(input: FaultInput, forced?: ClassificationOverride): Fault {
  const ids = c.ids + 1;
  set({ ids });
  return faultOf(k, input, `${k.prefix}-${ids}`, now.wall, c.url, forced);
}

/**
 * The one way a socket makes a fault, in a step or out of one: classified with the app's
 * overrides and texts (`forced` replaces the classification of this one fault, so its text says
 * what the socket does), its strings redacted, the exact secrets of the attempt included.
 */
export function faultOf(
  config: Config,
  input: FaultInput,
  id: string,
  wall: number,
  url: string | undefined,
  forced?: ClassificationOverride,
): Fault {
  return classify(input, {
    id,
    now: wall,
    url,
    overrides: config.overrides,
    forced,
    messages: config.messages,
    known: config.known?.(),
  });
}

const hasLink = (p: Phase): boolean =>
  p.name === 'pending' || p.name === 'opening' || p.name === 'open';

/** Arms (or holds) the planned retry and shows when it is due (null: paused or not planned). */
function schedule(): void {
  const p = c.phase;
  let at: number | null = null;
  // Retries wait in the back/forward cache, offline and in a hidden tab.
  if (p.name === 'waiting' && p.due !== null && !c.frozen && now.online && !now.hidden) {
    const ms = clampDelay(p.due - now.mono);
    arm('retry', ms);
    at = now.wall + ms;
  } else clear('retry');
  if (c.snapshot.status === 'reconnecting') patch({ nextRetryAt: at });
}

function startDown(): void {
  if (c.down) return;
  set({ down: true });
  arm('lost', k.lostAfterMs);
  arm('suspend', k.suspendAfterMs);
}

/** A new attempt (`fresh`: after idle, close or a failure, the counters start over). */
function attempt(): void {
  const id = c.attempt + 1;
  const { status } = c.snapshot;
  const fresh = status === 'idle' || status === 'closed' || status === 'failed';
  set({ attempt: id, phase: { name: 'pending' } });
  clear('retry');
  if (status !== 'connecting')
    show('connecting', fresh ? { attempt: 0, lost: false, suspended: false } : {});
  startDown();
  // From the start of the attempt: it bounds a url() that never settles as well as a handshake.
  arm('connect-timeout', k.connectTimeoutMs);
  act({ type: 'connect', attempt: id });
}

/** Leaves the current link (if any). */
function abandon(dead: boolean, code?: number, reason?: string): void {
  if (hasLink(c.phase)) act({ type: 'abandon', code, reason, dead, stop: false });
  clear('connect-timeout', 'stable', 'auth-wait');
}

/** Stops everything of this run: no link, no timer, no watch. `stop`: nothing goes out again. */
function shutdown(stop: boolean, code?: number, reason?: string): void {
  if (hasLink(c.phase)) act({ type: 'abandon', code, reason, dead: false, stop });
  set({ run: c.run + 1, attempt: c.attempt + 1, down: false, lastError: null });
  act({ type: 'halt' });
}

function fail(f: Fault): void {
  shutdown(true);
  act({ type: 'settle', fault: f }, { type: 'report', fault: f });
  set({ fatal: f.id, phase: { name: 'failed' } });
  show('failed', { fault: f, lastFault: f });
}

/** A first auth failure with a refresher is recoverable: the refresh may fix it unseen. */
const soften = <F extends Fault>(f: F): F =>
  k.canRefresh && !c.authFailed && f.severity === 'fatal' ? { ...f, severity: 'recoverable' } : f;

const describe = (f: Fault): string =>
  f.source === 'close' ? `close ${f.code}` : (f.detail.cause ?? String(f.code));

/**
 * A fault that ended the connection (`handshake`: before it ever opened, by default when the link
 * was not open; a setup failure says false, as it never reached a server): the policy decides once
 * (SPEC.md section 3), and the fault this makes is the one report of the failure. Handshakes
 * failing in a row become `unreachable` (an HTTP 401 on upgrade shows in a browser only as 1006;
 * the last one allowed refreshes the credentials first); a drop while offline says offline
 * (retries wait for `online`); a first auth failure with a refresher refreshes and comes back at
 * once, a second one is final.
 */
function onFault(f: Fault, handshake = c.phase.name !== 'open') {
  const p = c.phase;
  let failures = c.failures;
  let made: Fault | undefined;
  let refresh = false;
  if (handshake && f.action === 'reconnect') {
    failures += 1;
    if (failures >= k.maxHandshakeFailures) {
      let cause = why('handshakes', failures, describe(f));
      // A server that selects none of the subprotocols asked fails every handshake: say which.
      if (p.name === 'opening' && p.asked.length > 0)
        cause = why('protocols', cause, p.asked.join(', '));
      made = make({ source: 'transport', code: 'unreachable', cause });
      refresh = failures === k.maxHandshakeFailures && k.canRefresh;
    }
  }
  if (!now.online && f.action === 'reconnect' && f.code !== 'offline') {
    made = make({ source: 'transport', code: 'offline', cause: why('while_offline', describe(f)) });
    refresh = false;
  }
  set({ failures });
  if (made) {
    // An app override can make even a fault the policy would retry fatal.
    if (made.severity === 'fatal') return fail(made);
    return retry(made, refresh, refresh);
  }
  if (f.action === 'reauthenticate') {
    const soft = soften(f);
    if (soft.severity === 'fatal') return fail(soft);
    set({ authFailed: true });
    return retry(soft, true, true);
  }
  if (f.severity === 'fatal') return fail(f);
  retry(f, false, false);
}

/** Reports the drop and settles the wire: the first half of every retry. */
function dropped(f: Fault, due: number | null): void {
  act({ type: 'report', fault: f }, { type: 'lost', fault: f });
  set({ phase: { name: 'waiting', due, fault: f } });
  showDown(f);
}

/** Shows the socket reconnecting after `f`; the outage's timers run from now. */
function showDown(f: Fault): void {
  const { status, attempt: n } = c.snapshot;
  const attempts = status === 'open' || status === 'connecting' ? n + 1 : n;
  show('reconnecting', { attempt: attempts, lastFault: f, nextRetryAt: null });
  startDown();
  schedule();
}

/** The least delay a fault asks of the retry: the server's hint, or the rate-limit floor. */
const hintOf = (f: Fault): number =>
  f.retryAfterMs ?? (f.action === 'backoff' ? k.throttleFloorMs : 0);

/** A recoverable drop: refresh first, retry at once, or ask the backoff when. */
function retry(f: Fault, refreshFirst: boolean, immediate: boolean) {
  if (refreshFirst) {
    dropped(f, now.mono);
    set({ phase: { name: 'refreshing', fault: f } });
    schedule();
    // A refresher that never settles must not hold the socket in `reconnecting` forever.
    arm('refresh-timeout', k.refreshAuthTimeoutMs);
    return act({ type: 'refresh', run: c.run });
  }
  if (immediate) return dropped(f, now.mono);
  // Nothing is reported until the policy answers: when it gives up, `unreachable` is the report.
  // The link is gone all the same: an answer that takes its time (asked of a tab) shows it.
  const tried = c.snapshot.attempt;
  set({ phase: { name: 'waiting', due: null, fault: f, asked: now.mono, tried } });
  showDown(f);
  act({ type: 'backoff', attempt: tried + 1, fault: f, hint: hintOf(f) });
}

/** The backoff's answer. */
function onDelay(ms: number | null, p: Extract<Phase, { name: 'waiting' }>) {
  const f = p.fault;
  if (ms === null) {
    // The last failure's facts stay in the fault, structured: the close, its reason, the cause.
    const last = { ...f.detail, source: f.source, code: f.code };
    const gaveUp = make(
      {
        source: 'transport',
        code: 'unreachable',
        cause: why('gave_up', p.tried as number, `${f.source} ${f.code}`),
      },
      FATAL,
    );
    return fail({ ...gaveUp, detail: { ...gaveUp.detail, last } });
  }
  // A suspended socket retries at the slow end of the policy.
  const delay = c.snapshot.suspended ? Math.max(hintOf(f), k.capMs, ms) : ms;
  // From the fault: app listeners that ran before the answer came must not lengthen the wait.
  dropped(f, (p.asked ?? now.mono) + clampDelay(delay));
}

/** The classification of a failure nothing can retry. */
export const FATAL: ClassificationOverride = { severity: 'fatal', action: 'stop' };

function onRefreshFailed(failure: { cause: string; unauthorized: boolean }, f: Fault) {
  clear('refresh-timeout');
  const cause = why('refresh_failed', failure.cause);
  if (f.action === 'reauthenticate') {
    // Its cause is what refreshAuth threw: redacted as every cause is when a fault is made.
    const redacted = redactText(cause, k.known?.());
    return fail({ ...f, severity: 'fatal', detail: { ...f.detail, cause: redacted } });
  }
  // The app says the credentials are gone: retrying the handshake cannot help.
  if (failure.unauthorized) return fail(make({ source: 'client', code: 'unauthorized', cause }));
  act({ type: 'report', fault: make({ source: 'transport', code: 'unreachable', cause }) });
  set({ phase: { name: 'waiting', due: now.mono, fault: f } });
  schedule();
}

function onOpened(): void {
  const dismiss = c.fatal;
  set({ phase: { name: 'open', gated: k.gated, auth: null }, failures: 0, fatal: null });
  clear('connect-timeout');
  show('open', { lost: false, suspended: false, openedAt: now.wall });
  act({ type: 'resolve', dismiss }, { type: 'opened' });
  // A gated link is usable once its extension says so (delivery's welcome): until then the
  // outage goes on (down timers) and the backoff does not start over.
  if (!k.gated) usable();
}

/** The link can carry sends: the outage is over. */
function usable(): void {
  set({ down: false });
  clear('lost', 'suspend');
  arm('stable', k.minUptimeMs);
  act({ type: 'flush' });
}

function onClosed(e: Extract<Event, { type: 'closed' }>): void {
  abandon(true);
  const { code, reason, wasClean } = e;
  const closed = make({ source: 'close', code, reason, wasClean, requested: false }) as CloseFault;
  const last = c.lastError;
  const recent = last !== null && now.mono - last.at <= k.errorCloseWindowMs;
  const f: Fault =
    last && recent && closesAfterError(last.fault, closed)
      ? mergeErrorThenClose(last.fault, closed)
      : closed;
  set({ lastError: null });
  onFault(f);
}

function onError(envelope: ErrorEnvelope, p: Extract<Phase, { name: 'open' }>): void {
  const requestId = envelope.meta?.request_id;
  let f = make({
    source: 'envelope',
    code: envelope.data.code,
    message: envelope.data.message,
    requestId,
    retryAfterMs: envelope.meta?.retry_after_ms,
  }) as EnvelopeFault;
  if (f.action === 'reauthenticate') f = soften(f);
  act({ type: 'report', fault: f });
  set({ lastError: { fault: f, at: now.mono } });
  if (f.action === 'backoff') {
    act({ type: 'hold', ms: f.retryAfterMs ?? k.holdMs });
    // One snapshot for a burst of rate limits, not one per envelope (SPEC.md section 5).
    const shown = c.snapshot.lastFault;
    if (shown?.source !== f.source || shown.code !== f.code) patch({ lastFault: f });
  } else if (f.action === 'reauthenticate' && f.severity === 'recoverable') {
    // Usually a close follows (SPEC.md section 1) and handles it; a lone envelope with a
    // refresher means: refresh, and come back with the new token.
    set({ phase: { ...p, auth: f } });
    arm('auth-wait', k.errorCloseWindowMs);
  }
}

/** A transport fault that ends the link: an open one broke (`dead`), else its handshake failed. */
function linkFault(
  code: 'connect_timeout' | 'heartbeat_timeout' | 'offline',
  cause: string,
  reason: string,
) {
  abandon(c.phase.name === 'open', 1000, reason);
  onFault(make({ source: 'transport', code, cause }));
}

// ---- the table -------------------------------------------------------------------------------

type PhaseOf<P extends PhaseName> = Extract<Phase, { name: P }>;
/** The handler of one cell: the event, and the phase of its row. */
type Cell<E extends Event = Event, P extends Phase = Phase> = (e: E, p: P) => void;
type Row<P extends Phase = Phase> = {
  readonly [T in EventType]?: Cell<Extract<Event, { type: T }>, P>;
};

/** The client left the connection (`cause`: why): what was on it, or waiting for it, fails. */
const closedBy = (cause: string): Fault =>
  make({ source: 'client', code: 'connection_closed', cause });

const start: Cell = () => {
  act({ type: 'watch' });
  attempt();
};

const restart: Cell = (_e, p) => {
  shutdown(false);
  set({ authFailed: false, failures: 0, frozen: false });
  if (p.name === 'opening' || p.name === 'open') {
    const f = closedBy(why('reconnect_called'));
    act({ type: 'lost', fault: f });
  }
  patch({ attempt: 0 });
  act({ type: 'watch' });
  attempt();
};

const stop: Cell<Extract<Event, { type: 'close' }>> = (e) => {
  shutdown(true, e.code, e.reason);
  const f = closedBy(why('close_called'));
  act({ type: 'settle', fault: f });
  set({ phase: { name: 'closed' } });
  show('closed', { lost: false });
};

const live = (e: Attempted): boolean => e.attempt === c.attempt;

const setupFailed: Cell<Extract<Event, { type: 'setup-failed' }>> = (e) => {
  if (!live(e)) return;
  if (e.url !== undefined) set({ url: e.url });
  const f = make(e.input, e.forced);
  // A failure of the socket's own setup (no WebSocket, a malformed URL, credentials gone) is fatal
  // by default, so it fails at once without the auth refresh the policy would try first.
  if (f.severity === 'fatal') fail(f);
  else onFault(f, false);
};

const heartbeatDead: Cell<Extract<Event, { type: 'dead' }>> = (e) => {
  if (!live(e)) return;
  // Offline, the probe was bound to go unanswered: say offline (retries wait for `online`).
  const { online } = now;
  linkFault(
    online ? 'heartbeat_timeout' : 'offline',
    online ? why('no_pong', e.ms) : why('offline_probe'),
    'heartbeat timeout',
  );
};

const connectTimeout: Cell = (_e, p) => {
  const cause = why(p.name === 'pending' ? 'url_timeout' : 'open_timeout', k.connectTimeoutMs);
  linkFault('connect_timeout', cause, 'connect timeout');
};

const closed: Cell<Extract<Event, { type: 'closed' }>> = (e) => {
  if (live(e)) onClosed(e);
};

const markLost: Cell = () => patch({ lost: true });

const suspend: Cell = () => {
  const f = closedBy(why('suspended', k.suspendAfterMs));
  act({ type: 'settle', fault: f });
  patch({ suspended: true });
};

const probe: Cell = () => act({ type: 'probe' });

const freeze: Cell = (_e, p) => {
  set({ frozen: true });
  if (!hasLink(p)) return schedule();
  // Chrome closes sockets entering the back/forward cache anyway; closing cleanly first lets the
  // server know, and pageshow reconnects.
  abandon(false, 1000, 'page frozen');
  const f = closedBy(why('frozen'));
  act({ type: 'lost', fault: f });
  set({ phase: { name: 'waiting', due: now.mono, fault: f } });
  show('reconnecting', { attempt: c.snapshot.attempt + 1, lastFault: f, nextRetryAt: null });
  schedule();
};

/** The planned retry starts now (none is planned while the backoff's answer is awaited). */
const retryNow: Cell<Event, PhaseOf<'waiting'>> = (_e, p) => {
  if (p.due !== null) attempt();
};

const thaw: Cell<Event, PhaseOf<'waiting'>> = (e, p) => {
  set({ frozen: false });
  retryNow(e, p);
};

const refreshedCell: Cell<Extract<Event, { type: 'refreshed' }>, PhaseOf<'refreshing'>> = (
  e,
  p,
) => {
  if (e.run !== c.run) return;
  if (e.failure) return onRefreshFailed(e.failure, p.fault);
  clear('refresh-timeout');
  set({ phase: { name: 'waiting', due: now.mono, fault: p.fault } });
  schedule();
};

const refreshTimeout: Cell<Event, PhaseOf<'refreshing'>> = (_e, p) =>
  onRefreshFailed(
    { cause: why('refresh_timeout', k.refreshAuthTimeoutMs), unauthorized: false },
    p.fault,
  );

const ext: Cell<Extract<Event, { type: 'drop' }>> = (e) => {
  if (!live(e)) return;
  abandon(e.dead, 1000, String(e.fault.code));
  onFault(e.fault);
};

const unfreeze: Cell = () => set({ frozen: false });

/** Browser events while open: the link is probed (a zombie after sleep or a network switch). */
const watching: Row = {
  online: probe,
  offline: probe,
  visible: probe,
  frozen: freeze,
  restored: unfreeze,
};

const down: Row = {
  reconnect: restart,
  close: stop,
  lost: markLost,
  suspend,
};

/**
 * One row per phase, one cell per event the phase answers; every other event changes nothing
 * (`machine.test.ts` enumerates every cell).
 */
export const TABLE: { readonly [P in PhaseName]: Row<PhaseOf<P>> } = {
  idle: { connect: start, reconnect: restart, close: stop },
  closed: { connect: start, reconnect: restart },
  failed: { reconnect: restart, close: stop },
  pending: {
    ...down,
    'setup-failed': setupFailed,
    opening: (e) => {
      if (live(e)) set({ phase: { name: 'opening', asked: e.asked }, url: e.url });
    },
    'connect-timeout': connectTimeout,
    frozen: freeze,
    restored: unfreeze,
  },
  opening: {
    ...down,
    opened: (e) => {
      if (live(e)) onOpened();
    },
    closed,
    'connect-timeout': connectTimeout,
    frozen: freeze,
    restored: unfreeze,
  },
  open: {
    reconnect: restart,
    close: stop,
    closed,
    error: (e, p) => onError(e.envelope, p),
    dead: heartbeatDead,
    stable: () => {
      set({ authFailed: false });
      patch({ attempt: 0 });
    },
    'auth-wait': (_e, p) => {
      const { auth } = p;
      if (auth === null || c.lastError?.fault !== auth) return;
      abandon(false, 1000, 'reauthenticate');
      onFault(auth);
    },
    ready: (e, p) => {
      if (!live(e) || !p.gated) return;
      set({ phase: { ...p, gated: false } });
      if (e.fault) {
        act({ type: 'report', fault: e.fault });
        patch({ lastFault: e.fault });
      }
      usable();
    },
    // Still down while a gating extension has not said ready (its own timeout bounds that).
    lost: (e, p) => {
      if (p.gated) markLost(e, p);
    },
    suspend: (e, p) => {
      if (p.gated) suspend(e, p);
    },
    drop: ext,
    ...watching,
  },
  waiting: {
    ...down,
    retry: retryNow,
    delay: (e, p) => {
      if (p.due === null && live(e)) onDelay(e.ms, p);
    },
    online: retryNow,
    // Browser events while a retry waits: re-arm, paused or not.
    offline: schedule,
    hidden: schedule,
    visible: schedule,
    frozen: freeze,
    restored: thaw,
  },
  refreshing: {
    ...down,
    refreshed: refreshedCell,
    'refresh-timeout': refreshTimeout,
    frozen: (_e) => set({ frozen: true }),
    restored: unfreeze,
  },
};

/** The next state and the effects that carry it out. Pure: the same input, the same output. */
export function step(state: State, event: Event, at: Now, config: Config): StepResult {
  c = state;
  fx = [];
  now = at;
  k = config;
  const cell = TABLE[state.phase.name][event.type] as Cell | undefined;
  cell?.(event, state.phase);
  const result = { state: c, effects: fx };
  fx = [];
  return result;
}

/** Whether a frame may be written now: open, and no extension holds sends. */
export const writable = (state: State): boolean =>
  state.phase.name === 'open' && !state.phase.gated;
