/**
 * The public face of a socket: what callers can do (send, request, subscribe). The connection's
 * life is in `socket.ts`; this file only checks arguments and hands frames to the outbox.
 */
import type { Envelope } from '../protocol/envelope.js';
import type { Fault } from '../protocol/fault.js';
import { FaultError } from '../protocol/fault-error.js';
import { type StandardSchemaV1, validateData } from '../protocol/standard-schema.js';
import { type Delivery, NO_DELIVERY } from './delivery/delivery.js';
import type { ErrorStore } from './error-store/error-store.js';
import type { Handlers } from './handlers.js';
import { checkGiven, type Rule } from './option-checks.js';
import type { Outbox } from './outbox.js';
import type { Reporter } from './reporter.js';
import type { ReplyCheck, Requests } from './requests.js';
import type {
  EnvelopeMeta,
  MessageHandler,
  MessageMap,
  RequestOptions,
  SendResult,
  Socket,
  SocketSnapshot,
} from './types.js';

export interface SocketParts {
  readonly store: ErrorStore;
  readonly snapshot: () => SocketSnapshot;
  readonly listeners: Set<() => void>;
  readonly handlers: Handlers;
  readonly outbox: Outbox;
  readonly requests: Requests;
  readonly reporter: Reporter;
  readonly requestTimeoutMs: number;
  readonly connect: () => void;
  readonly reconnect: () => void;
  readonly close: (code?: number, reason?: string) => void;
  /** Delivery, when on: numbers and tracks every send. */
  readonly delivery: Delivery | null;
}

/**
 * The per-request options, checked on every call like construction options: a `timeoutMs` of NaN,
 * 0, a string or past 2^31-1 ms would time out at once, and `Infinity` means no timeout.
 */
const REQUEST_RULES: Readonly<Record<keyof RequestOptions, Rule>> = {
  timeoutMs: { kind: 'ms', min: 1, never: true },
  signal: { kind: 'signal' },
  retryOnReconnect: { kind: 'boolean' },
  reply: { kind: 'schema' },
};

function serialize(type: string, data: unknown, meta: EnvelopeMeta | undefined): string {
  if (typeof type !== 'string' || type === '') {
    throw new TypeError('sockguard: send(type, data) needs a non-empty string type');
  }
  try {
    return JSON.stringify(meta === undefined ? { type, data } : { type, data, meta });
  } catch (error) {
    throw new TypeError(
      `sockguard: the data of "${type}" cannot be sent as JSON (${String(error)})`,
    );
  }
}

/** Validates a reply's `data` with the request's `reply` schema (its output replaces `data`). */
function replyCheck(
  schema: StandardSchemaV1,
  type: string,
  invalid: (cause: string) => Fault,
): ReplyCheck {
  return (envelope) => {
    const checked = validateData(schema, envelope.data);
    if (!checked.ok) return { ok: false, fault: invalid(`reply to "${type}": ${checked.cause}`) };
    const same = checked.data === envelope.data;
    return { ok: true, envelope: same ? envelope : { ...envelope, data: checked.data } };
  };
}

export function createSocketApi<M extends MessageMap>(parts: SocketParts): Socket<M> {
  const { snapshot, outbox, requests, reporter, delivery } = parts;

  /**
   * The fault of a send on a socket that is not running (SPEC.md section 3: `send` tells the caller
   * what happened, it does not throw). Not reported to the store: the app closed the socket, or its
   * failure was reported already, and a toast per late send would be noise.
   */
  const unusable = (requestId?: string): Fault | null => {
    const { status } = snapshot();
    if (status !== 'closed' && status !== 'failed') return null;
    const fix = status === 'closed' ? 'connect()' : 'reconnect()';
    const cause = `the socket is ${status}: nothing is sent until ${fix} is called`;
    return reporter.client('connection_closed', cause, requestId);
  };
  const transmit = (frame: { text: string; requestId?: string }): SendResult => {
    if (snapshot().suspended) {
      const cause = 'suspended: the connection has been down too long';
      const fault = reporter.report(reporter.client('connection_closed', cause, frame.requestId));
      return { status: 'rejected', fault };
    }
    return outbox.transmit(frame);
  };

  const request = <R>(
    type: string,
    data: unknown,
    options: RequestOptions = {},
  ): Promise<Envelope<string, R>> => {
    // A bad argument rejects (as a bad `type` does below): `request` reports through its promise.
    try {
      checkGiven('request', options, REQUEST_RULES);
    } catch (thrown) {
      return Promise.reject(thrown);
    }
    const requestId = reporter.nextId();
    const stopped = unusable(requestId);
    if (stopped) return Promise.reject(new FaultError(stopped));
    const { signal, reply, timeoutMs = parts.requestTimeoutMs, retryOnReconnect = false } = options;
    if (signal?.aborted) {
      const fault = reporter.client('request_aborted', 'aborted before it was sent', requestId);
      return Promise.reject(new FaultError(fault));
    }
    const full = delivery?.overflow(requestId);
    if (full) return Promise.reject(new FaultError(full));
    let text: string;
    const seq = delivery?.number();
    // A plain server gets no number: it only keeps the books of the send here.
    const wire = delivery?.active ? seq : undefined;
    try {
      text = serialize(
        type,
        data,
        wire === undefined ? { request_id: requestId } : { request_id: requestId, seq: wire },
      );
    } catch (thrown) {
      if (seq !== undefined) delivery?.forget(seq);
      return Promise.reject(thrown);
    }
    const frame = seq === undefined ? { text, requestId } : { text, requestId, seq };
    // A request that settled without its frame acknowledged is not sent again.
    const drop = () => {
      outbox.remove(frame);
      if (seq !== undefined) delivery?.forget(seq);
    };
    const promise = requests.start({
      frame,
      timeoutMs,
      retry: retryOnReconnect,
      signal,
      timedOut: () => {
        drop();
        const cause = `no reply to "${type}" within ${timeoutMs} ms`;
        return reporter.report(reporter.client('request_timeout', cause, requestId));
      },
      aborted: () => {
        drop();
        return reporter.client('request_aborted', 'the signal was aborted', requestId);
      },
      ...(reply && {
        check: replyCheck(reply, type, (cause) =>
          reporter.report(reporter.client('invalid_envelope', cause, requestId)),
        ),
      }),
    });
    if (frame.seq !== undefined) delivery?.track(frame as typeof frame & { seq: number }, false);
    const result = transmit(frame);
    if (result.status === 'rejected') {
      if (seq !== undefined) delivery?.forget(seq);
      requests.reject(requestId, result.fault);
    }
    return promise as Promise<Envelope<string, R>>;
  };

  return {
    errors: parts.store,
    getSnapshot: snapshot,
    subscribe(listener) {
      // A wrapper per call: the same listener subscribed twice is two subscriptions.
      const own = () => listener();
      parts.listeners.add(own);
      return () => parts.listeners.delete(own);
    },
    connect: parts.connect,
    reconnect: parts.reconnect,
    close: (code = 1000, reason = '') => parts.close(code, reason),
    send(type, data, meta) {
      // Serialized once, before the state check: a programming error throws even on a closed
      // socket. A number taken by a send that is then refused leaves a gap, which the protocol
      // allows (docs/protocol.md, server rule 2).
      const full = delivery?.overflow();
      if (full) return { status: 'rejected', fault: full };
      const seq = delivery?.number();
      // A plain server gets no number: it only keeps the books of the send (its receipt) here.
      const wire = delivery?.active ? seq : undefined;
      const text = serialize(type, data, wire === undefined ? meta : { ...meta, seq: wire });
      const stopped = unusable();
      if (stopped) return { status: 'rejected', fault: stopped };
      if (seq === undefined) return transmit({ text });
      const frame = { text, seq };
      // Tracked before it is handed on: the outbox may write it at once.
      const delivered = delivery?.track(frame, true);
      const result = transmit(frame);
      if (result.status === 'rejected') {
        delivery?.forget(seq);
        return result;
      }
      return delivered ? { ...result, delivered } : result;
    },
    delivery: parts.delivery ?? NO_DELIVERY,
    request,
    on: (type, handler) => parts.handlers.on(type, handler as MessageHandler),
  };
}
