/**
 * The durable outbox in real Chromium (`npm run test:outbox`, also run by `npm run test:browser`):
 * Node drives Debian's Chromium with Playwright against a real `ws` delivery server, because what
 * the outbox promises (sends survive a reload, a closed page, a crash; one tab at a time; nothing
 * of one user sent as another) lives in real IndexedDB, Web Locks and page lifecycles.
 * One file at a time: each launches its own Chromium, and CI has 2 cores.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    name: 'outbox',
    environment: 'node',
    include: ['test/outbox/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 20_000,
  },
});
