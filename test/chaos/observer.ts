/**
 * What the soak watches on the client while faults rain, from the outside only:
 * - every fault reported (the error store's `onFault`), messages free of tokens and stack traces,
 *   the store within its bound;
 * - every planned retry: its announced delay against the backoff policy as SPEC.md section 3
 *   states it (computed here, not imported from the code under test, so a broken policy cannot
 *   vouch for itself), and when the attempt really came (early, late), seen at the WebSocket
 *   constructor;
 * - fatal faults: every connection attempt made while `failed` and before the app's `reconnect()`
 *   (seen at the constructor), and a socket that leaves `failed` by itself;
 * - delivery: the recoveries (resumed or resync) and whether the socket ever went plain.
 */

import { deliveryOf } from '../../src/delivery/plugin.js';
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

/** One planned retry. */
export interface RetrySample {
  readonly attempt: number;
  /** The delay the snapshot announced, read when it was announced. */
  readonly announcedMs: number;
  /**
   * The same delay from times the library recorded: the due time against the drop's fault, whose
   * timestamp the socket took while planning the retry (one dispatch, no app code between), so a
   * pause (GC, a busy core) before the listener reads the clock changes nothing. NaN when the
   * fault merged an earlier error envelope (its timestamp is the envelope's).
   */
  readonly sinceFaultMs: number;
  /** When it is due (the snapshot's `nextRetryAt`). */
  readonly due: number;
  /** The retry hint in force (0: none), from the fault. */
  readonly hintMs: number;
  /** When the WebSocket of this retry was made, or null (superseded by `reconnect()`, `close()`). */
  madeAt: number | null;
  /**
   * When a timer of the test's own, set for the same moment, fired: the event loop's lag is the
   * same for both, so a retry later than this one is the library's own lateness.
   */
  controlAt: number | null;
}

/** What the watcher saw. */
export interface Observations {
  /** Reports by `source:code`. */
  readonly faults: Map<string, number>;
  reports: number;
  /** `connection_closed` reports without a request id: queued sends the client gave up on. */
  queuedSendsDropped: number;
  readonly leaks: string[];
  readonly store: { maxHistory: number; maxToasts: number; overBound: number };
  readonly retries: RetrySample[];
  readonly fatal: {
    count: number;
    /** WebSockets made between entering `failed` and the app's `reconnect()`. */
    attemptsWhileFailed: number;
    /** Times the socket left `failed` before the app called `reconnect()`. */
    leftByItself: number;
    reconnects: number;
  };
  readonly delivery: {
    /** Every welcome that did not resume: the session left and the one that replaced it. */
    readonly resyncs: Array<{ readonly from: string | null; readonly reason: string }>;
    resumed: number;
    wentPlain: boolean;
    maxUnacked: number;
  };
}

/** Empty observations. */
export function createObservations(): Observations {
  return {
    faults: new Map(),
    reports: 0,
    queuedSendsDropped: 0,
    leaks: [],
    store: { maxHistory: 0, maxToasts: 0, overBound: 0 },
    retries: [],
    fatal: { count: 0, attemptsWhileFailed: 0, leftByItself: 0, reconnects: 0 },
    delivery: { resyncs: [], resumed: 0, wentPlain: false, maxUnacked: 0 },
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

/** The policy with the defaults SPEC.md and the README state (not read from the code). */
export type Policy = Required<Omit<BackoffPolicy, 'jitter' | 'maxAttempts'>>;

/** The retry hint a fault carries: `retry_after_ms`, or the throttle floor for a `backoff` fault. */
export const hintOf = (policy: Policy, fault: Fault | null): number =>
  fault?.retryAfterMs ?? (fault?.action === 'backoff' ? policy.throttleFloorMs : 0);

/** The ceiling of retry `attempt`: min(cap, base·factor^(attempt-1)), at least the floor. */
export const ceilingOf = (policy: Policy, attempt: number): number =>
  Math.max(policy.floorMs, Math.min(policy.capMs, policy.baseMs * policy.factor ** (attempt - 1)));

/** The bounds of a full-jitter delay, raised by a hint (plus at most one `baseMs` of spread). */
export function boundsOf(policy: Policy, attempt: number, hintMs: number) {
  const ceiling = ceilingOf(policy, attempt);
  return {
    low: Math.max(policy.floorMs, hintMs),
    high:
      hintMs > 0
        ? Math.max(ceiling, Math.min(Math.max(hintMs, policy.capMs), hintMs + policy.baseMs))
        : ceiling,
  };
}

/** How the watcher plays the app. */
export interface WatchOptions {
  readonly policy: Policy;
  readonly maxHistory: number;
  /** How long the app waits in `failed` before calling `reconnect()` (as after a re-login). */
  readonly failedPauseMs: () => number;
}

/** Subscribes to the socket, its store and its delivery channel. Returns `stop`. */
export function watch(
  socket: Socket,
  recorder: Recorder,
  obs: Observations,
  options: WatchOptions,
) {
  let previous: SocketSnapshot = socket.getSnapshot();
  let planned: RetrySample | null = null;
  /** Between entering `failed` and the app's `reconnect()`. */
  let failed = false;
  let stopped = false;
  const pauses = new Set<NodeJS.Timeout>();
  const controls = new Set<NodeJS.Timeout>();

  const reconnect = () => {
    failed = false;
    planned = null;
    obs.fatal.reconnects += 1;
    socket.reconnect();
  };

  recorder.onCreate = () => {
    if (failed) obs.fatal.attemptsWhileFailed += 1;
    if (planned !== null) planned.madeAt = Date.now();
    planned = null;
  };

  const offSocket = socket.subscribe(() => {
    const snapshot = socket.getSnapshot();
    if (failed && snapshot.status !== 'failed' && previous.status === 'failed')
      obs.fatal.leftByItself += 1;
    if (
      snapshot.status === 'reconnecting' &&
      previous.status !== 'reconnecting' &&
      snapshot.nextRetryAt !== null
    ) {
      const sample: RetrySample = {
        attempt: snapshot.attempt,
        announcedMs: snapshot.nextRetryAt - Date.now(),
        sinceFaultMs: merged(snapshot.lastFault)
          ? Number.NaN
          : snapshot.nextRetryAt - (snapshot.lastFault?.timestamp ?? Number.NaN),
        due: snapshot.nextRetryAt,
        hintMs: hintOf(options.policy, snapshot.lastFault),
        madeAt: null,
        controlAt: null,
      };
      const control = setTimeout(
        () => {
          controls.delete(control);
          sample.controlAt = Date.now();
        },
        Math.max(0, sample.announcedMs),
      );
      controls.add(control);
      planned = sample;
      obs.retries.push(sample);
    }
    if (snapshot.status === 'failed' && previous.status !== 'failed') {
      obs.fatal.count += 1;
      failed = true;
      planned = null;
      const pause = setTimeout(() => {
        pauses.delete(pause);
        if (!stopped && failed) reconnect();
      }, options.failedPauseMs());
      pauses.add(pause);
    }
    previous = snapshot;
  });

  const offStore = socket.errors.subscribe(({ history, toasts }) => {
    obs.store.maxHistory = Math.max(obs.store.maxHistory, history.length);
    obs.store.maxToasts = Math.max(obs.store.maxToasts, toasts.length);
    if (history.length > options.maxHistory || toasts.length > options.maxHistory)
      obs.store.overBound += 1;
  });

  // Every session the client held, in order: a welcome may show the new session one snapshot
  // before the recovery that explains it.
  const sessions: Array<string | null> = [deliveryOf(socket).getSnapshot().session];
  let recovery = deliveryOf(socket).getSnapshot().recovery;
  const offDelivery = deliveryOf(socket).subscribe(() => {
    const snapshot = deliveryOf(socket).getSnapshot();
    if (snapshot.mode === 'plain') obs.delivery.wentPlain = true;
    obs.delivery.maxUnacked = Math.max(obs.delivery.maxUnacked, snapshot.unacked);
    if (snapshot.session !== sessions.at(-1)) sessions.push(snapshot.session);
    if (snapshot.recovery !== null && snapshot.recovery !== recovery) {
      if (snapshot.recovery.resumed) obs.delivery.resumed += 1;
      else {
        const { reason } = snapshot.recovery;
        // An unknown session is replaced by a new one; a trimmed history keeps its session.
        const from = reason === 'unknown_session' ? sessions.at(-2) : snapshot.session;
        obs.delivery.resyncs.push({ from: from ?? null, reason });
      }
    }
    recovery = snapshot.recovery;
  });

  return {
    stop: () => {
      stopped = true;
      for (const timer of [...pauses, ...controls]) clearTimeout(timer);
      offSocket();
      offStore();
      offDelivery();
    },
  };
}

/** An error envelope merged with the close after it: its timestamp is the envelope's. */
const merged = (fault: Fault | null): boolean =>
  fault?.source === 'envelope' && fault.detail.closeCode !== undefined;
