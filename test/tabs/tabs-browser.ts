/**
 * Playwright helpers of the cross-tab tests: Debian's Chromium (the back/forward cache on when
 * asked), and short polls instead of sleeps.
 */
import { type Browser, chromium } from 'playwright';
import { chromiumArgs, chromiumPath } from '../../scripts/chromium.mjs';

/**
 * Launches Chromium. Playwright turns the back/forward cache off by default; `bfcache: true` keeps
 * it on for the tests that put a page there.
 */
export function launch(options: { bfcache?: boolean } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: chromiumArgs,
    ...(options.bfcache ? { ignoreDefaultArgs: ['--disable-back-forward-cache'] } : {}),
  });
}

/** Polls `check` every 10 ms until it passes (returns its value) or `timeoutMs` passes (throws its error). */
export async function until<T>(check: () => Promise<T> | T, timeoutMs = 5000): Promise<T> {
  const started = Date.now();
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() - started > timeoutMs) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}
