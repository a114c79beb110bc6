/**
 * The delivery extension of the protocol (SPEC.md section 7, docs/protocol.md "Delivery"): the
 * control envelopes `sockguard.hello`, `sockguard.welcome` and `sockguard.ack`, and `meta.seq`.
 * Pure readers and builders shared by the client, `sockguard/server` and the testing kit, so the
 * three cannot drift apart. Readers never throw: a malformed control frame reads as `undefined`.
 */
import type { Envelope } from './envelope.js';

/** The version of the delivery extension this code speaks. */
export const DELIVERY_VERSION = 1;

/** Envelope types of the extension. The `sockguard.` prefix is reserved for them. */
export const DeliveryType = {
  hello: 'sockguard.hello',
  welcome: 'sockguard.welcome',
  ack: 'sockguard.ack',
} as const;

/** Why a server could not resume a session (`welcome.data.reason`). */
export type ResumeFailure =
  /** The server does not know the session (it expired, or another instance without shared history). */
  | 'unknown_session'
  /** The session is known but messages after `last_seq` are no longer in its history. */
  | 'history_gone'
  /**
   * The history store cannot be read right now (Redis down, say): nothing was resumed and nothing
   * of the session is served on this connection, which the server closes (1013). Try again later:
   * it does not mean "start over".
   */
  | 'unavailable'
  /**
   * The session belongs to another principal (a user switch in the same tab): nothing of it is
   * resumed, replayed or disturbed; this connection got a new session. What the client kept for
   * the old session must not be sent in the new one.
   */
  | 'other_principal';

/** `data` of `sockguard.hello`, the first frame of every connection with delivery on. */
export interface HelloData {
  readonly v: number;
  /** The session id of the last welcome, or null on the first connection of a client. */
  readonly session: string | null;
  /** The highest server `seq` the client's handlers have seen in that session (0: none). */
  readonly last_seq: number;
  /**
   * The session's resume secret, from its welcome: a session id alone (it may be logged) never
   * resumes a session. Absent on the first connection.
   */
  readonly secret?: string;
}

/** `data` of `sockguard.welcome`, the server's reply to a hello (same `meta.request_id`). */
export interface WelcomeData {
  readonly v: number;
  /** The session this connection belongs to: the one asked for, or a new one. */
  readonly session: string;
  /**
   * True: every server message after the hello's `last_seq` follows, in order (the replay, then
   * live ones). False: the session is new, or its history cannot serve the gap.
   */
  readonly resumed: boolean;
  /** The last `seq` the server assigned in this session (0 in a new one). */
  readonly seq: number;
  /** The highest client `seq` the server has processed in this session (0: none). */
  readonly acked: number;
  /** How many messages the replay holds (resumed only). */
  readonly replay?: number;
  /** Why the session was not resumed, when the client asked for one. */
  readonly reason?: ResumeFailure;
  /**
   * The session's resume secret: the client sends it back in every later hello. Never logged,
   * never shown; the server keeps only a hash of it.
   */
  readonly secret: string;
}

/** `data` of `sockguard.ack`: every client frame with `seq` up to this one is processed. */
export interface AckData {
  readonly seq: number;
}

/** A seq, an ack's or a count: a safe integer, 0 or more. */
export const isSeq = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const FAILURES: readonly string[] = [
  'unknown_session',
  'history_gone',
  'unavailable',
  'other_principal',
];
/** A secret is an opaque printable string of a sane length. */
export const isSecret = (value: unknown): value is string =>
  typeof value === 'string' && value.length >= 1 && value.length <= 512;

/** `meta.seq` of an envelope when it is a positive safe integer, else undefined. */
export function seqOf(envelope: Envelope): number | undefined {
  const seq = envelope.meta?.seq;
  return isSeq(seq) && seq > 0 ? seq : undefined;
}

/** Reads the `data` of a hello, or undefined when it is malformed. */
export function readHello(data: unknown): HelloData | undefined {
  if (!isObject(data) || !isSeq(data.v) || !isSeq(data.last_seq)) return undefined;
  const session = data.session ?? null;
  if (session !== null && (typeof session !== 'string' || session === '')) return undefined;
  const secret = data.secret;
  if (secret !== undefined && !isSecret(secret)) return undefined;
  return {
    v: data.v,
    session,
    last_seq: data.last_seq,
    ...(secret === undefined ? {} : { secret }),
  };
}

/** Reads the `data` of a welcome, or undefined when it is malformed. */
export function readWelcome(data: unknown): WelcomeData | undefined {
  if (!isObject(data) || !isSeq(data.v) || typeof data.session !== 'string') return undefined;
  if (data.session === '' || typeof data.resumed !== 'boolean') return undefined;
  if (!isSeq(data.seq) || !isSeq(data.acked) || !isSecret(data.secret)) return undefined;
  const replay = isSeq(data.replay) ? data.replay : undefined;
  const reason =
    typeof data.reason === 'string' && FAILURES.includes(data.reason)
      ? (data.reason as ResumeFailure)
      : undefined;
  return {
    v: data.v,
    session: data.session,
    resumed: data.resumed,
    seq: data.seq,
    acked: data.acked,
    secret: data.secret,
    ...(replay === undefined ? {} : { replay }),
    ...(reason === undefined ? {} : { reason }),
  };
}

/** Reads the `data` of an ack, or undefined when it is malformed. */
export function readAck(data: unknown): AckData | undefined {
  return isObject(data) && isSeq(data.seq) ? { seq: data.seq } : undefined;
}

/**
 * The hello frame (JSON text) a client sends first on every connection; `secret` is the resume
 * secret of `session` (from its welcome).
 */
export function helloFrame(
  session: string | null,
  lastSeq: number,
  requestId: string,
  secret?: string,
): string {
  const data: HelloData =
    session === null || secret === undefined
      ? { v: DELIVERY_VERSION, session, last_seq: lastSeq }
      : { v: DELIVERY_VERSION, session, last_seq: lastSeq, secret };
  return JSON.stringify({ type: DeliveryType.hello, data, meta: { request_id: requestId } });
}

/** The welcome frame (JSON text) a server answers a hello with. */
export function welcomeFrame(data: Omit<WelcomeData, 'v'>, requestId: string | undefined): string {
  const body = { v: DELIVERY_VERSION, ...data };
  return JSON.stringify(
    requestId === undefined
      ? { type: DeliveryType.welcome, data: body }
      : { type: DeliveryType.welcome, data: body, meta: { request_id: requestId } },
  );
}

/** The ack frame (JSON text) a server acknowledges client frames with. */
export function ackFrame(seq: number): string {
  return JSON.stringify({ type: DeliveryType.ack, data: { seq } });
}
