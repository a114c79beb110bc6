import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  // For the dev server only: Vite's scan of the pages does not follow `new SharedWorker(new
  // URL(...))`, so without this, on a cold cache, it meets `sockguard/worker` when the worker
  // first loads, re-optimizes and reloads the page, and in Chromium the tabs then stayed
  // `reconnecting` with no connection, a reload or a new tab alike. `vite build` needs nothing.
  optimizeDeps: { include: ['sockguard/worker'] },
  build: {
    // Two pages: index.html (a socket per tab) and tabs.html (one socket for all tabs).
    rolldownOptions: { input: ['index.html', 'tabs.html'] },
  },
});
