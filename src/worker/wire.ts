/**
 * What a tab and the SharedWorker holding the shared socket say over the tab's MessagePort
 * (SPEC.md section 8, issue 21), and the tab's check of what the worker says (the hub's check of
 * what tabs say is tab-messages.ts, so that tabs do not download it; both are made of
 * wire-check.ts). Neither side trusts the other (another version of the app, a bug, a hostile
 * script of the same origin): a message that is not exactly one of these is dropped and
 * reported, never acted on. A problem names the path of the bad field (`welcome.pingMs`).
 *
 * Every message carries `v` (the wire's version): a tab and a worker of different versions (a
 * deploy between two page loads) refuse each other's messages instead of misreading them.
 */

import type { BackoffInput } from '../core/backoff.js';
import type { FaultContext } from '../core/error-store/error-store.js';
import type { Delivered, SocketSnapshot } from '../core/types.js';
import type { DeliverySnapshot } from '../delivery/delivery.js';
import type { OutboxSnapshot } from '../outbox/channel.js';
import type { Envelope } from '../protocol/envelope.js';
import type { Fault } from '../protocol/fault.js';
import {
  type Checks,
  FAULT,
  ID,
  ms,
  NUMBER,
  OBJECT,
  oneOf,
  opt,
  type Read,
  read,
  SNAPSHOT,
  STRING,
  shape,
  TEXT,
  WIRE_VERSION,
} from './wire-check.js';

export { type Read, WIRE_VERSION };

/**
 * The longest ping interval a worker may say it keeps (`welcome.pingMs`): a tab waits for two of
 * them before judging the worker dead, so this bounds how long a dead worker holds a tab's work.
 */
export const MAX_PING_MS = 60_000;

/** The part of `MessagePort` both sides use (a browser's, Node's, or a test's in-memory one). */
export interface PortLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void;
  removeEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void;
  /** Needed by ports listened to with `addEventListener` (a no-op elsewhere). */
  start?(): void;
  close(): void;
}

/** The page-only options: functions that run in a tab, asked over its port. */
export const QUESTIONS = ['url', 'protocols', 'refreshAuth', 'backoff'] as const;
/** A page-only option. */
export type Question = (typeof QUESTIONS)[number];

/**
 * The cloneable options a tab asks the shared socket to run with. A page-only function is sent as
 * a mark, `{ $fn: its source text }`, so that tabs with different functions are told apart.
 */
export type WireOptions = Readonly<Record<string, unknown>>;

/** A tab's browser conditions, as the worker aggregates them. */
export interface TabConditions {
  readonly visible: boolean;
  readonly online: boolean;
}

/** What a tab says to the worker. `id`s are the tab's own, unique among its pending work. */
export type TabMessage =
  /** Join the socket named `key` (made with `options` if it does not exist yet). */
  | ({
      readonly v: 1;
      readonly t: 'hello';
      readonly key: string;
      readonly options: WireOptions;
    } & TabConditions)
  | {
      readonly v: 1;
      readonly t: 'send';
      readonly id: number;
      readonly type: string;
      readonly data: unknown;
      readonly meta?: Readonly<Record<string, unknown>> | undefined;
      /**
       * With a durable outbox: the tab's random mark of this send, its id on the device. A new
       * worker that finds it kept (the old one's word of it lost in its crash) follows it instead
       * of sending it again.
       */
      readonly tag?: string | undefined;
    }
  | {
      readonly v: 1;
      readonly t: 'request';
      readonly id: number;
      readonly type: string;
      readonly data: unknown;
      /** Absent: the socket's `requestTimeoutMs`; `null`: never (Infinity does not clone to JSON). */
      readonly timeoutMs?: number | null | undefined;
      readonly retryOnReconnect?: boolean | undefined;
    }
  | { readonly v: 1; readonly t: 'abort'; readonly id: number }
  /**
   * With a durable outbox, to a new worker: this tab's send `id`, kept on the device as `kept`
   * (told by `durable`), is not sent again but followed: the new worker's outbox sends it.
   */
  | { readonly v: 1; readonly t: 'adopt'; readonly id: number; readonly kept: string }
  /** The app gives up a kept send (`outboxOf(socket).discard`), or all (`clear`). */
  | { readonly v: 1; readonly t: 'discard'; readonly kept: string }
  | { readonly v: 1; readonly t: 'clear' }
  /** With delivery: the app ends the session (`deliveryOf(socket).endSession()`, a logout). */
  | { readonly v: 1; readonly t: 'end' }
  | { readonly v: 1; readonly t: 'reconnect' }
  /** This tab leaves (its `close()`, or `pagehide`). */
  | { readonly v: 1; readonly t: 'bye' }
  | { readonly v: 1; readonly t: 'pong'; readonly n: number }
  | ({ readonly v: 1; readonly t: 'conditions' } & TabConditions)
  /** The answer to a page-only question: the function's value, or what it threw. */
  | { readonly v: 1; readonly t: 'answer'; readonly q: number; readonly value: unknown }
  | {
      readonly v: 1;
      readonly t: 'answer';
      readonly q: number;
      readonly error: string;
      readonly unauthorized: boolean;
    };

/** What the worker says to a tab. */
export type WorkerMessage =
  /** Joined. `pingMs`: the worker pings this often (a tab waits two intervals before judging it dead). */
  | {
      readonly v: 1;
      readonly t: 'welcome';
      readonly snapshot: SocketSnapshot;
      readonly pingMs: number;
    }
  /** The socket of this key runs with other options: the fault names them. */
  | { readonly v: 1; readonly t: 'refused'; readonly fault: Fault }
  | { readonly v: 1; readonly t: 'snapshot'; readonly snapshot: SocketSnapshot }
  /** An inbound envelope; `reply`: it answers this tab's request of that id. */
  | {
      readonly v: 1;
      readonly t: 'message';
      readonly envelope: Envelope;
      readonly reply?: number | undefined;
    }
  /** A fault for this tab's store (a connection fault goes to every tab, one of its work to it). */
  | {
      readonly v: 1;
      readonly t: 'fault';
      readonly fault: Fault;
      readonly context: FaultContext;
    }
  /** The socket opened: its connection faults are over (the store's `resolveConnection`). */
  | { readonly v: 1; readonly t: 'resolve'; readonly origin: string }
  | { readonly v: 1; readonly t: 'dismiss'; readonly id: string }
  /**
   * A send settled: written to the connection (without delivery), its receipt (`delivered`, with
   * delivery), or failed with `fault` (stored by its `fault` message).
   */
  | {
      readonly v: 1;
      readonly t: 'sent';
      readonly id: number;
      readonly fault?: Fault | undefined;
      readonly delivered?: Delivered | undefined;
    }
  /** With a durable outbox: the send `id` is kept on the device as `kept` (null: it could not be). */
  | { readonly v: 1; readonly t: 'outbox'; readonly id: number; readonly kept: string | null }
  /** With delivery: its snapshot (what `deliveryOf(socket)` shows in every tab). */
  | { readonly v: 1; readonly t: 'delivery'; readonly snapshot: DeliverySnapshot }
  /** With a durable outbox: its snapshot (what `outboxOf(socket)` shows in every tab). */
  | { readonly v: 1; readonly t: 'outbox'; readonly snapshot: OutboxSnapshot }
  /** A request failed (its reply comes as a `message` with `reply`). */
  | { readonly v: 1; readonly t: 'failed'; readonly id: number; readonly fault: Fault }
  /** A page-only question; `input`: what `backoff` is asked with (the others take none). */
  | {
      readonly v: 1;
      readonly t: 'ask';
      readonly q: number;
      readonly what: Question;
      readonly input?: BackoffInput | undefined;
    }
  | { readonly v: 1; readonly t: 'ping'; readonly n: number }
  /** The worker stopped counting this tab (it did not answer in time): say hello again. */
  | { readonly v: 1; readonly t: 'dropped' };

const WORKER_CHECKS: Checks = {
  welcome: shape({ snapshot: SNAPSHOT, pingMs: ms(10, MAX_PING_MS) }),
  refused: shape({ fault: FAULT }),
  snapshot: shape({ snapshot: SNAPSHOT }),
  message: shape({ envelope: shape({ type: TEXT, meta: opt(OBJECT) }), reply: opt(ID) }),
  fault: shape({ fault: FAULT, context: OBJECT }),
  resolve: shape({ origin: STRING }),
  dismiss: shape({ id: TEXT }),
  sent: shape({ id: ID, fault: opt(FAULT), delivered: opt(oneOf('acknowledged', 'unconfirmed')) }),
  failed: shape({ id: ID, fault: FAULT }),
  // Delivery's and the durable outbox's sides in the tab check these themselves (only their
  // users ship the checks).
  delivery: OBJECT,
  outbox: OBJECT,
  ask: shape({
    q: ID,
    what: oneOf(...QUESTIONS),
    input: opt(shape({ attempt: ID, fault: FAULT, hintMs: NUMBER, random: NUMBER })),
  }),
  ping: shape({ n: ID }),
  dropped: OBJECT,
};

/** Checks what the worker sent a tab. */
export const readWorkerMessage = (data: unknown): Read<WorkerMessage> => read(data, WORKER_CHECKS);

/** Posts `message`; false when the port is closed or the message cannot be cloned. */
export function post(port: PortLike, message: TabMessage | WorkerMessage): boolean {
  try {
    port.postMessage(message);
    return true;
  } catch {
    return false;
  }
}
