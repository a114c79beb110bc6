import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { storybookTest } from '@storybook/addon-vitest/vitest-plugin';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { chromiumArgs, chromiumPath } from './scripts/chromium.mjs';

const root = path.dirname(fileURLToPath(import.meta.url));
const react18 = (name: string) => path.join(root, 'test/react18/node_modules', name);

// Each browser project needs its own config object (a shared one breaks the second project).
function chromium() {
  return {
    enabled: true,
    headless: true,
    provider: playwright({
      launchOptions: { executablePath: chromiumPath, args: chromiumArgs },
    }),
    instances: [{ browser: 'chromium' as const }],
  };
}

export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          environment: 'happy-dom',
          env: { SOCKGUARD_EXPECT_REACT: '19' },
          include: [
            'src/**/*.test.{ts,tsx}',
            'test/unit/**/*.test.{ts,tsx}',
            'test/integration/**/*.test.{ts,tsx}',
          ],
          typecheck: { enabled: true, include: ['src/**/*.test-d.ts', 'test/**/*.test-d.ts'] },
        },
      },
      {
        // The hook tests again on React 18 (installed in test/react18 by `npm test` or `npm run test:react18:install`).
        extends: true,
        resolve: {
          alias: [
            { find: /^react$/, replacement: react18('react') },
            { find: /^react\/(.*)$/, replacement: `${react18('react')}/$1` },
            { find: /^react-dom$/, replacement: react18('react-dom') },
            { find: /^react-dom\/(.*)$/, replacement: `${react18('react-dom')}/$1` },
            // Its CommonJS main would `require('react-dom')` past the aliases (React 19): take the
            // ESM build, whose imports go through them.
            {
              find: /^@testing-library\/react$/,
              replacement: path.join(
                root,
                'node_modules/@testing-library/react/dist/@testing-library/react.esm.js',
              ),
            },
          ],
        },
        test: {
          name: 'react18',
          environment: 'happy-dom',
          include: ['src/react/**/*.test.tsx', 'test/unit/react-version.test.ts'],
          env: { SOCKGUARD_EXPECT_REACT: '18' },
          // Inlined so their own `react` imports go through the alias above too.
          server: { deps: { inline: ['@testing-library/react', 'zustand'] } },
        },
      },
      {
        extends: true,
        // Pre-bundled up front: a dependency found mid-run makes Vite reload the test page.
        optimizeDeps: { include: ['zustand/vanilla', 'zod/mini'] },
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.{ts,tsx}'],
          globalSetup: ['test/browser/global-setup.ts', 'test/browser/unsent-setup.ts'],
          browser: chromium(),
        },
      },
      {
        extends: true,
        plugins: [storybookTest({ configDir: path.join(root, '.storybook') })],
        test: {
          name: 'storybook',
          browser: chromium(),
          // The Live story's demo server, on a free port; the setup file hands its URL to stories.
          globalSetup: ['.storybook/vitest-global-setup.ts'],
          setupFiles: ['.storybook/vitest-setup.ts'],
          // Play functions wait for real reconnects: generous on a 2-core CI machine.
          testTimeout: 30_000,
        },
      },
    ],
  },
});
