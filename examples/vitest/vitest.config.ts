import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // msw's WebSocket interception and sockguard's client both need a global WebSocket, which
    // Node 20 lacks: happy-dom provides one.
    environment: 'happy-dom',
    testTimeout: 10_000,
  },
});
