/**
 * Test-only: a hand-driven `Socket` for the hook tests. Snapshots and messages are pushed by the
 * test (`setSnapshot`, `emit`); calls to the socket's actions are recorded.
 */
import type { ErrorStore } from '../../src/core/error-store/error-store.js';
import type {
  Envelope,
  MessageHandler,
  SendResult,
  Socket,
  SocketSnapshot,
} from '../../src/core/types.js';
import { IDLE_SNAPSHOT } from '../../src/react/snapshot.js';

export interface TestSocket extends Socket {
  /** Replace the snapshot and notify subscribers (like the core does on a state change). */
  setSnapshot(patch: Partial<SocketSnapshot> & Pick<SocketSnapshot, 'status'>): void;
  /** Deliver one inbound envelope to the `on` handlers of its type and of `'*'`. */
  emit(envelope: Envelope): void;
  readonly calls: {
    connect: number;
    close: number;
    reconnect: number;
    readonly sent: Array<{ type: string; data: unknown }>;
  };
  /** Live subscribers of `subscribe` and `on`, to prove unsubscription. */
  listenerCount(): number;
}

export function createTestSocket(errors: ErrorStore): TestSocket {
  let snapshot: SocketSnapshot = IDLE_SNAPSHOT;
  const listeners = new Set<() => void>();
  const handlers = new Map<string, Set<MessageHandler>>();
  const calls: TestSocket['calls'] = { connect: 0, close: 0, reconnect: 0, sent: [] };
  const setSnapshot: TestSocket['setSnapshot'] = (patch) => {
    snapshot = { ...snapshot, ...patch } as SocketSnapshot;
    for (const listener of [...listeners]) listener();
  };
  return {
    errors,
    calls,
    getSnapshot: () => snapshot,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    connect() {
      calls.connect += 1;
      setSnapshot({ status: 'connecting' });
    },
    send(type, data): SendResult {
      calls.sent.push({ type, data });
      return { status: 'sent' };
    },
    on(type, handler) {
      const set = handlers.get(type) ?? new Set();
      handlers.set(type, set);
      const h = handler as MessageHandler;
      set.add(h);
      return () => set.delete(h);
    },
    reconnect() {
      calls.reconnect += 1;
    },
    close() {
      calls.close += 1;
      setSnapshot({ status: 'closed' });
    },
    setSnapshot,
    emit(envelope) {
      for (const h of [...(handlers.get(envelope.type) ?? []), ...(handlers.get('*') ?? [])])
        h(envelope);
    },
    listenerCount: () => listeners.size + [...handlers.values()].reduce((n, s) => n + s.size, 0),
  };
}
