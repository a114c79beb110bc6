/**
 * Options of delivery (SPEC.md section 7, docs/protocol.md "Delivery"): acknowledged sends and
 * resumable streams, for servers that speak the extension.
 */
import { checkOptions, type Rule } from '../option-checks.js';

/** Delivery settings; `delivery: true` takes every default. */
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
}

export type ResolvedDelivery = Required<DeliveryOptions>;

export const DELIVERY_DEFAULTS = {
  helloTimeoutMs: 5000,
  ackTimeoutMs: 10_000,
  maxResends: 5,
  maxUnacked: 10_000,
} as const satisfies ResolvedDelivery;

const RULES: Readonly<Record<keyof DeliveryOptions, Rule>> = {
  helloTimeoutMs: { kind: 'ms', min: 1 },
  ackTimeoutMs: { kind: 'ms', min: 1 },
  maxResends: { kind: 'count', min: 1 },
  maxUnacked: { kind: 'count', min: 1 },
};

/** The delivery settings with defaults; throws naming a bad option. */
export function resolveDelivery(options: DeliveryOptions = {}): ResolvedDelivery {
  return checkOptions('delivery', options, RULES, DELIVERY_DEFAULTS);
}
