/**
 * `delivery()`: turns on acknowledged sends and resumable streams for one socket. A function to
 * import rather than a flag, so apps that do not use delivery do not ship its code.
 */
import {
  createDelivery,
  type Delivery,
  type DeliveryAdoption,
  type DeliveryParts,
} from './delivery.js';
import { type DeliveryOptions, type ResolvedDelivery, resolveDelivery } from './options.js';

const PLUGIN: unique symbol = Symbol('sockguard.delivery');

/** What `delivery()` returns: pass it as `createSocket({ delivery })`. */
export interface DeliveryPlugin {
  readonly [PLUGIN]: true;
  readonly options: ResolvedDelivery;
  /** @internal Made by the socket, once. */
  readonly create: (parts: Omit<DeliveryParts, 'options' | 'adoption'>) => Delivery;
  /**
   * @internal The same delivery, for a socket that takes over a session another socket ran (the
   * new leader of the tabs sharing one connection): it resumes that session (hello with its name
   * and the last seq seen) and numbers new sends after the old socket's. A method, so that the
   * tabs' code does not import (and ship) delivery for apps that do not use it.
   */
  readonly adopt: (adoption: DeliveryAdoption) => DeliveryPlugin;
}

/**
 * Delivery for a server that speaks the extension (`sockguard/server` sessions; docs/protocol.md
 * "Delivery"): every send is numbered and kept until acknowledged, sent again after a reconnect;
 * server messages are resumed after the last one handlers saw. Options are checked here.
 *
 * ```ts
 * const socket = createSocket({ url, delivery: delivery({ ackTimeoutMs: 5000 }) });
 * ```
 */
export function delivery(options?: DeliveryOptions): DeliveryPlugin {
  return pluginOf(resolveDelivery(options));
}

function pluginOf(resolved: ResolvedDelivery, adoption?: DeliveryAdoption): DeliveryPlugin {
  return {
    [PLUGIN]: true,
    options: resolved,
    create: (parts) =>
      createDelivery({ ...parts, options: resolved, ...(adoption ? { adoption } : {}) }),
    adopt: (next) => pluginOf(resolved, next),
  };
}

/** True for what `delivery()` returned. */
export const isDeliveryPlugin = (value: unknown): value is DeliveryPlugin =>
  typeof value === 'object' && value !== null && PLUGIN in value;
