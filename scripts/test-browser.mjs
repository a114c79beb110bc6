// npm run test:browser: browser tests and every Storybook story as a test, in Debian's Chromium.
import { chromiumPath, hasChromium, installHint } from './chromium.mjs';
import { add, banner, summary, vitest } from './run.mjs';

if (!hasChromium()) {
  banner([
    'CANNOT RUN BROWSER TESTS: Chromium is missing',
    `Looked for ${chromiumPath}.`,
    ...installHint.split('\n'),
  ]);
  process.exit(1);
}
const browser = vitest('browser', ['--project', 'browser', '--project', 'storybook']);
// Several pages of one Chromium driven from Node (test/tabs): one connection for all tabs.
const tabs = vitest('tabs', ['--config', 'test/tabs/vitest.config.ts']);
// The durable outbox in real IndexedDB across reloads, closed pages, crashes and tabs (test/outbox).
summary(
  'browser tests',
  add(add(browser, tabs), vitest('outbox', ['--config', 'test/outbox/vitest.config.ts'])),
);
