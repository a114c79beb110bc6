/**
 * Options of delivery (SPEC.md section 7, docs/protocol.md "Delivery"): acknowledged sends and
 * resumable streams, for servers that speak the extension.
 */

import {
  COUNT_1,
  checkGiven,
  MS_1,
  OTHER,
  type Rule,
  withDefaults,
} from '../core/option-checks.js';
import type { DeliveryOutbox } from './store.js';

// The development-only form of dev.ts: bundlers fold it away in production.
declare const process: { readonly env: { readonly NODE_ENV?: string | undefined } };

/** Delivery settings; `delivery()` with none takes every default. */
export interface DeliveryOptions {
  /**
   * Wait this long for the server's welcome. No answer in time is a failed attempt (a recoverable
   * `hello_timeout` fault, retried with backoff), never taken for a plain server. @default 5000
   */
  readonly helloTimeoutMs?: number;
  /**
   * A send on the open link unacknowledged this long means the link is dead: it is left and the
   * send goes again on the next connection. @default 10_000
   */
  readonly ackTimeoutMs?: number;
  /** A send that went out on this many connections without an ack is given up (`not_acknowledged`). @default 5 */
  readonly maxResends?: number;
  /**
   * Sends and requests kept until acknowledged (queued or on the wire), at most. One more is
   * refused (`queue_overflow`, nothing kept, no number taken). @default 10_000
   */
  readonly maxUnacked?: number;
  /**
   * A durable outbox (`indexedDbOutbox({ user })`): every send kept is also written to IndexedDB,
   * and the next page load of the same user resumes the session and sends it, exactly once.
   */
  readonly outbox?: DeliveryOutbox | undefined;
}

export type ResolvedDelivery = Required<Omit<DeliveryOptions, 'outbox'>>;

export const DELIVERY_DEFAULTS = {
  helloTimeoutMs: 5000,
  ackTimeoutMs: 10_000,
  maxResends: 5,
  maxUnacked: 10_000,
} as const satisfies ResolvedDelivery;

const RULES: Readonly<Record<keyof DeliveryOptions, Rule>> = {
  helloTimeoutMs: MS_1,
  ackTimeoutMs: MS_1,
  maxResends: COUNT_1,
  maxUnacked: COUNT_1,
  outbox: OTHER,
};

/** The delivery settings with defaults; in development a bad option throws, naming it. */
export function resolveDelivery(options: DeliveryOptions = {}): ResolvedDelivery {
  try {
    if (process.env.NODE_ENV !== 'production') checkDelivery(options);
  } catch {
    checkDelivery(options); // no `process`: development (a refused option throws again)
  }
  return withDefaults(options, DELIVERY_DEFAULTS);
}

/** Throws naming the first bad delivery option (the SharedWorker's hub checks tabs' settings). */
export const checkDelivery = (options: unknown) => {
  checkGiven('delivery', options, RULES);
  const outbox = (options as DeliveryOptions | undefined)?.outbox;
  if (outbox !== undefined && typeof outbox?.create !== 'function')
    throw new TypeError(
      'sockguard: delivery.outbox must be what indexedDbOutbox() returns (import it from sockguard)',
    );
};
