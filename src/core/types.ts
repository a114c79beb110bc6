/**
 * Public types of the connection client (SPEC.md section 3). The contract the react layer builds on.
 */
import type { Envelope, EnvelopeMeta } from '../protocol/envelope.js';
import type { Fault } from '../protocol/fault.js';
import type { DataSchemas, InputsOf, MessagesOf } from '../protocol/standard-schema.js';
import type { ErrorStore } from './error-store/error-store.js';

export type { Envelope, EnvelopeMeta };

/** Lifecycle states. Only the pure transition function in `state.ts` changes them. */
export type SocketStatus = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed' | 'failed';

interface SnapshotCommon {
  /** Connection attempts since the last stable open (reset after `minUptimeMs`) or `reconnect()`. */
  readonly attempt: number;
  /** The last fault that touched the connection, or null. */
  readonly lastFault: Fault | null;
  /** True once the connection has been down longer than `lostAfterMs` (a blip shows no banner). */
  readonly lost: boolean;
  /** True after a long outage (`suspendAfterMs`): queued sends and pending requests were failed. */
  readonly suspended: boolean;
}

/**
 * An immutable snapshot of a socket. A new object only when something changed, so it can be
 * handed to `useSyncExternalStore` as is.
 */
export type SocketSnapshot =
  | (SnapshotCommon & { readonly status: 'idle' })
  | (SnapshotCommon & { readonly status: 'connecting' })
  | (SnapshotCommon & { readonly status: 'open'; readonly openedAt: number })
  | (SnapshotCommon & {
      readonly status: 'reconnecting';
      /** Epoch ms of the next attempt, or null while paused (offline, hidden tab). */
      readonly nextRetryAt: number | null;
    })
  | (SnapshotCommon & { readonly status: 'closed' })
  | (SnapshotCommon & { readonly status: 'failed'; readonly fault: Fault });

/**
 * What a send's receipt resolves with (delivery on): `'acknowledged'` when the server has
 * processed the message, `'unconfirmed'` when it was written to a server that does not speak
 * delivery.
 */
export type Delivered = 'acknowledged' | 'unconfirmed';

/**
 * What `send` did with a message. With delivery on, `delivered` is the receipt: it resolves
 * (every send has one) when the server has processed the message (or, on a server that said it
 * does not speak delivery, once written), and rejects with a `FaultError` once it is known not
 * delivered (close(), a fatal fault, suspension, `maxResends` connections without an ack, or a
 * new session it is not sent in: `session_changed`).
 */
export type SendResult =
  | { readonly status: 'sent'; readonly delivered?: Promise<Delivered> }
  | { readonly status: 'queued'; readonly delivered?: Promise<Delivered> }
  | { readonly status: 'rejected'; readonly fault: Fault };

/** Map of message type to its `data` type, inferred from registered schemas. */
export type MessageMap = object;

/** Handler of inbound messages of one type (or of all with `'*'`). */
export type MessageHandler<E extends Envelope = Envelope> = (envelope: E) => void;

/**
 * A connection client. Framework-free; `subscribe`/`getSnapshot` fit `useSyncExternalStore`.
 * `M` maps message types to their data types (from registered schemas); unknown types carry `unknown`.
 */
export interface Socket<M extends MessageMap = MessageMap> {
  getSnapshot(): SocketSnapshot;
  subscribe(listener: () => void): () => void;
  /** Start connecting (when created with `autoConnect: false`, or again after `close()`). */
  connect(): void;
  /** `data` is the schema's INPUT type (what its transforms start from). */
  send<T extends string>(type: T, data: SendDataOf<M, T>, meta?: EnvelopeMeta): SendResult;
  on<T extends string>(type: T, handler: MessageHandler<EnvelopeOf<M, T>>): () => void;
  /** Retry now and reset the attempt counter (also leaves `failed`). */
  reconnect(): void;
  /** Stop for good: settles every pending request and queued send with a fault. */
  close(code?: number, reason?: string): void;
  /** The error store every fault of this socket goes to. */
  readonly errors: ErrorStore;
}

/**
 * The parts of a socket that do not depend on its message map: what code that manages sockets of
 * any map (the React registry) needs. `Socket<M>` is invariant in `M`, so it is not a `Socket`.
 */
export type AnySocket = Pick<
  Socket,
  'getSnapshot' | 'subscribe' | 'connect' | 'reconnect' | 'close' | 'errors'
>;

/** Where a message map made from schemas records their input types. Types only: no value has it. */
declare const inputs: unique symbol;

/**
 * The message map of a socket made with `schemas` of type `S`: type name to the schema's output
 * (what handlers receive), with the schemas' input types kept beside it under a symbol key for
 * `send`; or the open {@link MessageMap} when no specific schemas were given.
 */
export type SocketMessages<S extends DataSchemas> = string extends keyof S
  ? MessageMap
  : MessagesOf<S> & { readonly [inputs]?: InputsOf<S> };

/** `data` type for message `T`: the schema's output when registered, else `unknown`. */
export type DataOf<M extends MessageMap, T extends string> = T extends keyof M ? M[T] : unknown;

/**
 * `data` a sender gives for message `T`: the schema's INPUT when `M` came from schemas (a
 * transforming schema takes what it transforms from), else {@link DataOf}.
 */
export type SendDataOf<M extends MessageMap, T extends string> = M extends {
  readonly [inputs]?: infer I;
}
  ? T extends keyof NonNullable<I>
    ? NonNullable<I>[T]
    : DataOf<M, T>
  : DataOf<M, T>;

/** The envelope a handler of `T` receives (`'*'` receives every envelope). */
export type EnvelopeOf<M extends MessageMap, T extends string> = T extends '*'
  ? Envelope
  : Envelope<T, DataOf<M, T>>;
