import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  build: {
    // Two pages: index.html (a socket per tab) and tabs.html (one socket for all tabs).
    rolldownOptions: { input: ['index.html', 'tabs.html'] },
  },
});
