/**
 * Playwright helpers of the cross-tab tests: Debian's Chromium, one browser context (Web Locks and
 * BroadcastChannel are shared per origin within a context, as between the tabs of one profile),
 * pages that load the tab page and start the shared socket, and short polls instead of sleeps.
 */
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { chromiumArgs, chromiumPath } from '../../scripts/chromium.mjs';
import type { ProbeState, StartOptions } from './page.js';
import { startTabServer, type TabServer } from './tab-server.js';

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

/** What {@link tabsSuite} gives each test: read its fields inside the test (they change per test). */
export interface TabsSuite {
  readonly server: TabServer;
  readonly context: BrowserContext;
  readonly pages: Page[];
}

/**
 * The life of a cross-tab test file: one tab server and one Chromium for the file; for each test a
 * new context with `count` pages whose shared sockets are open (and `ready` holds for every page's
 * state), and after it no connection left on the server.
 */
export function tabsSuite(
  count: number,
  options: {
    readonly bfcache?: boolean;
    readonly requestTimeoutMs?: number;
    readonly start?: StartOptions;
    readonly ready?: (state: ProbeState) => void;
  } = {},
): TabsSuite {
  let server: TabServer | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let pages: Page[] = [];
  beforeAll(async () => {
    [server, browser] = await Promise.all([
      startTabServer(),
      launch(options.bfcache ? { bfcache: true } : {}),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  beforeEach(async () => {
    const tabs = server as TabServer;
    tabs.reset();
    context = await (browser as Browser).newContext();
    pages = await openTabs(context, tabs, count, options.requestTimeoutMs, options.start);
    await until(async () => {
      const states = await readAll(pages);
      expect(states.map((s) => s.status)).toEqual(Array(count).fill('open'));
      for (const state of states) options.ready?.(state);
    });
  });
  afterEach(async () => {
    await context?.close();
    // The closed pages' socket goes; the next test starts from no connection.
    await until(() => expect(server?.openCount()).toBe(0));
  });
  return {
    get server() {
      return server as TabServer;
    },
    get context() {
      return context as BrowserContext;
    },
    get pages() {
      return pages;
    },
  };
}
