/** The options of the worker's hub (hub.ts), their defaults and their check. */

import type { Clock } from '../core/clock.js';
import { checkGiven, type Rule, withDefaults } from '../core/option-checks.js';
import type { SocketOptions } from '../core/options.js';
import type { Delivered, Socket } from '../core/types.js';
import type { DeliveryOutbox } from '../delivery/store.js';
import type { Fault } from '../protocol/fault.js';
import { MAX_PING_MS } from './wire.js';

/** The settings of a durable outbox, as a tab gives them (`indexedDbOutbox({ user, ... })`). */
export interface OutboxSettings {
  readonly user: string;
  readonly key?: string;
  readonly maxCount?: number;
  readonly maxBytes?: number;
  readonly loadTimeoutMs?: number;
  /** Set by the hub: each send waits off the wire until it is kept on the device. */
  readonly holdUntilKept?: boolean;
}

/** What the hub uses of a durable outbox (what `indexedDbOutbox()` of `sockguard/outbox` returns). */
export interface HubOutbox extends DeliveryOutbox {
  /** The id a send is kept under once it is, or null when it could not be kept. */
  keptId(receipt: Promise<Delivered>): Promise<string | null> | undefined;
  /** How the send kept under `id` ends (`unconfirmed` when it is not kept any more). */
  follow(id: string): Promise<Delivered | Fault>;
  /**
   * Whether a tab's send of this tag is known (made through this worker, or kept on the device by
   * one that died; acknowledged since, too), told once what was kept is read, in the order asked,
   * with its id on the device once written (null: not kept). Unknown (`undefined`): the send
   * `then` makes at once is kept under the tag.
   */
  known(tag: string, then: (kept: Promise<string | null> | undefined) => void): void;
  /**
   * The worker lets its socket go as a page that goes away would: what is kept stays on the
   * device for the next worker (closing the socket then forgets nothing), the lock is released.
   */
  keep(): void;
}

/** Options of `createHub`. */
export interface HubOptions {
  /**
   * Makes the durable outbox that tabs ask for with `delivery({ outbox: indexedDbOutbox(...) })`:
   * give `indexedDbOutbox` from `sockguard/outbox`. Without it such tabs are refused (the outbox
   * would otherwise not be kept). The outbox lives here, beside the socket, for every tab.
   */
  readonly outbox?: (settings: OutboxSettings) => HubOutbox;
  /** Makes the socket of a key from the tabs' options. @default createSocket */
  readonly makeSocket?: (options: SocketOptions) => Socket;
  /** @default systemClock */
  readonly clock?: Clock;
  /**
   * How often every tab is pinged (told to each tab in its welcome), at most 60 s. Also the
   * worker's sign of life: a tab judges it dead after two intervals (or its own
   * `workerTimeoutMs`, 2000 ms by default) of silence, so 1000 lets a tab notice a dead worker
   * within 2.5 s, for one small message per tab per second. @default 1000
   */
  readonly pingIntervalMs?: number;
  /**
   * A tab not heard from for this long is dropped at the next ping (at least twice the
   * interval, so a healthy tab answering one ping late is kept). @default 10_000
   */
  readonly tabTimeoutMs?: number;
  /** A page-only question unanswered this long is asked of another tab. @default 5000 */
  readonly askTimeoutMs?: number;
  /** The last tab gone, the socket closes after this long (a reload comes back). @default 2000 */
  readonly closeGraceMs?: number;
  /**
   * With delivery, the last tab gone and `closeGraceMs` over, the socket stays open up to this
   * much longer while sends are unacknowledged, closing as soon as the last is. Only a worker that
   * outlives its last page runs it: give the SharedWorker `extendedLifetime: true` (Chrome 148+);
   * elsewhere the browser ends the worker with its last page. @default 10_000
   */
  readonly lingerMs?: number;
  /**
   * Sends and requests one tab may have in flight; past it they fail with `queue_overflow`. On a
   * socket with delivery only requests count: its sends are bounded by delivery's `maxUnacked`.
   * @default 1000
   */
  readonly maxTabWork?: number;
  /** Ports kept for a tab that left or was dropped to say hello again; the oldest is closed past it. @default 64 */
  readonly maxIdlePorts?: number;
  /** Told of every malformed or unexpected message dropped (the tab that sent it is told too). */
  readonly onProblem?: (problem: string) => void;
}

/** The defaults of {@link HubOptions}, exported so tests and docs can refer to them. */
export const HUB_DEFAULTS = {
  pingIntervalMs: 1000,
  tabTimeoutMs: 10_000,
  askTimeoutMs: 5000,
  closeGraceMs: 2000,
  lingerMs: 10_000,
  maxTabWork: 1000,
  maxIdlePorts: 64,
} as const;

/** The hub's numbers, defaults filled in. */
export type HubNumbers = { readonly [K in keyof typeof HUB_DEFAULTS]: number };

const RULES: Readonly<Record<keyof HubOptions, Rule>> = {
  outbox: { kind: 'function' },
  makeSocket: { kind: 'function' },
  clock: { kind: 'other' },
  pingIntervalMs: { kind: 'ms', min: 10, max: MAX_PING_MS },
  tabTimeoutMs: { kind: 'ms', min: 20 },
  askTimeoutMs: { kind: 'ms', min: 1 },
  closeGraceMs: { kind: 'ms', min: 0 },
  lingerMs: { kind: 'ms', min: 0 },
  maxTabWork: { kind: 'count', min: 1 },
  maxIdlePorts: { kind: 'count', min: 0 },
  onProblem: { kind: 'function' },
};

/** Throws naming the first bad option (development builds only: see core/dev.ts). */
export function checkHub(options: HubOptions): void {
  checkGiven('createHub', options, RULES);
  const { pingIntervalMs, tabTimeoutMs } = withDefaults(options, HUB_DEFAULTS);
  if (tabTimeoutMs < 2 * pingIntervalMs)
    throw new RangeError(
      `sockguard: createHub.tabTimeoutMs (${tabTimeoutMs}) must be at least twice pingIntervalMs (${pingIntervalMs})`,
    );
}
