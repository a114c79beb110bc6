import type { StorybookConfig } from '@storybook/react-vite';

const config: StorybookConfig = {
  stories: ['../stories/**/*.stories.@(ts|tsx)'],
  addons: ['@storybook/addon-vitest', 'msw-storybook-addon'],
  framework: { name: '@storybook/react-vite', options: {} },
  // Serves msw's mockServiceWorker.js so stories can script WebSocket servers without one.
  staticDirs: ['../public'],
  core: { disableTelemetry: true, disableWhatsNewNotifications: true },
  // Pre-bundled up front: a dependency Vite discovers mid-run (sonner in one story file) makes it
  // re-optimize and reload, and a test running then sees two copies of React. Not `msw`: listed
  // here it is bundled apart from the addon's `msw/browser`, and its handlers stop matching.
  viteFinal: (config) => ({
    ...config,
    optimizeDeps: {
      ...config.optimizeDeps,
      include: [...(config.optimizeDeps?.include ?? []), 'sonner', 'zustand/vanilla'],
    },
  }),
};

export default config;
