/**
 * Message handlers by type. A handler that throws is reported and skipped: one buggy component
 * must not stop the others from seeing a message, nor break the socket's receive loop.
 */
import type { Envelope } from '../protocol/envelope.js';
import type { MessageHandler } from './types.js';

export interface Handlers {
  on(type: string, handler: MessageHandler): () => void;
  /** Calls the handlers of `envelope.type`, then those of `'*'`. */
  emit(envelope: Envelope): void;
  readonly size: number;
}

export function createHandlers(failed: (error: unknown, envelope: Envelope) => void): Handlers {
  const byType = new Map<string, Set<MessageHandler>>();
  let size = 0;

  const run = (set: Set<MessageHandler> | undefined, envelope: Envelope) => {
    if (set === undefined) return;
    for (const handler of set) {
      try {
        handler(envelope);
      } catch (error) {
        failed(error, envelope);
      }
    }
  };

  return {
    on(type, handler) {
      if (typeof type !== 'string' || type === '') {
        throw new TypeError('sockguard: on(type) needs a non-empty type, or "*" for every message');
      }
      const set = byType.get(type) ?? new Set<MessageHandler>();
      byType.set(type, set);
      // The same function twice is two subscriptions, each with its own unsubscribe.
      const own: MessageHandler = (envelope) => handler(envelope);
      set.add(own);
      size += 1;
      return () => {
        if (!set.delete(own)) return;
        size -= 1;
        if (set.size === 0 && byType.get(type) === set) byType.delete(type);
      };
    },
    emit(envelope) {
      run(byType.get(envelope.type), envelope);
      run(byType.get('*'), envelope);
    },
    get size() {
      return size;
    },
  };
}
