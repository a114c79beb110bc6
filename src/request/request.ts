/**
 * Request/response by `request_id` (SPEC.md section 3): a function to import, so an app that never
 * asks pays nothing for it. It plugs into the socket as an extension the first time it is used:
 * replies settle by the id they carry, a fault that names a request (its error envelope, a
 * malformed reply) rejects it, and every request settles: reply, error, timeout, abort, drop or
 * close.
 */

import { clampDelay } from '../core/clock.js';
import { type Extension, type Frame, type Host, hostOf } from '../core/extension.js';
import type { MessageMap, SendDataOf, Socket } from '../core/types.js';
import type { Envelope } from '../protocol/envelope.js';
import type { Fault } from '../protocol/fault.js';
import { FaultError } from '../protocol/fault-error.js';
import {
  type InferOutput,
  type StandardSchemaV1,
  validateData,
} from '../protocol/standard-schema.js';
import { why } from '../protocol/why.js';
import { checkRequestOptions, type RequestOptions } from './options.js';

export type { RequestOptions };

interface Pending {
  frame?: Frame | undefined;
  /** On the wire (not only queued): a drop then loses it unless it is retried. */
  sent: boolean;
  readonly retry: boolean;
  readonly settle: (outcome: Envelope | Fault) => void;
}

/** The pending requests of each socket (by its host), settled by the extension that keeps them. */
const books = new WeakMap<Host, Map<string, Pending>>();

/**
 * @internal A socket that asks in its own way (a follower tab hands requests to the leader's
 * socket) carries its request function under this key.
 */
export const OWN_REQUEST: unique symbol = Symbol.for('sockguard.request');

/**
 * @internal The request function of such a socket: `check` is how a `reply` schema checks (given
 * here, so that only apps that import `request` ship the checker).
 */
export type OwnRequest = (
  type: string,
  data: unknown,
  options: RequestOptions,
  check: typeof validateData,
) => Promise<Envelope>;

function booksOf(host: Host): Map<string, Pending> {
  const found = books.get(host);
  if (found !== undefined) return found;
  const pending = new Map<string, Pending>();
  const settle = (id: string, outcome: Envelope | Fault) => pending.get(id)?.settle(outcome);
  const each = (fn: (id: string, entry: Pending) => void) => {
    for (const [id, entry] of [...pending]) fn(id, entry);
  };
  const extension: Extension = {
    inbound(envelope) {
      const id = envelope.meta?.request_id;
      // An error envelope rejects through its fault (`reported`), classified once by the socket.
      if (id !== undefined && envelope.type !== 'error') settle(id, envelope);
      return undefined;
    },
    written(frame) {
      const entry = frame.requestId === undefined ? undefined : pending.get(frame.requestId);
      if (entry) entry.sent = true;
    },
    lost(fault) {
      const again: Frame[] = [];
      each((id, entry) => {
        // A numbered frame is kept and sent again by delivery: its reply comes after the resume.
        if (!entry.sent || entry.frame?.seq !== undefined) return;
        if (entry.retry && entry.frame) {
          entry.sent = false;
          again.push(entry.frame);
        } else {
          const cause = why('request_lost', `${fault.source} ${fault.code}`, fault.message);
          settle(
            id,
            host.fault({ source: 'client', code: 'connection_closed', cause, requestId: id }),
          );
        }
      });
      host.requeue(again);
    },
    settle(fault, match) {
      // A fatal fault rejects every request as the store shows it, with no request id, or the
      // request would read as refused by the server. The client's own ending (close(),
      // suspension, a session gone) is about each request: it names it.
      const own = fault.source === 'client';
      each((id, entry) => {
        if (match && !match(entry.frame, entry.sent)) return;
        settle(id, own ? { ...fault, requestId: id } : fault);
      });
    },
    reported(fault) {
      if (fault.requestId !== undefined) settle(fault.requestId, fault);
    },
  };
  books.set(host, pending);
  host.use(extension);
  return pending;
}

/**
 * Sends `type` with a fresh `meta.request_id` and resolves with the reply (any envelope carrying
 * that id); an `"error"` envelope with it rejects with its fault. Rejects with a `FaultError` on a
 * timeout, an abort, a drop (unless `retryOnReconnect`) or `close()`; never hangs. With delivery
 * on, a request dropped with the connection is sent again and never processed twice.
 *
 * ```ts
 * const reply = await request(socket, 'get-user', { id: 42 }, { reply: userSchema });
 * ```
 */
export function request<M extends MessageMap, T extends string, S extends StandardSchemaV1>(
  socket: Socket<M>,
  type: T,
  data: SendDataOf<M, T>,
  options: RequestOptions & { readonly reply: S },
): Promise<Envelope<string, InferOutput<S>>>;
export function request<M extends MessageMap, T extends string, R = unknown>(
  socket: Socket<M>,
  type: T,
  data: SendDataOf<M, T>,
  options?: RequestOptions,
): Promise<Envelope<string, R>>;
export function request(
  socket: Socket,
  type: string,
  data: unknown,
  options: RequestOptions = {},
): Promise<Envelope> {
  try {
    checkRequestOptions(options);
  } catch (error) {
    return Promise.reject(error);
  }
  const own = (socket as { [OWN_REQUEST]?: OwnRequest })[OWN_REQUEST];
  if (own) return own(type, data, options, validateData);
  let host: Host;
  try {
    host = hostOf(socket);
  } catch (error) {
    return Promise.reject(error);
  }
  const pending = booksOf(host);
  const id = host.id();
  const { signal, reply, retryOnReconnect = false } = options;
  const timeoutMs = options.timeoutMs ?? host.options.requestTimeoutMs ?? 10_000;
  const client = (code: 'request_timeout' | 'request_aborted', cause: string) =>
    host.fault({ source: 'client', code, cause, requestId: id });
  if (signal?.aborted) {
    return Promise.reject(new FaultError(client('request_aborted', why('aborted_before'))));
  }
  return new Promise<Envelope>((resolve, reject) => {
    const onAbort = () => {
      cancel();
      entry.settle(client('request_aborted', why('aborted')));
    };
    // `Infinity` arms no timer: the request waits for its reply, an abort, a drop or a close.
    const timer =
      timeoutMs === Infinity
        ? undefined
        : host.clock.setTimeout(() => {
            cancel();
            const f = client('request_timeout', why('no_reply', type, timeoutMs));
            entry.settle(f);
            host.report(f);
          }, clampDelay(timeoutMs));
    /** A request that settled without its reply is not sent again. */
    const cancel = () => {
      if (entry.frame) host.unqueue(entry.frame);
    };
    const entry: Pending = {
      sent: false,
      retry: retryOnReconnect,
      settle(outcome) {
        if (pending.get(id) !== entry) return;
        pending.delete(id);
        if (timer !== undefined) host.clock.clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (!('type' in outcome)) return reject(new FaultError(outcome));
        if (reply === undefined) return resolve(outcome);
        const checked = validateData(reply, outcome.data);
        if (checked.ok)
          return resolve(
            checked.data === outcome.data ? outcome : { ...outcome, data: checked.data },
          );
        const cause = why('bad_reply', type, checked.cause);
        reject(
          new FaultError(
            host.report(
              host.fault({ source: 'client', code: 'invalid_envelope', cause, requestId: id }),
            ),
          ),
        );
      },
    };
    pending.set(id, entry);
    signal?.addEventListener('abort', onAbort);
    try {
      const { result, frame } = host.send(type, data, { request_id: id });
      entry.frame = frame;
      if (result.status === 'rejected') entry.settle({ ...result.fault, requestId: id });
    } catch (error) {
      // The send itself threw (a type that is not a non-empty string, data JSON cannot carry):
      // the caller gets that error, nothing is left pending.
      pending.delete(id);
      if (timer !== undefined) host.clock.clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      reject(error);
    }
  });
}
