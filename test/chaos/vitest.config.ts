/**
 * The chaos suite (`npm run test:chaos`): a soak and a fuzz run against real sockets, in Node, one
 * file at a time (they share the 2 CPUs of CI badly). Real time is allowed here: it is a soak.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    name: 'chaos',
    environment: 'node',
    include: ['test/chaos/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 115_000,
    hookTimeout: 15_000,
    reporters: ['default', './test/chaos/figures-reporter.ts'],
  },
});
