/**
 * The client side of delivery (docs/protocol.md "Delivery"): numbers sends, keeps them until the
 * server acknowledges them, says hello on every connection, reads the welcome, drops duplicate
 * server messages and tells the app when a gap cannot be replayed. The connection machine
 * decides when (it waits for the welcome before flushing); this file keeps the books.
 */

import type { Clock } from '../core/clock.js';
import { createTimers } from '../core/timers.js';
import {
  DELIVERY_VERSION,
  DeliveryType,
  helloFrame,
  type ResumeFailure,
  readAck,
  readWelcome,
  type WelcomeData,
} from '../protocol/delivery.js';
import type { Envelope } from '../protocol/envelope.js';
import type { ClientCode, Fault } from '../protocol/fault.js';
import { FaultError } from '../protocol/fault-error.js';
import { why } from '../protocol/why.js';
import { ackViolation, readNumbered, welcomeViolation } from './checks.js';
import { createLedger, type Delivered, type NumberedFrame } from './ledger.js';
import type { ResolvedDelivery } from './options.js';
import type { DeliveryStore } from './store.js';

// The development-only form of core/dev.ts: bundlers fold it away in production.
declare const process: { readonly env: { readonly NODE_ENV?: string | undefined } };

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

/** What the delivery mechanism tells the connection machine. */
export type DeliverySignal =
  /** The welcome was applied; `fault` (a resync, a session change) is to report and show. */
  | { readonly type: 'welcome'; readonly fault: Fault | null }
  /** The server answered the hello with something else: it does not speak delivery. */
  | { readonly type: 'plain' }
  | { readonly type: 'ack-timeout' }
  /**
   * This connection cannot go on: the server broke the protocol (`protocol_violation`) or cannot
   * read the session (`session_unavailable`). Nothing it said was applied; leave it and retry.
   */
  | { readonly type: 'delivery-failed'; readonly fault: Fault };

/** How delivery makes, reports and hides what it must (the socket's host). */
export interface DeliveryReporter {
  report(fault: Fault): Fault;
  client(code: ClientCode, cause?: string, requestId?: string): Fault;
  isolate<T>(what: string, callback: () => T, fallback: T): T;
  /** Strings never to show (the resume secret): redacted from every fault from now on. */
  conceal(secrets: readonly string[]): void;
}

export interface DeliveryParts {
  readonly options: ResolvedDelivery;
  readonly clock: Clock;
  readonly elapsed: () => number;
  readonly reporter: DeliveryReporter;
  readonly signal: (signal: DeliverySignal) => void;
  /** Takes frames out of the send queue (acknowledged, or settled without being sent). */
  readonly unqueue: (frame: NumberedFrame) => void;
  /** Rejects pending requests that were sent and whose frame matches. */
  readonly rejectRequests: (match: (seq: number | undefined) => boolean, fault: Fault) => void;
  /** The session ended: a connection under way (it said or will say the old hello) is left. */
  readonly leave: () => void;
  /** @internal What the SharedWorker's hub hears of this delivery (worker/routing.ts). */
  readonly adoption?: DeliveryAdoption;
  /** Frames that go first, before every queued one (what an earlier page kept). */
  readonly requeue: (frames: readonly NumberedFrame[]) => void;
  /** Where the books are kept across page loads (a durable outbox). */
  readonly store?: DeliveryStore | undefined;
}

/** @internal What a socket's delivery tells the code that made it (the SharedWorker's hub). */
export interface DeliveryAdoption {
  /**
   * A kept frame fails with `fault`, told before the fault is reported: the SharedWorker's hub
   * (worker/routing.ts) routes the fault to the tab whose send it is, by the fault's identity.
   */
  readonly refused?: (frame: NumberedFrame, fault: Fault) => void;
}

/** The delivery state of a socket (`deliveryOf(socket)`), for `useSyncExternalStore`. */
export interface DeliveryChannel {
  getSnapshot(): DeliverySnapshot;
  subscribe(listener: () => void): () => void;
  /**
   * Ends the session (call it on logout): every send and request kept for it is rejected with a
   * `session_changed` fault (saying whether it may have been processed), and the session, its
   * resume secret and the highest server seq seen are forgotten. A connection in the session is
   * left; the next one starts a new session. Nothing without delivery.
   */
  endSession(): void;
}

export interface Delivery extends DeliveryChannel {
  /** Delivery is on or still being negotiated (not a plain server): sends carry their number. */
  readonly active: boolean;
  /**
   * The fault of a send or request refused because `maxUnacked` are kept already (reported), or
   * undefined when there is room.
   */
  overflow(requestId?: string): Fault | undefined;
  /** The next send's number (kept off the wire on a plain server, where it only tracks the send). */
  number(): number;
  /** Tracks a numbered send; with `receipt`, returns the promise of its fate. */
  track(frame: NumberedFrame, receipt: boolean): Promise<Delivered> | undefined;
  forget(seq: number): void;
  /** A numbered frame was written to the connection. */
  written(frame: NumberedFrame): void;
  /** Sends the hello of a new connection. */
  hello(send: (text: string) => void): void;
  /** Handles delivery frames and duplicates; true when the envelope goes no further. */
  inbound(envelope: Envelope): boolean;
  /** The connection is gone: the frames to send again, in order (given-up ones are rejected). */
  lift(): NumberedFrame[];
  /** Settles one send with a fault. */
  reject(seq: number, fault: Fault): void;
  /**
   * Nothing goes out for now: every send still kept is rejected, but for a suspension (not
   * `final`: a long outage) a durable one, which stays kept.
   */
  discardAll(cause: string, final: boolean): void;
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
  endSession: () => {},
};

/** Sockets that warned about a plain server in this realm: once per page, not per socket. */
let warnedPlain = false;

/** Warns once per page, in development: a delivery socket whose server does not speak delivery. */
function warnPlain(): void {
  if (warnedPlain) return;
  warnedPlain = true;
  console.warn(
    'sockguard: delivery is on, but the server answered the hello without a welcome: sends are at most once on this socket (see docs/protocol.md, "Delivery").',
  );
}

export function createDelivery(parts: DeliveryParts): Delivery {
  const { options, reporter, elapsed } = parts;
  const ledger = createLedger();
  const timers = createTimers(parts.clock);
  const listeners = new Set<() => void>();
  const adoption = parts.adoption;
  let mode: 'negotiating' | 'on' | 'plain' = 'negotiating';
  let session: string | null = null;
  /** The resume secret of `session`, from its welcome (never logged, never in a snapshot). */
  let secret: string | undefined;
  /** The highest server seq handlers have seen. */
  let lastSeen = 0;
  /** The last number handed out. */
  let nextSeq = 0;
  /** The highest seq written in `session`, on any connection: what a welcome may acknowledge. */
  let sessionWritten = 0;
  let hellos = 0;
  let recovery: Recovery | null = null;
  // The current connection's part: the hello out, its welcome, what it may acknowledge.
  let helloId: string | null = null;
  let welcomed = false;
  /** What this connection may acknowledge: its welcome's `acked`, and the seqs written on it. */
  let bound = 0;
  /** Nothing more of this connection is believed (a violation, or the session ended under it). */
  let broken = false;
  let snapshot: DeliverySnapshot = Object.freeze({ mode, session, unacked: 0, recovery });
  const store = parts.store;
  /** What earlier pages kept is being read (a durable outbox): no hello before it is. */
  let restoring = store !== undefined;
  /** The hello of the open connection, waiting for the restore. */
  let deferred: (() => void) | null = null;

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
    // The store first: it forgets what the ack covers as acknowledged (their ids remembered),
    // not as dropped one by one when each frame leaves the queue.
    store?.acked(seq);
    for (const frame of ledger.ack(seq)) parts.unqueue(frame);
    changed();
  };

  /** The session's state, to the store; a promise only when there is one. */
  const keepSession = (): Promise<void> | undefined =>
    session === null || secret === undefined
      ? undefined
      : store?.session({ session, secret, lastSeq: nextSeq, highest: lastSeen });

  // A durable outbox reads and changes the books through this, from outside delivery.
  store?.bind({
    ledger,
    state: () => ({ session, secret, lastSeen, written: sessionWritten, next: nextSeq }),
    adopt(state) {
      ({ session, secret, lastSeen, written: sessionWritten, next: nextSeq } = state);
      if (secret !== undefined) reporter.conceal([secret]);
    },
    resume() {
      restoring = false;
      changed();
      const go = deferred;
      deferred = null;
      go?.();
    },
    changed,
  });

  /** A new connection, or none: nothing of the last one counts any more. */
  const newConnection = () => {
    deferred = null;
    helloId = null;
    welcomed = false;
    bound = 0;
    broken = false;
  };

  /** The server broke the protocol: nothing more of this connection is believed; it is left. */
  const violated = (cause: string): true => {
    broken = true;
    helloId = null;
    parts.signal({ type: 'delivery-failed', fault: reporter.client('protocol_violation', cause) });
    return true;
  };

  /**
   * Settles kept sends that must not go in the session now running, each with a `session_changed`
   * fault whose cause `why` writes (told whether the send may have been processed). Their
   * requests reject with it.
   */
  /**
   * A kept send fails with a reported fault of `code` (a request settles by that fault, which
   * names it: request/response's rule).
   */
  const refuse = (frame: NumberedFrame, code: ClientCode, cause: string): Fault => {
    const made = reporter.client(code, cause, frame.requestId);
    adoption?.refused?.(frame, made);
    const fault = reporter.report(made);
    ledger.reject(frame.seq, fault);
    return fault;
  };

  const settleKept = (
    which: (sent: boolean) => boolean,
    cause: (sent: boolean) => string,
  ): number => {
    let count = 0;
    for (const { frame, sent } of ledger.kept()) {
      if (!which(sent)) continue;
      count += 1;
      refuse(frame, 'session_changed', cause(sent));
      // Out of the queue, every extension forgets it (`refused`): the store too.
      parts.unqueue(frame);
    }
    if (count > 0) changed();
    return count;
  };

  /**
   * Server messages were missed for good (`reason`): the app must refetch, and requests the server
   * had processed fail (their replies were in the history that is gone). Returns the fault.
   */
  const missed = (reason: ResumeFailure): Fault => {
    recovery = { resumed: false, reason, at: parts.clock.now() };
    const fault = reporter.client('resync', why('missed', reason));
    parts.rejectRequests((seq) => seq === undefined || !ledger.has(seq), fault);
    return fault;
  };

  /**
   * The server gave a new session where the client had one: nothing kept for the old one that may
   * have been processed goes into it. Returns the fault the app is told.
   */
  const replaced = (w: WelcomeData): Fault => {
    const reason = w.reason ?? 'unknown_session';
    if (reason === 'other_principal') {
      recovery = { resumed: false, reason, at: parts.clock.now() };
      // Another user's session was asked for: nothing of it goes to this one, sent or not.
      const kept = settleKept(
        () => true,
        (sent) => why(sent ? 'other_user_sent' : 'other_user'),
      );
      const fault = reporter.client('session_changed', why('other_user_kept', kept));
      parts.rejectRequests(() => true, fault);
      return fault;
    }
    const fault = missed(reason);
    // Sent before: processed in the old session, maybe. Sending it again could do it twice.
    settleKept(
      (sent) => sent,
      () => why('forgotten', reason),
    );
    return fault;
  };

  const welcome = (w: WelcomeData) => {
    const asked = session;
    const violation = welcomeViolation(w, { asked, lastSeen, written: sessionWritten });
    if (violation !== undefined) return violated(violation);
    welcomed = true;
    bound = w.acked;
    mode = 'on';
    secret = w.secret;
    reporter.conceal([w.secret]);
    let fault: Fault | null = null;
    if (asked !== null && w.session === asked) {
      store?.welcomed(w.acked);
      acknowledge(w.acked);
      if (w.resumed) {
        recovery = { resumed: true, replayed: w.replay ?? 0, at: parts.clock.now() };
      } else {
        // Never backwards: a lower seq here would replay what handlers saw.
        lastSeen = Math.max(lastSeen, w.seq);
        fault = missed(w.reason ?? 'history_gone');
      }
    } else {
      session = w.session;
      lastSeen = w.seq;
      sessionWritten = 0;
      // The first session of this socket (or the first after endSession()) replaces nothing.
      if (asked !== null) fault = replaced(w);
    }
    session = w.session;
    changed();
    const kept = keepSession();
    // A new session is kept before anything is sent in it: a page that dies after a send went
    // must not leave sends the next page takes for never written.
    if (kept === undefined || asked === session) return parts.signal({ type: 'welcome', fault });
    // A wait that outlives its connection (a new hello went since) must not act on the next.
    const at = hellos;
    void kept.then(() => {
      if (at === hellos && !broken) parts.signal({ type: 'welcome', fault });
    });
  };

  /** The reply to this connection's hello. */
  const answer = (envelope: Envelope) => {
    helloId = null;
    if (envelope.type !== DeliveryType.welcome) return parts.signal({ type: 'plain' });
    const data = envelope.data as { v?: unknown; reason?: unknown } | null;
    // Another major version: a server that does not speak this one (the explicit answer).
    if (Number.isSafeInteger(data?.v) && data?.v !== DELIVERY_VERSION)
      return parts.signal({ type: 'plain' });
    if (data?.reason === 'unavailable') {
      // "Try again", not "start over": nothing of this welcome is applied (no acked, no seq, no
      // secret, no flush), whatever else it carries.
      broken = true;
      return parts.signal({
        type: 'delivery-failed',
        fault: reporter.client('session_unavailable', why('store_unavailable')),
      });
    }
    const w = readWelcome(data);
    if (w === undefined) return violated(why('bad_welcome'));
    welcome(w);
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
    overflow(requestId) {
      if (ledger.size < options.maxUnacked) return undefined;
      const cause = why('max_unacked', options.maxUnacked);
      return reporter.report(reporter.client('queue_overflow', cause, requestId));
    },
    number() {
      return ++nextSeq;
    },
    track(frame, receipt) {
      let promise: Promise<Delivered> | undefined;
      if (receipt) {
        promise = new Promise<Delivered>((resolve, reject) => {
          ledger.track(frame, settleWith(resolve, reject));
        });
        // An app that never looks at the receipt must not get an unhandled rejection.
        promise.catch(() => {});
        store?.kept(frame, promise);
      } else ledger.track(frame, null);
      changed();
      return promise;
    },
    forget(seq) {
      ledger.forget(seq);
      store?.dropped(seq);
      changed();
    },
    written(frame) {
      ledger.written(frame.seq, elapsed());
      if (mode === 'plain') {
        ledger.unconfirmWritten();
        return changed();
      }
      if (frame.seq > bound) bound = frame.seq;
      if (frame.seq > sessionWritten) sessionWritten = frame.seq;
      watchAcks();
    },
    hello(send) {
      newConnection();
      const go = () => {
        helloId = `sockguard.hello.${++hellos}`;
        send(helloFrame(session, lastSeen, helloId, secret));
      };
      if (restoring) deferred = go;
      else go();
    },
    inbound(envelope) {
      if (mode === 'plain') return envelope.type.startsWith('sockguard.');
      if (broken) return true;
      const { type } = envelope;
      if (helloId !== null && envelope.meta?.request_id === helloId) {
        answer(envelope);
        return true;
      }
      if (type === DeliveryType.ack) {
        if (!welcomed) return violated(why('early_ack'));
        const ack = readAck(envelope.data)?.seq;
        const wrong = ackViolation(ack, bound);
        if (wrong !== undefined || ack === undefined) return violated(wrong ?? '');
        acknowledge(ack);
        return true;
      }
      // A control frame of a later version, or out of place: never an app message.
      if (type.startsWith('sockguard.')) return true;
      const numbered = readNumbered(envelope, lastSeen);
      if (numbered.kind === 'unnumbered') return false;
      if (!welcomed) return violated(why('early_numbered'));
      if (numbered.kind === 'violation') return violated(numbered.cause);
      // A replayed message the handlers saw already.
      if (numbered.kind === 'duplicate') return true;
      const { seq } = numbered;
      lastSeen = seq;
      store?.seen(seq);
      return false;
    },
    lift() {
      timers.clearAll();
      newConnection();
      const { again, given } = ledger.lift(options.maxResends);
      for (const frame of given) {
        store?.dropped(frame.seq);
        const fault = refuse(frame, 'not_acknowledged', why('max_resends', options.maxResends));
        parts.rejectRequests((seq) => seq === frame.seq, fault);
      }
      if (given.length > 0) changed();
      return again;
    },
    reject(seq, fault) {
      ledger.reject(seq, fault);
      changed();
    },
    discardAll(cause, final) {
      timers.clearAll();
      newConnection();
      const again: NumberedFrame[] = [];
      for (const { frame, sent } of ledger.kept()) {
        // A durable send outlives a suspension (a long outage): it waits for the link like
        // the store does, and goes when the socket connects again.
        if (!final && store?.holds(frame.seq)) {
          again.push(frame);
          continue;
        }
        refuse(frame, 'connection_closed', why(sent ? 'sent_unacked' : 'not_sent', cause));
        store?.dropped(frame.seq);
      }
      parts.requeue(again);
      if (final) store?.stopped();
      changed();
    },
    endSession() {
      settleKept(
        () => true,
        (sent) => why(sent ? 'ended_sent' : 'ended_unsent'),
      );
      const fault = reporter.client('session_changed', why('ended_reply'));
      parts.rejectRequests(() => true, fault);
      // The connection still in the old session is believed no more; the socket leaves it.
      if (helloId !== null || welcomed) broken = true;
      helloId = null;
      timers.clearAll();
      store?.ended();
      session = null;
      secret = undefined;
      lastSeen = 0;
      sessionWritten = 0;
      recovery = null;
      changed();
      parts.leave();
    },
    plain() {
      mode = 'plain';
      newConnection();
      timers.clearAll();
      // Nothing is resumed on a server without sessions: what is kept, and what would be, would be
      // sent twice by the next page. The outbox is let go.
      store?.ended();
      store?.stopped();
      // Written on an earlier connection to a server that spoke delivery then: its fate is not
      // known, and a plain server would not drop a repeat. Unconfirmed, and not sent again.
      const cause = why('went_plain');
      for (const frame of ledger.unconfirmWritten(true)) {
        parts.unqueue(frame);
        // Reported, the fault settles the request it names.
        if (frame.requestId !== undefined)
          reporter.report(reporter.client('connection_closed', cause, frame.requestId));
      }
      changed();
      // Development only, in the form of core/dev.ts that bundlers drop from production builds.
      try {
        if (process.env.NODE_ENV !== 'production') warnPlain();
      } catch {
        warnPlain();
      }
    },
  };
}
