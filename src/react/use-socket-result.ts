import type { MessageMap, Socket, SocketSnapshot } from '../core/types.js';
import type { Fault } from '../protocol/fault.js';

/** The second argument of `useSocket`. */
export interface UseSocketOptions {
  /**
   * False: the hook neither holds nor connects the socket and returns the `idle` snapshot (its
   * actions still reach the socket). Flipping it to true connects (or joins); back to false
   * releases its hold, and the shared socket closes a grace period after nobody holds it.
   * Combined with `enabled` in the options and the provider's: any false wins. @default true
   */
  readonly enabled?: boolean;
}

/**
 * What `useSocket` returns: the snapshot's fields and stable actions. A request is the socket's
 * (`request(socket, ...)`); the count of sends not acknowledged yet is `useDelivery().unacked`.
 */
export interface UseSocketResult<M extends MessageMap = MessageMap> {
  readonly status: SocketSnapshot['status'];
  readonly attempt: number;
  /** Epoch ms of the next attempt while reconnecting (null when paused or not reconnecting). */
  readonly nextRetryAt: number | null;
  readonly lastFault: Fault | null;
  readonly lost: boolean;
  readonly suspended: boolean;
  /** The whole snapshot, for narrowing on `status`. */
  readonly snapshot: SocketSnapshot;
  readonly socket: Socket<M>;
  /** Same identity across renders (for a given socket). `data` is the schema's input type. */
  readonly send: Socket<M>['send'];
  readonly reconnect: () => void;
  /** Stops the shared socket for every component using it. */
  readonly close: (code?: number, reason?: string) => void;
}
