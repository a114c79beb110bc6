/**
 * Message handlers by type. A handler that throws is reported and skipped: one buggy component
 * must not stop the others from seeing a message, nor break the socket's receive loop.
 *
 * Dispatch follows EventTarget: the handlers called for a message are the ones subscribed when it
 * arrived. A handler that unsubscribes and subscribes itself again while handling a message is not
 * called again for it (a live Set would visit the new entry: an endless loop), and one removed
 * mid-dispatch is not called. Lists are copied on subscribe, never per message.
 */
import type { Envelope } from '../protocol/envelope.js';
import { refusal } from '../protocol/why.js';
import type { MessageHandler } from './types.js';

export interface Handlers {
  on(type: string, handler: MessageHandler): () => void;
  /** Calls the handlers of `envelope.type`, then those of `'*'` (once, for a frame of type `'*'`). */
  emit(envelope: Envelope): void;
}

interface Subscription {
  readonly handler: MessageHandler;
  active: boolean;
}

export function createHandlers(failed: (error: unknown, envelope: Envelope) => void): Handlers {
  const byType = new Map<string, readonly Subscription[]>();

  const run = (list: readonly Subscription[] | undefined, envelope: Envelope) => {
    if (list === undefined) return;
    for (const subscription of list) {
      if (!subscription.active) continue;
      try {
        subscription.handler(envelope);
      } catch (error) {
        failed(error, envelope);
      }
    }
  };

  return {
    on(type, handler) {
      if (typeof type !== 'string' || type === '') {
        throw refusal('on_type');
      }
      if (typeof handler !== 'function') {
        throw refusal('on_handler', type);
      }
      // The same function twice is two subscriptions, each with its own unsubscribe.
      const subscription: Subscription = { handler, active: true };
      byType.set(type, [...(byType.get(type) ?? []), subscription]);
      return () => {
        if (!subscription.active) return;
        subscription.active = false;
        const rest = (byType.get(type) ?? []).filter((s) => s !== subscription);
        if (rest.length === 0) byType.delete(type);
        else byType.set(type, rest);
      };
    },
    emit(envelope) {
      run(byType.get(envelope.type), envelope);
      if (envelope.type !== '*') run(byType.get('*'), envelope);
    },
  };
}
