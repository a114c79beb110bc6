/**
 * How features plug into a socket from outside the core (delivery, request/response, schemas, tab
 * sharing): an {@link Extension} sees the points of a socket's life that a feature needs, and the
 * {@link Host} is what the socket lets it do. The core names no feature: it imports none of their
 * files, not even their types, so an app pays only for the features it imports.
 */
import type { Envelope, EnvelopeMeta } from '../protocol/envelope.js';
import type { Fault } from '../protocol/fault.js';
import type { FaultInput } from '../protocol/fault-input.js';
import { why } from '../protocol/why.js';
import type { Clock } from './clock.js';
import type { SendResult, Socket, SocketSnapshot } from './types.js';

/** A frame on its way out: its text, and the ids features follow it by. */
export interface Frame {
  readonly text: string;
  /** `meta.request_id`, when the frame is a request. */
  readonly requestId?: string | undefined;
  /**
   * The number an extension follows the frame by: `meta.seq` when it went on the wire, else the one
   * it {@link Accepted stamped} (delivery on a plain server keeps its books without the number).
   */
  seq?: number | undefined;
  /**
   * An extension holds the frame off the wire until it clears this and calls `flush` (a durable
   * outbox in a SharedWorker, until the send is kept on the device); frames behind it wait too.
   */
  wait?: boolean | undefined;
}

/**
 * Called with the frame an extension's {@link Extension.outbound} saw serialized, before it is
 * handed to the queue (which may write it at once); what it returns is the send's receipt. The
 * extension may stamp the frame's `seq` here (a number it keeps off the wire).
 */
export type Accepted = (frame: Frame) => Promise<'acknowledged' | 'unconfirmed'> | undefined;

/**
 * Which pending work a {@link Host.settle} names: the frame of a piece of work (undefined when it
 * has none yet) and whether it was written.
 */
export type WorkMatch = (frame: Frame | undefined, sent: boolean) => boolean;

/** What a socket lets its extensions do. */
export interface Host {
  readonly clock: Clock;
  /** Monotonic ms: what delays and windows are measured on. */
  readonly elapsed: () => number;
  /** The socket the extension serves (to key what it shows the app, e.g. a WeakMap). */
  readonly socket: Socket;
  /** The options the socket was made with (a feature reads its own, e.g. `requestTimeoutMs`). */
  readonly options: { readonly requestTimeoutMs?: number | undefined };
  /** Sends an app envelope as `socket.send` does (other extensions see it); `frame` when serialized. */
  send(
    type: string,
    data: unknown,
    meta?: EnvelopeMeta,
  ): { readonly result: SendResult; readonly frame?: Frame };
  /** Writes `text` on the open connection now, before any queued send; false when none is open. */
  write(text: string): boolean;
  /** A failure classified with the socket's overrides and texts (not reported). */
  fault(input: FaultInput): Fault;
  /** Reports a fault to the socket's error store (and tells every extension). */
  report(fault: Fault): Fault;
  /** Strings never to show (a resume secret): redacted from every fault the socket makes from now on. */
  conceal(secrets: readonly string[]): void;
  /**
   * Pending work the extension cannot answer for any more (the replies of requests whose server
   * session is gone) fails with `fault`: the other extensions settle what `match` names.
   */
  settle(fault: Fault, match: WorkMatch): void;
  /**
   * Sends held since the open may go (an extension that holds them says when); `fault`, when
   * given, is reported and shown as the snapshot's `lastFault` (a resync the app must act on).
   */
  ready(fault?: Fault): void;
  /**
   * The connection is unusable: it is left with `fault` (made with {@link fault}), retried by the
   * policy. `dead`: the link broke (frames in its buffer never left).
   */
  drop(fault: Fault, dead: boolean): void;
  /** Writes what the queue holds, as far as the connection takes it. */
  flush(): void;
  /** Frames that go first on the next connection, in order. */
  requeue(frames: readonly Frame[]): void;
  /** Cancels a frame: out of the send queue, and every extension forgets it (`refused`). */
  unqueue(frame: Frame): void;
  /** Whether a frame waits in the send queue. */
  queued(frame: Frame): boolean;
  /** The socket's snapshot now. */
  snapshot(): SocketSnapshot;
  /** A fresh id unique to the socket (request ids). */
  id(): string;
  /** Runs app code: a throw becomes a reported `callback_error` fault and `fallback` is returned. */
  isolate<T>(what: string, callback: () => T, fallback: T): T;
  /** Adds an extension to the socket now (a feature used for the first time). */
  use(extension: Extension): void;
}

/** The points of a socket's life a feature may act on. Every member is optional. */
export interface Extension {
  /** A connection opened, before any queued send goes (a gating extension says hello here). */
  open?(): void;
  /**
   * An inbound envelope, before the heartbeat, error handling and handlers: `null` stops it there,
   * an envelope goes on in its place (validated data), `undefined` lets it go on as it is.
   */
  inbound?(envelope: Envelope): Envelope | null | undefined;
  /**
   * An app envelope is being sent: the extension may add to `meta` (a `seq`) before it is
   * serialized, and return what to do once the frame is accepted (its receipt), or a fault (made
   * and reported) to refuse the send with.
   */
  outbound?(meta: Record<string, unknown>): Accepted | Fault | undefined;
  /** A frame was written to the connection. */
  written?(frame: Frame): void;
  /** A frame was refused (queue full) or cancelled (its request settled): forget it. */
  refused?(frame: Frame): void;
  /**
   * The connection is gone. `dead`: the link broke; `stop`: the socket stops for good. Returns the
   * frames to send first on the next connection.
   */
  closed?(dead: boolean, stop: boolean): readonly Frame[] | undefined;
  /** The link was lost with `fault`: work on the wire settles by the extension's rule. */
  lost?(fault: Fault): void;
  /**
   * Work settles with `fault`: every piece of it when nothing more goes out (close(), a fatal
   * fault, suspension: no `match`), or what `match` names (another extension's {@link Host.settle}).
   */
  settle?(fault: Fault, match?: WorkMatch): void;
  /** A fault was reported (one that names a request settles it). */
  reported?(fault: Fault): void;
}

/**
 * The cause to give work that a stop ends: the stop's own (`close()`, suspension: a
 * `connection_closed` fault of the client) or, for a fatal fault, that the connection failed and
 * how: never the fault's user text, which describes the fault and not this work.
 */
export const endedBy = (stop: Fault): string =>
  stop.code === 'connection_closed'
    ? (stop.detail.cause ?? stop.message)
    : why('failed', `${stop.source} ${stop.code}`);

/**
 * What makes an extension for one socket: `delivery()` returns one. `gates`: the extension holds
 * sends after every open until it calls {@link Host.ready}.
 */
export interface ExtensionFactory {
  readonly gates?: boolean;
  create(host: Host): Extension;
}

/**
 * What wraps socket creation from outside the core (tab sharing): given the options and the
 * core's own factory, it returns the socket to use, or undefined to let the core make its own.
 */
export interface SocketWrapper {
  wrap(options: object, make: (options: object) => Socket): Socket | undefined;
}

const HOST: unique symbol = Symbol.for('sockguard.host');

/** @internal Where a socket keeps its host, for features used through a function (`request`). */
export type Hosted = { readonly [HOST]?: Host };

/** @internal Attaches `host` to `socket`. */
export const attachHost = (socket: object, host: Host): void => {
  Object.defineProperty(socket, HOST, { value: host });
};

/** The host of a socket (made by `createSocket` or a tab-sharing socket); throws for anything else. */
export function hostOf(socket: object): Host {
  const host = (socket as Hosted)[HOST];
  if (host === undefined) throw new TypeError('sockguard: not a socket made by createSocket');
  return host;
}
