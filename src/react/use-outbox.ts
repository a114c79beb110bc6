'use client';
import type { MessageMap } from '../core/types.js';
import { NO_OUTBOX, type OutboxSnapshot, outboxOf } from '../outbox/channel.js';
import type { SocketSource } from './context.js';
import { useChannel } from './use-channel.js';

/**
 * The durable outbox of a socket made with `delivery({ outbox: indexedDbOutbox({ user }) })`: the
 * sends earlier pages kept, with their fates as they settle after a reload, and whether sends are
 * kept on this device now. Act on them with `outboxOf(socket).discard(id)` and `.clear()`.
 * `status: 'off'` for a socket without an outbox (and on the server, or while disabled).
 */
export const useOutbox = <M extends MessageMap = MessageMap>(
  source?: SocketSource<M>,
): OutboxSnapshot => useChannel(source, outboxOf, NO_OUTBOX);
