/**
 * A page load, for a story that shows what survives a reload. A story cannot reload its own page
 * (the test runner lives in it), and closing the old socket is not what a reload does: `close()`
 * settles the durable sends and forgets them on the device. So a story "leaves" a page instead:
 * its socket is kept (never closed, never shown again) and made as dead as a page that is gone:
 * its storage closed, its Web Lock released, its address one that answers nothing. The next page
 * makes a new socket over the same database, as the next load of a real page does.
 */
import type { OutboxLocks, OutboxStorage } from '../../src/outbox/index.js';

/** One page load: what its socket's options take, and how it goes away. */
export interface StoryPage {
  /** Aborted when the page goes. */
  readonly gone: AbortSignal;
  /** `url` of the page's socket: `live()` while the page is here, `nowhere` once it went. */
  url(live: () => string, nowhere: string): () => string;
  /** The page's storage: closed when the page goes (a gone page writes nothing). */
  storage(storage: OutboxStorage): OutboxStorage;
  /**
   * The page's Web Locks: each lock it takes is released when it goes, as the browser releases a
   * page's locks on unload (null where there are no Web Locks).
   */
  readonly locks: OutboxLocks | null;
  /** The page goes: its storage closes, its locks are released, its socket dials nowhere. */
  leave(): void;
}

/** A new page load. */
export function storyPage(): StoryPage {
  const controller = new AbortController();
  const { signal } = controller;
  const closers: Array<() => void> = [];
  const whenGone = new Promise<void>((resolve) => {
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
  const browserLocks = (globalThis.navigator as { locks?: OutboxLocks } | undefined)?.locks;
  return {
    gone: signal,
    url: (live, nowhere) => () => (signal.aborted ? nowhere : live()),
    storage: (storage) => {
      closers.push(() => storage.close());
      return storage;
    },
    locks: browserLocks
      ? {
          request: (name, options, callback) =>
            browserLocks.request(name, options, (lock) => Promise.race([callback(lock), whenGone])),
        }
      : null,
    leave: () => {
      if (signal.aborted) return;
      controller.abort();
      for (const close of closers) close();
    },
  };
}

/**
 * Deletes the IndexedDB database `name` (a story starts with nothing kept), bounded: resolves
 * after `timeoutMs` even when another connection blocks the deletion.
 */
export function deleteDatabase(name: string, timeoutMs = 3000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = done;
    request.onerror = done;
  });
}
