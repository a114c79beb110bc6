// npm test: typecheck, lint, unit + integration tests (happy-dom, real ws servers), React 18 rerun,
// then the browser tests when Chromium is here (CI runs them as their own step: SOCKGUARD_SKIP_BROWSER=1).
import { existsSync } from 'node:fs';
import { chromiumPath, hasChromium, installHint } from './chromium.mjs';
import { add, banner, run, summary, vitest } from './run.mjs';

run('typecheck', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']);
run('lint', 'npx', ['biome', 'check', '.']);
let totals = vitest('unit', ['--project', 'unit']);
// React 18 lives in its own folder so the root install stays React 19; installed here, not in an
// install hook, so a consumer's `npm install sockguard` never runs it.
if (!existsSync('test/react18/node_modules/react')) {
  run('React 18 for the react18 project', 'npm', ['run', 'test:react18:install']);
}
totals = add(totals, vitest('react18', ['--project', 'react18']));

if (process.env.SOCKGUARD_SKIP_BROWSER === '1') {
  console.log(
    '\nBrowser tests skipped here on request (SOCKGUARD_SKIP_BROWSER=1): run `npm run test:browser`.',
  );
} else if (hasChromium()) {
  totals = add(totals, vitest('browser', ['--project', 'browser', '--project', 'storybook']));
  totals = add(totals, vitest('tabs', ['--config', 'test/tabs/vitest.config.ts']));
} else {
  banner([
    'BROWSER TESTS WERE NOT RUN',
    `Chromium was not found at ${chromiumPath}.`,
    'Unit and integration tests passed; browser tests and the Storybook',
    'stories-as-tests need Chromium. To run them:',
    ...installHint.split('\n'),
    'then: npm run test:browser',
  ]);
}
summary('tests', totals);
