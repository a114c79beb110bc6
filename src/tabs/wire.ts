/**
 * What the tabs sharing one connection say to each other over their BroadcastChannel, and the two
 * browser APIs the sharing needs, as the small interfaces the tests implement in memory.
 */

import type { FaultContext } from '../core/error-store/error-store.js';
import type { SocketSnapshot } from '../core/types.js';
import type { DeliverySnapshot } from '../delivery/delivery.js';
import type { Envelope } from '../protocol/envelope.js';
import type { Fault } from '../protocol/fault.js';

/** The part of `BroadcastChannel` the sharing uses. Messages are structured clones. */
export interface ChannelLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  removeEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  close(): void;
}

/** The part of the Web Locks API (`navigator.locks`) the sharing uses. */
export interface LocksLike {
  request(
    name: string,
    options: {
      readonly signal?: AbortSignal;
      /** Take the lock from its holder (whose request then rejects with an `AbortError`). */
      readonly steal?: boolean;
      /** Grant it only if free at once; otherwise the callback gets `null`. */
      readonly ifAvailable?: boolean;
    },
    callback: (lock: unknown) => Promise<unknown>,
  ): Promise<unknown>;
}

/** Who handed a piece of work: the tab and its id for the work. */
export interface Asker {
  readonly tab: string;
  readonly id: string;
}

/** What the leader said of a handed frame before it could be written: a new leader re-sends it so. */
export interface Numbered {
  readonly seq: number;
  /** The request ids it went out under (a replayed reply comes with the first). */
  readonly requestIds: readonly string[];
}

/** Work a follower hands to the leader. */
export type Work =
  | {
      readonly kind: 'send';
      readonly type: string;
      readonly data: unknown;
      readonly meta?: Readonly<Record<string, unknown>> | undefined;
    }
  | {
      readonly kind: 'request';
      readonly type: string;
      readonly data: unknown;
      readonly timeoutMs?: number | undefined;
      readonly retryOnReconnect?: boolean | undefined;
    };

/** One message on the channel. `from` is the sender's tab id. */
export type TabMessage =
  /** The leader's snapshot changed (also its answer to `ask`). */
  | {
      readonly k: 'state';
      readonly from: string;
      readonly snapshot: SocketSnapshot;
      readonly origin: string;
    }
  /** An inbound envelope on the shared socket: every tab's handlers get it. */
  | { readonly k: 'message'; readonly from: string; readonly envelope: Envelope }
  /** A fault the leader reported: every tab's store gets it. */
  | {
      readonly k: 'fault';
      readonly from: string;
      readonly fault: Fault;
      readonly context: FaultContext;
    }
  /** A tab became the leader: followers hand it their unsettled work again. */
  | { readonly k: 'leader'; readonly from: string }
  /** A follower asks for the current state. */
  | { readonly k: 'ask'; readonly from: string }
  /** A follower hands work to the leader. */
  | {
      readonly k: 'work';
      readonly from: string;
      readonly id: string;
      readonly work: Work;
      /** What an earlier leader announced of it. */
      readonly numbered?: Numbered | undefined;
    }
  /** The leader settled a follower's work: `value` for a send's result or a reply, or `fault`. */
  | {
      readonly k: 'done';
      readonly from: string;
      readonly to: string;
      readonly id: string;
      readonly value?: unknown;
      readonly fault?: Fault;
      /** The leader's socket stored the fault (so): the asking tab stores it, and no other tab. */
      readonly reported?: FaultContext;
    }
  /** The leader numbered a handed frame (posted before the frame is written). */
  | {
      readonly k: 'numbered';
      readonly from: string;
      readonly asker: Asker;
      readonly work: Work;
      readonly numbered: Numbered;
    }
  /**
   * The asking tab heard the number of its frame (`to`: the leader that numbered it), which may
   * be written now: a frame is never on the wire with a number only a crashed leader knew.
   */
  | { readonly k: 'noted'; readonly from: string; readonly to: string; readonly seq: number }
  /** The leader's delivery: what `deliveryOf(socket)` shows, and what a new leader resumes. */
  | {
      readonly k: 'delivery';
      readonly from: string;
      readonly snapshot: DeliverySnapshot;
      /** The highest server seq the leader's socket saw. */
      readonly seen: number;
      /** The highest client seq it handed out. */
      readonly high: number;
      /** The session's resume secret (same-origin tabs only; never in a snapshot or a log). */
      readonly secret?: string;
    }
  /** A tab ended the session (`deliveryOf(socket).endSession()`): the leader ends it on its socket. */
  | { readonly k: 'end-session'; readonly from: string }
  /** A follower asks whether the leader still runs (answered by its message handler). */
  | { readonly k: 'probe'; readonly from: string; readonly nonce: number }
  /** The leader's answer to a probe. */
  | { readonly k: 'alive'; readonly from: string; readonly nonce: number }
  /** A follower asks the leader to reconnect the shared socket. */
  | { readonly k: 'reconnect'; readonly from: string }
  /** A tab is on screen or not (also `false` when it leaves): the leader pauses only if none is. */
  | { readonly k: 'visible'; readonly from: string; readonly visible: boolean };

/** A message of the sharing, or undefined for anything else on the channel. */
export function readTabMessage(data: unknown): TabMessage | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const { k, from } = data as { k?: unknown; from?: unknown };
  // An unknown kind (a later version's) falls through every switch on `k`.
  return typeof k === 'string' && typeof from === 'string' ? (data as TabMessage) : undefined;
}
