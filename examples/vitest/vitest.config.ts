import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // No environment here on purpose: the README's example says `// @vitest-environment
    // happy-dom` itself (msw and sockguard need a global WebSocket, which Node 20 lacks), so it
    // must run as pasted into a project with Vitest's defaults.
    testTimeout: 10_000,
  },
});
