/**
 * The server side of delivery for a scenario (docs/protocol.md "Delivery", rules of the server
 * side): sessions with their numbering, history and `acked` counter, welcomes and replays,
 * cumulative acks and dropped duplicates, plus the knobs a test turns (held acks, a resume made
 * to fail). As `sockguard/server` does, a session belongs to a principal and resumes only with its
 * secret: a hello with a wrong or missing secret gets a new session (`unknown_session`), one
 * naming another principal's session a new session (`other_principal`), neither disturbing the
 * session asked for; `unavailable` is a welcome then a close 1013, and nothing of that connection
 * is processed. The wire rules live in `protocol/delivery.ts`; this file keeps the books. It holds
 * no timer and knows nothing of msw: the scenario hands it connections and a way to write to them.
 */
import {
  ackFrame,
  DELIVERY_VERSION,
  DeliveryType,
  type ResumeFailure,
  readHello,
  seqOf,
  type WelcomeData,
  welcomeFrame,
} from '../protocol/delivery.js';
import type { WireEnvelope } from '../protocol/envelope.js';
import { buildErrorEnvelope } from '../server/envelope.js';

/** Options of a scenario's delivery (`createScenario(url, { delivery: { … } })`). */
export interface DeliveryScenarioOptions {
  /**
   * Messages kept per session for replay; a client that missed more resumes with
   * `resumed: false, reason: 'history_gone'`. @default 1000
   */
  readonly historyLimit?: number;
  /**
   * Who is on a connection, from its URL (the token a test put in it): each session belongs to the
   * principal of the connection that started it, and a hello naming it from another principal's
   * connection gets a new session with `reason: 'other_principal'`. Default: one principal for
   * every connection.
   */
  readonly principal?: (url: URL) => string | undefined;
}

/** How the scenario writes to and closes its connections. */
export interface DeliveryWire<C> {
  write(connection: C, text: string): void;
  live(connection: C): boolean;
  close(connection: C, code: number, reason: string): void;
  /** Closes once what was written before has gone out. */
  closeAfterWrites(connection: C, code: number, reason: string): void;
  /** The URL the connection was opened with. */
  url(connection: C): URL;
}

/** What the scenario does with a client envelope once delivery has seen it. */
export type Verdict =
  /**
   * A delivery control frame (a hello): answered here, not an application frame; or any frame of
   * a connection whose session could not be read (`unavailable`): nothing of it is processed.
   */
  | 'control'
  /** A numbered frame the session processed already: acknowledged again, not processed. */
  | 'duplicate'
  /** An application frame to record and answer. */
  | 'process';

interface Session<C> {
  readonly id: string;
  /** The last server `seq` assigned. */
  seq: number;
  /** The highest client `seq` processed. */
  acked: number;
  /** The highest client `seq` an ack told the client about. */
  ackSent: number;
  /** Numbered messages as first sent, oldest first, at most `historyLimit`. */
  history: Array<{ readonly seq: number; readonly text: string }>;
  connection: C | null;
  readonly secret: string;
  /** The principal of the connection that started it: only its connections resume it. */
  readonly principal: string | undefined;
}

/**
 * A connection before its first frame (application sends wait), plain, in a session, or refused
 * (its session could not be read: nothing of it is processed until it closes).
 */
type Peer<C> =
  | { readonly state: 'pending'; readonly backlog: WireEnvelope[] }
  | { readonly state: 'plain' }
  | { readonly state: 'refused' }
  | { readonly state: 'session'; readonly session: Session<C> };

/** The delivery side of one scenario. */
export interface DeliverySessions<C extends object> {
  /** Welcomes answered so far, in order. */
  readonly welcomes: readonly WelcomeData[];
  /** Numbered client frames dropped as duplicates, in order. */
  readonly duplicates: readonly WireEnvelope[];
  opened(connection: C): void;
  closed(connection: C): void;
  /** Reads a client envelope: answers hellos, acknowledges numbered frames, spots duplicates. */
  inbound(connection: C, envelope: WireEnvelope): Verdict;
  /** An application message to every session (connected or not, kept for replay) and connection. */
  broadcast(envelope: WireEnvelope): void;
  /**
   * The text of a message meant for one connection (an error envelope): numbered and kept when
   * the connection is its session's current one, as is otherwise.
   */
  textFor(connection: C, envelope: WireEnvelope): string;
  /** A reply to a frame that came on `connection`: to its session even if it reconnected since. */
  reply(connection: C, envelope: WireEnvelope): void;
  holdAcks(): void;
  releaseAcks(): void;
  failNextResume(reason: ResumeFailure): void;
}

const withSeq = (envelope: WireEnvelope, seq: number): string =>
  JSON.stringify({ ...envelope, meta: { ...envelope.meta, seq } });

/** The delivery books of a scenario. */
export function createDeliverySessions<C extends object>(
  wire: DeliveryWire<C>,
  options: DeliveryScenarioOptions = {},
): DeliverySessions<C> {
  const historyLimit = options.historyLimit ?? 1000;
  const principalOf = (connection: C) => options.principal?.(wire.url(connection));
  if (!Number.isSafeInteger(historyLimit) || historyLimit < 0) {
    throw new TypeError(
      `createScenario: delivery.historyLimit must be a whole number >= 0, got ${String(historyLimit)}`,
    );
  }
  const sessions = new Map<string, Session<C>>();
  const peers = new Map<C, Peer<C>>();
  // Kept after a close: a reply computed after the link dropped still goes to its session.
  const sessionOf = new WeakMap<C, Session<C>>();
  const welcomes: WelcomeData[] = [];
  const duplicates: WireEnvelope[] = [];
  let sessionCount = 0;
  let held = false;
  let failNext: ResumeFailure | null = null;

  const number = (session: Session<C>, envelope: WireEnvelope): string => {
    session.seq += 1;
    const text = withSeq(envelope, session.seq);
    session.history.push({ seq: session.seq, text });
    if (session.history.length > historyLimit) session.history.shift();
    return text;
  };

  const current = (session: Session<C>): C | null =>
    session.connection !== null && wire.live(session.connection) ? session.connection : null;

  /** Numbers and keeps `envelope`, and writes it when the session has a live connection. */
  const sendToSession = (session: Session<C>, envelope: WireEnvelope) => {
    const text = number(session, envelope);
    const connection = current(session);
    if (connection !== null) wire.write(connection, text);
  };

  const ack = (session: Session<C>, connection: C, again: boolean) => {
    if (held || !wire.live(connection)) return;
    if (!again && session.acked <= session.ackSent) return;
    session.ackSent = Math.max(session.ackSent, session.acked);
    wire.write(connection, ackFrame(session.acked));
  };

  /** Whether the history holds every message after `lastSeq`. */
  const canReplay = (session: Session<C>, lastSeq: number): boolean => {
    if (lastSeq > session.seq) return false;
    if (lastSeq === session.seq) return true;
    const oldest = session.history[0];
    return oldest !== undefined && oldest.seq <= lastSeq + 1;
  };

  const attach = (connection: C, session: Session<C>) => {
    const previous = session.connection;
    if (previous !== null && previous !== connection && wire.live(previous)) {
      // One connection per session: the older one is left by the server.
      wire.close(previous, 1000, 'Replaced by a newer connection');
    }
    session.connection = connection;
    session.ackSent = session.acked;
    peers.set(connection, { state: 'session', session });
    sessionOf.set(connection, session);
  };

  const welcome = (
    connection: C,
    data: Omit<WelcomeData, 'v'>,
    requestId: string | undefined,
  ): void => {
    welcomes.push({ v: DELIVERY_VERSION, ...data });
    wire.write(connection, welcomeFrame(data, requestId));
  };

  const start = (
    connection: C,
    requestId: string | undefined,
    reason: ResumeFailure | undefined,
    backlog: readonly WireEnvelope[],
  ) => {
    sessionCount += 1;
    const session: Session<C> = {
      id: `s${sessionCount}`,
      seq: 0,
      acked: 0,
      ackSent: 0,
      history: [],
      connection: null,
      secret: `secret-${sessionCount}`,
      principal: principalOf(connection),
    };
    sessions.set(session.id, session);
    attach(connection, session);
    const data = { session: session.id, resumed: false, seq: 0, acked: 0, secret: session.secret };
    welcome(connection, reason === undefined ? data : { ...data, reason }, requestId);
    // What was sent before this client said who it is belongs to its new session.
    for (const envelope of backlog) sendToSession(session, envelope);
  };

  const hello = (connection: C, envelope: WireEnvelope, backlog: readonly WireEnvelope[]) => {
    const rawId = envelope.meta?.request_id;
    const requestId = typeof rawId === 'string' ? rawId : undefined;
    const read = readHello(envelope.data);
    if (read === undefined) {
      // As sockguard/server does: a malformed hello makes a plain connection, told why.
      peers.set(connection, { state: 'plain' });
      const error = buildErrorEnvelope(4000, 'Bad request: malformed sockguard.hello', {
        requestId,
      });
      wire.write(connection, JSON.stringify(error));
      return;
    }
    if (read.session === null) return start(connection, requestId, undefined, backlog);
    const known = sessions.get(read.session);
    let reason: ResumeFailure | undefined;
    if (known !== undefined && failNext !== null) {
      reason = failNext;
      failNext = null;
    }
    if (reason === 'unavailable') {
      // The store could not be read: a welcome that says so, then a close; nothing more of this
      // connection is processed, and the session is left as it is.
      peers.set(connection, { state: 'refused' });
      const data = { session: read.session, resumed: false, seq: 0, acked: 0 };
      welcome(connection, { ...data, reason, secret: read.secret ?? 'unavailable' }, requestId);
      wire.closeAfterWrites(connection, 1013, 'Session store unavailable: try again later');
      return;
    }
    // A session id alone resumes nothing: without its secret it is a session this server does
    // not know. The session asked for is left as it is, its connection undisturbed.
    if (known === undefined || read.secret !== known.secret) {
      return start(connection, requestId, 'unknown_session', backlog);
    }
    if (reason === 'other_principal' || known.principal !== principalOf(connection)) {
      return start(connection, requestId, 'other_principal', backlog);
    }
    if (reason === 'unknown_session') {
      sessions.delete(known.id);
      return start(connection, requestId, 'unknown_session', backlog);
    }
    if (reason === 'history_gone') known.history = [];
    if (reason === undefined && !canReplay(known, read.last_seq)) reason = 'history_gone';
    attach(connection, known);
    const data = { session: known.id, seq: known.seq, acked: known.acked, secret: known.secret };
    if (reason !== undefined) {
      welcome(connection, { ...data, resumed: false, reason }, requestId);
      return;
    }
    const replay = known.history.filter((entry) => entry.seq > read.last_seq);
    welcome(connection, { ...data, resumed: true, replay: replay.length }, requestId);
    // The backlog is already in the session's history: replayed or live, never twice.
    for (const entry of replay) wire.write(connection, entry.text);
  };

  const numbered = (connection: C, session: Session<C>, envelope: WireEnvelope): Verdict => {
    const seq = seqOf(envelope);
    if (seq === undefined) return 'process';
    if (seq <= session.acked) {
      duplicates.push(envelope);
      ack(session, connection, true);
      return 'duplicate';
    }
    // Not `acked + 1`: a gap is a send the client gave up on before it left (protocol rule 2).
    session.acked = seq;
    ack(session, connection, false);
    return 'process';
  };

  return {
    welcomes,
    duplicates,
    opened(connection) {
      peers.set(connection, { state: 'pending', backlog: [] });
    },
    closed(connection) {
      const peer = peers.get(connection);
      peers.delete(connection);
      if (peer?.state === 'session' && peer.session.connection === connection) {
        peer.session.connection = null;
      }
    },
    inbound(connection, envelope) {
      const peer = peers.get(connection) ?? { state: 'plain' };
      if (peer.state === 'refused') return 'control';
      if (envelope.type === DeliveryType.hello) {
        hello(connection, envelope, peer.state === 'pending' ? peer.backlog : []);
        return 'control';
      }
      if (envelope.type.startsWith('sockguard.')) return 'control';
      if (peer.state === 'session') return numbered(connection, peer.session, envelope);
      if (peer.state === 'pending') {
        // A client that does not speak delivery: what waited goes out as is.
        peers.set(connection, { state: 'plain' });
        for (const waiting of peer.backlog) wire.write(connection, JSON.stringify(waiting));
      }
      return 'process';
    },
    broadcast(envelope) {
      for (const session of sessions.values()) sendToSession(session, envelope);
      for (const [connection, peer] of peers) {
        if (peer.state === 'pending') peer.backlog.push(envelope);
        else if (peer.state === 'plain' && wire.live(connection)) {
          wire.write(connection, JSON.stringify(envelope));
        }
      }
    },
    textFor(connection, envelope) {
      const session = sessionOf.get(connection);
      return session !== undefined && session.connection === connection
        ? number(session, envelope)
        : JSON.stringify(envelope);
    },
    reply(connection, envelope) {
      const session = sessionOf.get(connection);
      if (session !== undefined && sessions.get(session.id) === session) {
        sendToSession(session, envelope);
      } else if (wire.live(connection)) wire.write(connection, JSON.stringify(envelope));
    },
    holdAcks() {
      held = true;
    },
    releaseAcks() {
      held = false;
      for (const session of sessions.values()) {
        const connection = current(session);
        if (connection !== null) ack(session, connection, false);
      }
    },
    failNextResume(reason) {
      failNext = reason;
    },
  };
}
