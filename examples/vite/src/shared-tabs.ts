import { shareTabs } from 'sockguard';

/**
 * One connection for all tabs: the socket lives in the SharedWorker of `socket.worker.ts`, which
 * Vite bundles from this `new URL(...)` as written. Made once at module level, so every render
 * hands the provider the same value.
 */
export const tabs = shareTabs({
  worker: () =>
    new SharedWorker(new URL('./socket.worker.ts', import.meta.url), {
      type: 'module',
      name: 'sockguard',
    }),
});
