/**
 * The cross-tab tests (`npm run test:tabs`, also run by `npm run test:browser`): Node drives
 * Debian's Chromium with Playwright, several pages of one browser context against a real `ws`
 * server, because a SharedWorker and its ports only show their behaviour between real pages.
 * One file at a time: each launches its own Chromium, and CI has 2 cores.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    name: 'tabs',
    environment: 'node',
    include: ['test/tabs/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
