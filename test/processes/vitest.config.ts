/**
 * The real-process suite (`npm run test:processes`): instance processes, redis-server, nginx and
 * HAProxy on 127.0.0.1, one test at a time (they share the machine's 2 cores with a CPU hog).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    name: 'processes',
    environment: 'node',
    include: ['test/processes/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 30_000,
  },
});
