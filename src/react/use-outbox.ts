'use client';
import { useSyncExternalStore } from 'react';
import type { MessageMap } from '../core/types.js';
import { NO_OUTBOX, type OutboxSnapshot, outboxOf } from '../outbox/channel.js';
import type { SocketSource } from './context.js';
import { useRetainedSocket } from './use-retained-socket.js';

const OFF = NO_OUTBOX.getSnapshot();
const getServerSnapshot = () => OFF;

/**
 * The durable outbox of a socket made with `delivery({ outbox: indexedDbOutbox({ user }) })`: the
 * sends earlier pages kept, with their fates as they settle after a reload, and whether sends are
 * kept on this device now. Act on them with `outboxOf(socket).discard(id)` and `.clear()`.
 * `status: 'off'` for a socket without an outbox (and on the server, or while disabled).
 */
export function useOutbox<M extends MessageMap = MessageMap>(
  source?: SocketSource<M>,
): OutboxSnapshot {
  const [socket, enabled] = useRetainedSocket(source);
  const channel = enabled ? outboxOf(socket) : NO_OUTBOX;
  return useSyncExternalStore(channel.subscribe, channel.getSnapshot, getServerSnapshot);
}
