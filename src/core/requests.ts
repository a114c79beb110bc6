/**
 * Pending requests by `request_id`. Every request settles exactly once: reply, error envelope,
 * timeout, abort, drop or close. The socket decides which; this file only keeps the books.
 */
import type { Envelope } from '../protocol/envelope.js';
import type { Fault } from '../protocol/fault.js';
import { FaultError } from '../protocol/fault-error.js';
import { type Clock, clampDelay, type TimerHandle } from './clock.js';

/** A frame waiting to go out; `requestId` ties it to a pending request. */
export interface OutboundFrame {
  readonly text: string;
  readonly requestId?: string;
  /** Its delivery number (`meta.seq`), when delivery is on. */
  readonly seq?: number;
}

/** A reply check: the envelope to resolve with, or the fault to reject with. */
export type ReplyCheck = (
  envelope: Envelope,
) =>
  | { readonly ok: true; readonly envelope: Envelope }
  | { readonly ok: false; readonly fault: Fault };

interface Entry {
  readonly frame: OutboundFrame;
  readonly check: ReplyCheck | undefined;
  readonly retry: boolean;
  /** On the wire (not only queued): a drop then loses it unless it is retried. */
  sent: boolean;
  readonly resolve: (envelope: Envelope) => void;
  readonly reject: (error: FaultError) => void;
  /** Null for a request without a timeout (`timeoutMs: Infinity`). */
  readonly timer: TimerHandle | null;
  readonly detach: () => void;
}

export interface StartRequest {
  readonly frame: OutboundFrame & { readonly requestId: string };
  /** `Infinity` arms no timer: the request waits for its reply, an abort, a drop or a close. */
  readonly timeoutMs: number;
  readonly retry: boolean;
  readonly signal: AbortSignal | undefined;
  /** The fault of a timeout / an abort, made when it happens. */
  readonly timedOut: () => Fault;
  readonly aborted: () => Fault;
  /** Checks the reply before it settles the request (a reply schema). */
  readonly check?: ReplyCheck;
}

export interface Requests {
  start(request: StartRequest): Promise<Envelope>;
  /**
   * Settles request `id` with its reply (or with the fault of a failed reply check); false when
   * it is not pending (late reply, already settled).
   */
  resolve(id: string, envelope: Envelope): boolean;
  reject(id: string, fault: Fault): boolean;
  markSent(id: string): void;
  /**
   * The connection dropped: requests on the wire that may be retried are returned (to queue again,
   * in order); the others on the wire reject with `faultFor(id)`. Queued ones wait for the next
   * open.
   */
  drop(faultFor: (requestId: string) => Fault): OutboundFrame[];
  /** Rejects the pending requests that were sent and whose frame's `seq` matches. */
  rejectSent(match: (seq: number | undefined) => boolean, fault: Fault): void;
  /** Rejects every pending request: with `fault`, or with `fault(id)` to name each request. */
  rejectAll(fault: Fault | ((requestId: string) => Fault)): void;
  readonly size: number;
}

export function createRequests(clock: Clock): Requests {
  const pending = new Map<string, Entry>();

  const settle = (id: string): Entry | undefined => {
    const entry = pending.get(id);
    if (!entry) return undefined;
    pending.delete(id);
    if (entry.timer !== null) clock.clearTimeout(entry.timer);
    entry.detach();
    return entry;
  };
  const reject = (id: string, fault: Fault) => {
    const entry = settle(id);
    entry?.reject(new FaultError(fault));
    return entry !== undefined;
  };

  return {
    start({ frame, timeoutMs, retry, signal, timedOut, aborted, check }) {
      return new Promise<Envelope>((resolve, rejectPromise) => {
        const id = frame.requestId;
        const onAbort = () => reject(id, aborted());
        signal?.addEventListener('abort', onAbort);
        // Clamped also on an injected clock: past 2^31-1 ms a timer would fire at once.
        const timer =
          timeoutMs === Number.POSITIVE_INFINITY
            ? null
            : clock.setTimeout(() => reject(id, timedOut()), clampDelay(timeoutMs));
        pending.set(id, {
          frame,
          check,
          retry,
          sent: false,
          resolve,
          reject: rejectPromise,
          timer,
          detach: () => signal?.removeEventListener('abort', onAbort),
        });
      });
    },
    resolve(id, envelope) {
      const entry = settle(id);
      if (!entry) return false;
      const checked = entry.check ? entry.check(envelope) : { ok: true as const, envelope };
      if (checked.ok) entry.resolve(checked.envelope);
      else entry.reject(new FaultError(checked.fault));
      return true;
    },
    reject,
    markSent(id) {
      const entry = pending.get(id);
      if (entry) entry.sent = true;
    },
    drop(faultFor) {
      const again: OutboundFrame[] = [];
      for (const [id, entry] of [...pending]) {
        if (!entry.sent) continue;
        if (entry.retry) {
          entry.sent = false;
          again.push(entry.frame);
        } else reject(id, faultFor(id));
      }
      return again;
    },
    rejectSent(match, fault) {
      for (const [id, entry] of [...pending])
        if (entry.sent && match(entry.frame.seq)) reject(id, { ...fault, requestId: id });
    },
    rejectAll(fault) {
      for (const id of [...pending.keys()])
        reject(id, typeof fault === 'function' ? fault(id) : fault);
    },
    get size() {
      return pending.size;
    },
  };
}
