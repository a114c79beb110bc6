/**
 * Outbound frames: straight out while open, else a bounded FIFO flushed in order on open. Nothing
 * leaves silently: an overflow is rejected with a fault, and frames that will never go out are
 * reported one fault each (the store merges them into one entry with a count).
 */
import type { Fault } from '../protocol/fault.js';
import type { Clock } from './clock.js';
import type { Reporter } from './reporter.js';
import type { OutboundFrame, Requests } from './requests.js';
import { createTimers } from './timers.js';
import type { SendResult } from './types.js';

export interface Outbox {
  /** Sends now when it can (open, nothing queued before it, not held), else queues. */
  transmit(frame: OutboundFrame): SendResult;
  /** Sends queued frames in order while the connection takes them. */
  flush(): void;
  /** Holds every send for `ms` (a rate limit), then flushes. */
  hold(ms: number): void;
  /** Frames that must go first on the next open (requests lost on the wire). */
  requeue(frames: readonly OutboundFrame[]): void;
  /** Takes a frame out of the queue (its request timed out or was aborted). */
  remove(frame: OutboundFrame): void;
  /** Reports every queued frame as not sent, and rejects its request; returns them with their faults. */
  discard(cause: string): Array<{ readonly frame: OutboundFrame; readonly fault: Fault }>;
  /** Ends a hold without flushing. */
  reset(): void;
  readonly size: number;
}

export function createOutbox(
  clock: Clock,
  maxQueue: number,
  requests: Requests,
  reporter: Reporter,
  /** Sends on the live connection; false when none is open. */
  send: (frame: OutboundFrame) => boolean,
): Outbox {
  const queue: OutboundFrame[] = [];
  const timers = createTimers(clock);
  let held = false;

  const put = (frame: OutboundFrame): boolean => {
    if (held || !send(frame)) return false;
    if (frame.requestId) requests.markSent(frame.requestId);
    return true;
  };
  const flush = () => {
    while (queue.length > 0 && put(queue[0] as OutboundFrame)) queue.shift();
  };

  return {
    transmit(frame) {
      if (queue.length > 0) flush();
      if (queue.length === 0 && put(frame)) return { status: 'sent' };
      if (queue.length >= maxQueue) {
        const cause = `the send queue is full (${maxQueue})`;
        const fault = reporter.report(reporter.client('queue_overflow', cause, frame.requestId));
        return { status: 'rejected', fault };
      }
      queue.push(frame);
      return { status: 'queued' };
    },
    flush,
    hold(ms) {
      held = true;
      timers.set('hold', ms, () => {
        held = false;
        flush();
      });
    },
    // Past the bound on purpose: these were accepted already, and losing them is worse.
    requeue: (frames) => void queue.unshift(...frames),
    remove(frame) {
      const index = queue.indexOf(frame);
      if (index !== -1) queue.splice(index, 1);
    },
    discard(cause) {
      return queue.splice(0).map((frame) => {
        const fault = reporter.report(reporter.client('connection_closed', cause, frame.requestId));
        if (frame.requestId) requests.reject(frame.requestId, fault);
        return { frame, fault };
      });
    },
    reset() {
      held = false;
      timers.clearAll();
    },
    get size() {
      return queue.length;
    },
  };
}
