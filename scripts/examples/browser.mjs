// Loads an example app in Debian's Chromium and walks the chat through the failures the issue
// names: open, a message, an error envelope as a toast, 4003 as a redirect, a clean console.
import { chromium } from 'playwright';
import { chromiumArgs, chromiumPath, hasChromium, installHint } from '../chromium.mjs';
import { StepError } from './proc.mjs';

let browser = null;

/** One Chromium for the whole run, launched on first use. */
export async function getBrowser() {
  if (!hasChromium()) throw new StepError(`no Chromium at ${chromiumPath}. ${installHint}`);
  browser ??= await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  return browser;
}

export async function closeBrowser() {
  await browser?.close();
  browser = null;
}

// A tab shares 2 cores with the servers and the build: generous, but bounded.
export const TIMEOUT_MS = 15_000;

/**
 * Records what a page says into `consoleLines` (every console line) and `problems` (its console
 * errors, hydration warnings, uncaught errors, HTTP responses of 400 and over); new arrays unless
 * given, so several pages can share them. `label` prefixes each line. Returns the two arrays.
 */
export function watchPage(page, { label = '', consoleLines = [], problems = [] } = {}) {
  const prefix = label ? `${label}: ` : '';
  page.on('console', (message) => {
    const line = `${message.type()}: ${message.text()}`;
    consoleLines.push(`${prefix}${line}`);
    const where = message.location().url;
    if (message.type() === 'error')
      problems.push(`${prefix}console error: ${message.text()} (at ${where})`);
    else if (/hydrat/i.test(message.text()))
      problems.push(`${prefix}hydration warning: ${message.text()}`);
  });
  page.on('pageerror', (error) => {
    // Production React reports a hydration mismatch only by its error number.
    const hydration = /Minified React error #(418|423|425)\b/.test(error.message);
    problems.push(
      `${prefix}page error${hydration ? ' (a hydration mismatch)' : ''}: ${error.message}`,
    );
  });
  // The console says "Failed to load resource" without the address: name it.
  page.on('response', (response) => {
    if (response.status() >= 400)
      problems.push(`${prefix}HTTP ${response.status()} for ${response.url()}`);
  });
  return { consoleLines, problems };
}

/**
 * Drives one page through the scenario. `control` is the test server's HTTP base URL; `loginUrl`
 * matches the address the auth redirect leads to. Throws a StepError naming the first check
 * that failed, with the console so far.
 */
export async function checkChatApp({ appUrl, control, loginUrl, step }) {
  const context = await (await getBrowser()).newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT_MS);
  const { consoleLines, problems } = watchPage(page);

  const expect = async (what, wait) => {
    try {
      await wait();
      console.log(`  ok: ${what}`);
    } catch (error) {
      const seen = consoleLines.length ? consoleLines.join('\n    ') : '(empty)';
      const body = await page
        .locator('body')
        .textContent()
        .catch(() => '(unreadable)');
      throw new StepError(
        `${what}: ${error.message.split('\n')[0]}\n  page text: ${JSON.stringify(body)}\n  console:\n    ${seen}`,
      );
    }
  };
  const post = async (action) => {
    const response = await fetch(`${control}/${action}`, { method: 'POST' });
    return response.json();
  };

  try {
    step(`Chromium: load ${appUrl}`);
    await page.goto(appUrl, { waitUntil: 'load' });
    await expect('the status shows open', () =>
      page.waitForFunction(
        () => document.querySelector('[data-testid="status"]')?.textContent === 'open',
      ),
    );
    await expect('the server message shows', () =>
      page.getByTestId('messages').getByText('server: welcome').waitFor(),
    );

    const before = await post('toast');
    // The default text of an error envelope: the server's own text is shown only with
    // englishTexts() (examples/node/protocol.mjs checks that one).
    await expect('an error envelope (4001) shows as a toast', () =>
      page.getByRole('alert').filter({ hasText: 'The request failed.' }).waitFor(),
    );
    if (before.connections !== 1) {
      problems.push(
        `the server saw ${before.connections} connections, not 1 (StrictMode opened two?)`,
      );
    }

    await post('expire');
    await expect('error 4003 + close 4003 redirect to login', async () => {
      await page.waitForURL(loginUrl);
      await page.getByRole('heading', { name: 'Please log in' }).waitFor();
    });
  } finally {
    await context.close();
  }
  const warnings = consoleLines.filter((line) => line.startsWith('warning'));
  if (warnings.length) console.log(`  console warnings (allowed):\n    ${warnings.join('\n    ')}`);
  if (problems.length) throw new StepError(problems.join('\n  '));
  console.log(
    `  ok: no console error, no hydration warning (${consoleLines.length} console lines)`,
  );
}
