// npm run test:browser: browser tests and every Storybook story as a test, in Debian's Chromium.
import { chromiumPath, hasChromium, installHint } from './chromium.mjs';
import { banner, summary, vitest } from './run.mjs';

if (!hasChromium()) {
  banner([
    'CANNOT RUN BROWSER TESTS: Chromium is missing',
    `Looked for ${chromiumPath}.`,
    ...installHint.split('\n'),
  ]);
  process.exit(1);
}
summary('browser tests', vitest('browser', ['--project', 'browser', '--project', 'storybook']));
