'use client';
import { useSyncExternalStore } from 'react';
import type { MessageMap } from '../core/types.js';
import { type DeliverySnapshot, NO_DELIVERY } from '../delivery/delivery.js';
import { deliveryOf } from '../delivery/plugin.js';
import type { SocketSource } from './context.js';
import { useRetainedSocket } from './use-retained-socket.js';

const OFF = NO_DELIVERY.getSnapshot();
const getServerSnapshot = () => OFF;

/**
 * The delivery state of a socket made with `delivery: delivery()`: sends not acknowledged yet,
 * the session, and how the last reconnect went for server messages (`recovery.resumed: false`:
 * messages were missed for good, fetch your state again). Re-renders when one of them changes;
 * `mode: 'off'` for a socket without delivery (and on the server, or while disabled).
 */
export function useDelivery<M extends MessageMap = MessageMap>(
  source?: SocketSource<M>,
): DeliverySnapshot {
  const [socket, enabled] = useRetainedSocket(source);
  const channel = enabled ? deliveryOf(socket) : NO_DELIVERY;
  return useSyncExternalStore(channel.subscribe, channel.getSnapshot, getServerSnapshot);
}
