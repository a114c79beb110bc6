'use client';
import type { MessageMap } from '../core/types.js';
import { type DeliverySnapshot, NO_DELIVERY } from '../delivery/delivery.js';
import { deliveryOf } from '../delivery/plugin.js';
import type { SocketSource } from './context.js';
import { useChannel } from './use-channel.js';

/**
 * The delivery state of a socket made with `delivery: delivery()`: sends not acknowledged yet,
 * the session, and how the last reconnect went for server messages (`recovery.resumed: false`:
 * messages were missed for good, fetch your state again). Re-renders when one of them changes;
 * `mode: 'off'` for a socket without delivery (and on the server, or while disabled).
 */
export const useDelivery = <M extends MessageMap = MessageMap>(
  source?: SocketSource<M>,
): DeliverySnapshot => useChannel(source, deliveryOf, NO_DELIVERY);
