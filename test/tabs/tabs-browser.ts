/**
 * Playwright helpers of the cross-tab tests: Debian's Chromium, one browser context (Web Locks and
 * BroadcastChannel are shared per origin within a context, as between the tabs of one profile),
 * pages that load the tab page and start the shared socket, and short polls instead of sleeps.
 */
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright';
import { chromiumArgs, chromiumPath } from '../../scripts/chromium.mjs';
import type { ProbeState, StartOptions } from './page.js';
import type { TabServer } from './tab-server.js';

/**
 * Launches Chromium. Playwright turns the back/forward cache off by default; `bfcache: true` keeps
 * it on for the test that freezes the leader there.
 */
export function launch(options: { bfcache?: boolean } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: chromiumArgs,
    ...(options.bfcache ? { ignoreDefaultArgs: ['--disable-back-forward-cache'] } : {}),
  });
}

/** Opens `count` tabs of the page in one context, each with its shared socket started. */
export async function openTabs(
  context: BrowserContext,
  server: TabServer,
  count: number,
  requestTimeoutMs?: number,
  options: StartOptions = {},
): Promise<Page[]> {
  const pages: Page[] = [];
  for (let i = 0; i < count; i += 1)
    pages.push(await openTab(context, server, requestTimeoutMs, options));
  return pages;
}

/** Opens one more tab of the page in `context` and starts its shared socket. */
export async function openTab(
  context: BrowserContext,
  server: TabServer,
  requestTimeoutMs?: number,
  options: StartOptions = {},
): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${server.url}?test`);
  await startProbe(page, server, requestTimeoutMs, options);
  return page;
}

/**
 * Starts the page's shared socket on the server's WebSocket URL (its delivery endpoint, with
 * `delivery()`, for `options.delivery`).
 */
export const startProbe = (
  page: Page,
  server: TabServer,
  requestTimeoutMs?: number,
  options: StartOptions = {},
) =>
  page.evaluate(([url, ms, given]) => window.tabProbe.start(url, ms, given), [
    options.delivery ? server.deliveryUrl : server.wsUrl,
    requestTimeoutMs,
    options,
  ] as [string, number | undefined, StartOptions]);

/** What the page's probe saw so far. */
export const read = (page: Page): Promise<ProbeState> =>
  page.evaluate(() => window.tabProbe.read());

/** {@link read} of every page, in order. */
export const readAll = (pages: readonly Page[]): Promise<ProbeState[]> =>
  Promise.all(pages.map(read));

/** Polls `check` every 10 ms until it stops throwing, or throws its last error after `timeoutMs`. */
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

/** The index of the page that leads (throws while none or several do). */
export async function leaderOf(pages: readonly Page[]): Promise<number> {
  const roles = (await readAll(pages)).map((s) => s.role);
  const leaders = roles.flatMap((role, i) => (role === 'leader' ? [i] : []));
  if (leaders.length !== 1) throw new Error(`expected one leader, roles are ${roles.join(', ')}`);
  return leaders[0] ?? -1;
}
