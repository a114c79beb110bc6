/**
 * What the soak watches on the client while faults rain: every fault reported (through the error
 * store's `onFault`), user-facing messages free of tokens and stack traces, the store within its
 * bound, every planned retry delay within the backoff policy, no retry earlier than planned, and no
 * connection attempt while `failed` (the app calls `reconnect()` after a pause, as after a re-login).
 */
import { backoffCeiling, resolveBackoff } from '../../src/core/backoff.js';
import type {
  BackoffPolicy,
  Fault,
  FaultLog,
  Socket,
  SocketSnapshot,
  StoredFault,
} from '../../src/index.js';
import type { Recorder } from './recording-websocket.js';

/** A credential or a stack frame: neither may reach a user-facing message. */
export const LEAK = /SECRET123|\n\s*at\s|\bat .+:\d+:\d+/;

export interface Observations {
  /** Reports by `source:code`. */
  readonly faults: Map<string, number>;
  reports: number;
  /** `connection_closed` reports without a request id: queued sends the client gave up on. */
  queuedSendsDropped: number;
  /** Faults whose message leaks a token or a stack trace, or whose stored form holds the token. */
  readonly leaks: string[];
  readonly store: { maxHistory: number; maxToasts: number; overBound: number };
  readonly retries: {
    planned: number;
    minMs: number;
    maxMs: number;
    outOfPolicy: string[];
    early: number;
  };
  readonly fatal: { count: number; attemptsWhileFailed: number; reconnects: number };
}

export function createObservations(): Observations {
  return {
    faults: new Map(),
    reports: 0,
    queuedSendsDropped: 0,
    leaks: [],
    store: { maxHistory: 0, maxToasts: 0, overBound: 0 },
    retries: { planned: 0, minMs: Number.POSITIVE_INFINITY, maxMs: 0, outOfPolicy: [], early: 0 },
    fatal: { count: 0, attemptsWhileFailed: 0, reconnects: 0 },
  };
}

/** The `onFault` logger to give the error store. */
export function faultLogger(obs: Observations) {
  return (fault: StoredFault, log: FaultLog): void => {
    obs.reports += 1;
    const key = `${fault.source}:${fault.code}`;
    obs.faults.set(key, (obs.faults.get(key) ?? 0) + 1);
    if (fault.code === 'connection_closed' && fault.requestId === undefined)
      obs.queuedSendsDropped += 1;
    if (
      LEAK.test(fault.message) ||
      JSON.stringify(fault).includes('SECRET123') ||
      log.url?.includes('SECRET123')
    ) {
      obs.leaks.push(`${key}: ${JSON.stringify(fault.message)}`);
    }
  };
}

/** The bounds `backoffDelay` promises for a retry after `fault` (SPEC.md section 3). */
function bounds(policy: Required<BackoffPolicy>, attempt: number, fault: Fault | null) {
  const hint = fault?.retryAfterMs ?? (fault?.action === 'backoff' ? policy.throttleFloorMs : 0);
  const ceiling = backoffCeiling(policy, attempt);
  return {
    low: Math.max(policy.floorMs, hint),
    high: hint > 0 ? Math.max(ceiling, hint, policy.capMs) : ceiling,
  };
}

export interface WatchOptions {
  readonly policy: BackoffPolicy;
  readonly maxHistory: number;
  /** How long the app waits in `failed` before calling `reconnect()`. */
  readonly failedPauseMs: () => number;
  readonly running: () => boolean;
}

/**
 * Subscribes to the socket and its store. Returns `reconnect` (use it instead of
 * `socket.reconnect()`, so attempts while failed are counted up to it) and `stop`.
 */
export function watch(
  socket: Socket,
  recorder: Recorder,
  obs: Observations,
  options: WatchOptions,
) {
  const policy = resolveBackoff(options.policy);
  let previous: SocketSnapshot = socket.getSnapshot();
  let planned: number | null = null;
  /** Connection attempts made when the socket last failed; null when not failed. */
  let failedWith: number | null = null;
  /** The app's `reconnect()`: first counts the attempts made while failed (there must be none). */
  const reconnect = () => {
    if (failedWith !== null) {
      obs.fatal.attemptsWhileFailed += recorder.sockets.length - failedWith;
      obs.fatal.reconnects += 1;
      failedWith = null;
    }
    socket.reconnect();
  };

  recorder.onCreate = () => {
    // Timers may fire a millisecond early in ms-rounded clocks; more than that is a real early retry.
    if (planned !== null && Date.now() < planned - 2) obs.retries.early += 1;
    planned = null;
  };

  const offSocket = socket.subscribe(() => {
    const snapshot = socket.getSnapshot();
    if (
      snapshot.status === 'reconnecting' &&
      previous.status !== 'reconnecting' &&
      snapshot.nextRetryAt !== null
    ) {
      const delay = snapshot.nextRetryAt - Date.now();
      const { low, high } = bounds(policy, snapshot.attempt, snapshot.lastFault);
      obs.retries.planned += 1;
      obs.retries.minMs = Math.min(obs.retries.minMs, delay);
      obs.retries.maxMs = Math.max(obs.retries.maxMs, delay);
      // `nextRetryAt` was set a moment before this listener ran: allow 2 ms below the bound.
      if (delay < low - 2 || delay > high) {
        obs.retries.outOfPolicy.push(
          `attempt ${snapshot.attempt}: ${delay} ms not in [${low}, ${high}]`,
        );
      }
      planned = snapshot.nextRetryAt;
    }
    if (snapshot.status === 'failed' && previous.status !== 'failed') {
      obs.fatal.count += 1;
      failedWith = recorder.sockets.length;
      setTimeout(() => {
        if (socket.getSnapshot().status === 'failed' && options.running()) reconnect();
      }, options.failedPauseMs());
    }
    previous = snapshot;
  });

  const offStore = socket.errors.subscribe(({ history, toasts }) => {
    obs.store.maxHistory = Math.max(obs.store.maxHistory, history.length);
    obs.store.maxToasts = Math.max(obs.store.maxToasts, toasts.length);
    if (history.length > options.maxHistory || toasts.length > options.maxHistory)
      obs.store.overBound += 1;
  });
  return {
    reconnect,
    stop: () => {
      offSocket();
      offStore();
    },
  };
}
