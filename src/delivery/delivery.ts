/**
 * The client side of delivery (docs/protocol.md "Delivery"): numbers sends, keeps them until the
 * server acknowledges them, says hello on every connection, reads the welcome, drops duplicate
 * server messages and tells the app when a gap cannot be replayed. The connection machine
 * decides when (it waits for the welcome before flushing); this file keeps the books.
 */

import type { Clock } from '../core/clock.js';
import { isDevelopment } from '../core/dev.js';
import { createTimers } from '../core/timers.js';
import {
  DELIVERY_VERSION,
  DeliveryType,
  helloFrame,
  type ResumeFailure,
  readAck,
  readWelcome,
  seqOf,
  type WelcomeData,
} from '../protocol/delivery.js';
import type { Envelope } from '../protocol/envelope.js';
import type { ClientCode, Fault } from '../protocol/fault.js';
import { FaultError } from '../protocol/fault-error.js';
import { createLedger, type Delivered, type NumberedFrame } from './ledger.js';
import type { ResolvedDelivery } from './options.js';

/** How the last reconnect went for the server's messages. */
export type Recovery =
  /** Every message missed while away was replayed (`replayed` of them). */
  | { readonly resumed: true; readonly replayed: number; readonly at: number }
  /** Messages were missed and cannot be replayed: fetch the state again. */
  | { readonly resumed: false; readonly reason: ResumeFailure; readonly at: number };

/** Delivery as the UI sees it. A new object only when something changed. */
export interface DeliverySnapshot {
  /**
   * `off`: not asked for. `negotiating`: no welcome seen yet. `on`: the server speaks it.
   * `plain`: it does not; sends are at most once for the life of the socket.
   */
  readonly mode: 'off' | 'negotiating' | 'on' | 'plain';
  readonly session: string | null;
  /** Sends not acknowledged yet (queued or on the wire). */
  readonly unacked: number;
  /** The last reconnect's outcome for server messages; null before the first reconnect. */
  readonly recovery: Recovery | null;
}

/** The delivery state of a socket, for `useSyncExternalStore`. */
export interface DeliveryChannel {
  getSnapshot(): DeliverySnapshot;
  subscribe(listener: () => void): () => void;
}

/** What the delivery mechanism tells the connection machine. */
export type DeliverySignal =
  | { readonly type: 'welcome'; readonly resync: Fault | null }
  | { readonly type: 'plain' }
  | { readonly type: 'ack-timeout' };

/** How delivery makes and reports faults (the socket's host). */
export interface DeliveryReporter {
  report(fault: Fault): Fault;
  client(code: ClientCode, cause?: string, requestId?: string): Fault;
  isolate<T>(what: string, callback: () => T, fallback: T): T;
}

export interface DeliveryParts {
  readonly options: ResolvedDelivery;
  readonly clock: Clock;
  readonly elapsed: () => number;
  readonly reporter: DeliveryReporter;
  readonly signal: (signal: DeliverySignal) => void;
  /** Takes acknowledged frames out of the send queue. */
  readonly unqueue: (frame: NumberedFrame) => void;
  /** Writes what the send queue can write now (a held frame was let go). */
  readonly flush?: () => void;
  /**
   * @internal Where a socket taking over a session another socket ran starts (a new leader tab,
   * tabs/delivery-handover.ts).
   */
  readonly adoption?: DeliveryAdoption;
}

/**
 * @internal A session taken over from another socket (a new leader tab): the session to resume,
 * the highest server seq any tab's handlers saw, and the number the next new send gets. The
 * observers let the tabs keep the books they need for the next handover.
 */
export interface DeliveryAdoption {
  readonly seed?: {
    readonly session: string;
    /** The session's resume secret. */
    readonly secret?: string;
    readonly lastSeen: number;
    /** The last number handed out (the next new send gets one more). */
    readonly lastSeq: number;
  };
  /** A number to give the next frame instead of a new one (a frame re-sent under its old seq). */
  readonly forced?: () => number | undefined;
  /** A numbered frame is tracked (before it can be written). */
  readonly tracked?: (frame: NumberedFrame) => void;
  /** True while the frame of `seq` may not be written yet (another tab must hear its number). */
  readonly held?: (seq: number) => boolean;
  /** Given the socket's flush, to call once a held frame may go. */
  readonly bind?: (flush: () => void) => void;
}

export interface Delivery extends DeliveryChannel {
  /** Delivery is on or still being negotiated (not a plain server). */
  readonly active: boolean;
  /** The next send's number, or undefined on a plain server. */
  number(): number | undefined;
  /** Tracks a numbered send; with `receipt`, returns the promise of its fate. */
  track(frame: NumberedFrame, receipt: boolean): Promise<Delivered> | undefined;
  forget(seq: number): void;
  /** A numbered frame was written to the connection. */
  written(frame: NumberedFrame): void;
  /** True while the frame of `seq` may not be written yet (see {@link DeliveryAdoption.held}). */
  held(seq: number): boolean;
  /** Sends the hello of a new connection. */
  hello(send: (text: string) => void): void;
  /** Handles delivery frames and duplicates; true when the envelope goes no further. */
  inbound(envelope: Envelope): boolean;
  /** The connection is gone: the frames to send again, in order (given-up ones are rejected). */
  lift(): NumberedFrame[];
  /** Settles one send with a fault. */
  reject(seq: number, fault: Fault): void;
  /** The socket stops: every send still kept is rejected. */
  discardAll(cause: string): void;
  /** The server does not speak delivery: at most once from now on. */
  plain(): void;
}

const OFF: DeliverySnapshot = Object.freeze({
  mode: 'off',
  session: null,
  unacked: 0,
  recovery: null,
});

/** The channel of a socket without delivery. */
export const NO_DELIVERY: DeliveryChannel = {
  getSnapshot: () => OFF,
  subscribe: () => () => {},
};

/** Sockets that warned about a plain server in this realm: once per page, not per socket. */
let warnedPlain = false;

export function createDelivery(parts: DeliveryParts): Delivery {
  const { options, reporter, elapsed } = parts;
  const ledger = createLedger();
  const timers = createTimers(parts.clock);
  const listeners = new Set<() => void>();
  const adoption = parts.adoption;
  adoption?.bind?.(() => parts.flush?.());
  let mode: 'negotiating' | 'on' | 'plain' = 'negotiating';
  let session: string | null = adoption?.seed?.session ?? null;
  /** The resume secret of `session`, from its welcome (never logged, never in a snapshot). */
  let secret: string | undefined = adoption?.seed?.secret;
  /** The highest server seq handlers have seen. */
  let lastSeen = adoption?.seed?.lastSeen ?? 0;
  let nextSeq = adoption?.seed?.lastSeq ?? 0;
  let hellos = 0;
  let helloId: string | null = null;
  let recovery: Recovery | null = null;
  let snapshot: DeliverySnapshot = Object.freeze({ mode, session, unacked: 0, recovery });

  /** The snapshot as the books are now: the same object while nothing it shows changed. */
  const current = (): DeliverySnapshot => {
    const s = snapshot;
    if (
      s.mode !== mode ||
      s.session !== session ||
      s.unacked !== ledger.size ||
      s.recovery !== recovery
    )
      snapshot = Object.freeze({ mode, session, unacked: ledger.size, recovery });
    return snapshot;
  };
  let told = snapshot;
  let scheduled = false;
  /**
   * Listeners hear of a change once per task, not once per send or ack: a burst of 1,000 sends
   * is one notification (reads stay exact: getSnapshot builds the snapshot when asked).
   */
  const changed = () => {
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      if (current() === told) return;
      told = snapshot;
      for (const listener of [...listeners])
        reporter.isolate('a delivery listener', listener, undefined);
    });
  };

  /** The oldest send on the wire is checked when its ack is due. */
  const watchAcks = () => {
    if (timers.has('ack')) return;
    const oldest = ledger.oldestWrite();
    if (oldest === null) return;
    const due = oldest + options.ackTimeoutMs - elapsed();
    timers.set('ack', Math.max(0, due), () => {
      const first = ledger.oldestWrite();
      if (first !== null && elapsed() - first >= options.ackTimeoutMs) {
        parts.signal({ type: 'ack-timeout' });
      } else watchAcks();
    });
  };

  const acknowledge = (seq: number) => {
    for (const frame of ledger.ack(seq)) parts.unqueue(frame);
    changed();
  };

  const welcome = (w: WelcomeData) => {
    const first = session === null;
    session = w.session;
    secret = w.secret;
    mode = 'on';
    // Another socket of the session (a tab that led before) may have used numbers this one never
    // heard of: new sends go above everything the server processed.
    if (w.acked > nextSeq) nextSeq = w.acked;
    acknowledge(w.acked);
    let resync: Fault | null = null;
    if (w.resumed && !first) {
      recovery = { resumed: true, replayed: w.replay ?? 0, at: parts.clock.now() };
    } else if (!w.resumed) {
      lastSeen = w.seq;
      if (!first) {
        const reason = w.reason ?? 'unknown_session';
        const cause = `the server could not replay the messages missed (${reason})`;
        resync = reporter.client('resync', cause);
        recovery = { resumed: false, reason, at: parts.clock.now() };
      }
    }
    changed();
    parts.signal({ type: 'welcome', resync });
  };

  const settleWith =
    (settle: (value: Delivered) => void, fail: (error: FaultError) => void) =>
    (result: Delivered | Fault) =>
      typeof result === 'string' ? settle(result) : fail(new FaultError(result));

  return {
    get active() {
      return mode !== 'plain';
    },
    getSnapshot: current,
    subscribe(listener) {
      const own = () => listener();
      listeners.add(own);
      return () => listeners.delete(own);
    },
    held: (seq) => adoption?.held?.(seq) === true,
    number() {
      if (mode === 'plain') return undefined;
      return adoption?.forced?.() ?? ++nextSeq;
    },
    track(frame, receipt) {
      adoption?.tracked?.(frame);
      let promise: Promise<Delivered> | undefined;
      if (receipt) {
        promise = new Promise<Delivered>((resolve, reject) => {
          ledger.track(frame, settleWith(resolve, reject));
        });
        // An app that never looks at the receipt must not get an unhandled rejection.
        promise.catch(() => {});
      } else ledger.track(frame, null);
      changed();
      return promise;
    },
    forget(seq) {
      ledger.forget(seq);
      changed();
    },
    written(frame) {
      if (mode === 'plain') {
        ledger.written(frame.seq, elapsed());
        ledger.unconfirmWritten();
        return changed();
      }
      ledger.written(frame.seq, elapsed());
      watchAcks();
    },
    hello(send) {
      helloId = `sockguard.hello.${++hellos}`;
      send(helloFrame(session, lastSeen, helloId, secret));
    },
    inbound(envelope) {
      const { type } = envelope;
      if (helloId !== null && envelope.meta?.request_id === helloId) {
        helloId = null;
        const w = type === DeliveryType.welcome ? readWelcome(envelope.data) : undefined;
        if (w === undefined || w.v !== DELIVERY_VERSION) parts.signal({ type: 'plain' });
        else welcome(w);
        return true;
      }
      if (type === DeliveryType.ack) {
        const ack = readAck(envelope.data);
        if (ack !== undefined && mode === 'on') acknowledge(ack.seq);
        return true;
      }
      // A control frame of a later version, or out of place: never an app message.
      if (type.startsWith('sockguard.')) return true;
      if (mode !== 'on') return false;
      const seq = seqOf(envelope);
      if (seq === undefined) return false;
      // A replayed message the handlers saw already.
      if (seq <= lastSeen) return true;
      lastSeen = seq;
      return false;
    },
    lift() {
      timers.clearAll();
      helloId = null;
      const { again, given } = ledger.lift(options.maxResends);
      for (const frame of given) {
        const cause = `sent on ${options.maxResends} connections without an acknowledgement; it may have arrived`;
        const fault = reporter.report(reporter.client('not_acknowledged', cause, frame.requestId));
        ledger.reject(frame.seq, fault);
      }
      if (given.length > 0) changed();
      return again;
    },
    reject(seq, fault) {
      ledger.reject(seq, fault);
      changed();
    },
    discardAll(cause) {
      timers.clearAll();
      helloId = null;
      for (const { frame, written } of ledger.kept()) {
        const why = written
          ? `${cause}; it was sent but not acknowledged, so it may have arrived`
          : `${cause} before it was sent`;
        const fault = reporter.report(reporter.client('connection_closed', why, frame.requestId));
        ledger.reject(frame.seq, fault);
      }
      changed();
    },
    plain() {
      mode = 'plain';
      helloId = null;
      timers.clearAll();
      ledger.unconfirmWritten();
      changed();
      if (!warnedPlain && isDevelopment()) {
        warnedPlain = true;
        console.warn(
          'sockguard: delivery is on, but the server did not answer the hello with a welcome: sends are at most once on this socket (see docs/protocol.md, "Delivery").',
        );
      }
    },
  };
}
