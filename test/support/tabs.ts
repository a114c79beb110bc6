/**
 * Test-only: the Web Locks API and BroadcastChannel in memory, for the cross-tab sharing's unit
 * tests. Locks are granted in request order; a tab "crashes" by `crash(name)`, which frees its lock
 * without its callback settling (what the browser does when a tab dies). Channel messages are
 * structured clones delivered to the other channels of a name in a later microtask, as browsers do.
 * `steal` and `ifAvailable` behave as in the Web Locks API.
 */
import type { ChannelLike, LocksLike } from '../../src/tabs/wire.js';

interface Waiter {
  readonly callback: (lock: unknown) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

export function memoryLocks(): LocksLike & {
  crash(name: string): void;
  holder(name: string): number;
} {
  const queues = new Map<string, Waiter[]>();
  const held = new Map<string, { waiter: Waiter; id: number }>();
  let grants = 0;
  const next = (name: string) => {
    if (held.has(name)) return;
    const waiter = queues.get(name)?.shift();
    if (!waiter) return;
    const id = ++grants;
    held.set(name, { waiter, id });
    const done = (settle: () => void) => {
      if (held.get(name)?.id !== id) return; // crashed already: freed
      held.delete(name);
      settle();
      next(name);
    };
    waiter.callback({ name }).then(
      (value) => done(() => waiter.resolve(value)),
      (error: unknown) => done(() => waiter.reject(error)),
    );
  };
  return {
    request(name, options, callback) {
      const queue = queues.get(name) ?? [];
      queues.set(name, queue);
      // Not free at once: the callback gets null, and nothing waits.
      if (options.ifAvailable && (held.has(name) || queue.length > 0))
        return Promise.resolve().then(() => callback(null));
      return new Promise((resolve, reject) => {
        const waiter: Waiter = { callback, resolve, reject };
        if (options.steal) {
          // The holder's request rejects; its callback runs on, no longer holding the lock.
          const holder = held.get(name);
          held.delete(name);
          holder?.waiter.reject(new DOMException('stolen', 'AbortError'));
          queue.unshift(waiter);
          // Granted at once, ahead of the queue.
          return next(name);
        }
        queue.push(waiter);
        options.signal?.addEventListener('abort', () => {
          const index = queue.indexOf(waiter);
          if (index === -1) return;
          queue.splice(index, 1);
          reject(new DOMException('aborted', 'AbortError'));
        });
        queueMicrotask(() => next(name));
      });
    },
    crash(name) {
      held.delete(name);
      next(name);
    },
    holder: (name) => held.get(name)?.id ?? 0,
  };
}

export function memoryChannels(): { open(name: string): ChannelLike; sent: number } {
  const byName = new Map<string, Set<MemoryChannel>>();
  const bus = { sent: 0, open: (name: string): ChannelLike => new MemoryChannel(name) };
  class MemoryChannel implements ChannelLike {
    readonly #listeners = new Set<(event: { data: unknown }) => void>();
    #closed = false;
    constructor(readonly name: string) {
      const peers = byName.get(name) ?? new Set();
      byName.set(name, peers);
      peers.add(this);
    }
    postMessage(message: unknown) {
      if (this.#closed) throw new DOMException('closed', 'InvalidStateError');
      bus.sent += 1;
      const data = structuredClone(message);
      for (const peer of byName.get(this.name) ?? []) {
        if (peer !== this) queueMicrotask(() => peer.deliver(data));
      }
    }
    deliver(data: unknown) {
      if (!this.#closed) for (const listener of [...this.#listeners]) listener({ data });
    }
    addEventListener(_type: 'message', listener: (event: { data: unknown }) => void) {
      this.#listeners.add(listener);
    }
    removeEventListener(_type: 'message', listener: (event: { data: unknown }) => void) {
      this.#listeners.delete(listener);
    }
    close() {
      this.#closed = true;
      byName.get(this.name)?.delete(this);
    }
  }
  return bus;
}
