/**
 * The life of a SharedWorker test file: the tab server of test/tabs (the WebSocket side: it
 * counts connections, logs frames, answers requests), the worker origin (worker-server.ts) and
 * one Chromium for the file; for each test a new browser context (so a new SharedWorker) with
 * `count` pages whose sockets are open, and after it no connection left on the server.
 * `SOCKGUARD_WORKER_PLANT=<name>` (probe.ts `PLANTS`) loads the pages with that bug planted.
 */
import type { Browser, BrowserContext, Page } from 'playwright';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { startTabServer, type TabServer } from '../tab-server.js';
import { launch, until } from '../tabs-browser.js';
import { type HubState, type PageState, PLANTS, type Plant } from './probe.js';
import { startWorkerServer, type WorkerServer } from './worker-server.js';

/** The plant asked for in the environment, checked. */
export const plant = ((): Plant | '' => {
  const name = process.env.SOCKGUARD_WORKER_PLANT ?? '';
  if (name !== '' && !(name in PLANTS))
    throw new Error(`SOCKGUARD_WORKER_PLANT: no plant ${name} (${Object.keys(PLANTS).join(', ')})`);
  return name as Plant | '';
})();

/** What {@link workerSuite} gives each test: read its fields inside the test. */
export interface WorkerSuite {
  readonly server: TabServer;
  readonly context: BrowserContext;
  readonly pages: Page[];
  /** The worker origin (to open more pages). */
  readonly origin: WorkerServer;
}

/** What the page's probe saw so far. */
export const read = (page: Page): Promise<PageState> =>
  page.evaluate(() => window.workerProbe.read());

/** {@link read} of every page, in order. */
export const readAll = (pages: readonly Page[]): Promise<PageState[]> =>
  Promise.all(pages.map(read));

/**
 * Each page makes `count` numbered sends, one every `ms` (the probe's `series`); resolves with
 * each page's send statuses once all are made.
 */
export const sendSeries = (pages: readonly Page[], count: number, ms: number) =>
  Promise.all(
    pages.map((page) =>
      page.evaluate(([c, every]) => window.workerProbe.series(c, every), [count, ms] as [
        number,
        number,
      ]),
    ),
  );

/**
 * Readies `page` to crash (CDP `Page.crash`): `crash()` kills its renderer (the call never
 * answers) and resolves once Playwright saw the crash.
 */
export async function crashable(
  suite: WorkerSuite,
  page: Page,
): Promise<{ crash(): Promise<void> }> {
  const cdp = await suite.context.newCDPSession(page);
  const seen = new Promise<void>((resolve) => page.once('crash', () => resolve()));
  return {
    crash() {
      cdp.send('Page.crash').catch(() => {});
      return seen;
    },
  };
}

/** The worker's state, read through `page`. */
export const hubState = (page: Page): Promise<HubState> =>
  page.evaluate(() => window.workerProbe.hub());

/** A suite's choices: the hub's liveness options, and Chromium's back/forward cache. */
export interface SuiteOptions {
  /** The hub's `pingIntervalMs` and `tabTimeoutMs`. @default probe.ts' 500 and 1000 */
  readonly pingMs?: number;
  readonly tabTimeoutMs?: number;
  /** Keep Chromium's back/forward cache on (Playwright turns it off). @default false */
  readonly bfcache?: boolean;
  /** The pages' sockets with `delivery()`, against the tab server's `/ws-delivery`. @default false */
  readonly delivery?: boolean;
  /** The pages make their SharedWorker with `extendedLifetime: true`. @default false */
  readonly extendedLifetime?: boolean;
  /**
   * With {@link delivery}: the pages give `delivery({ outbox: indexedDbOutbox({ user: 'u1' }) })`
   * and the worker's hub `outbox: indexedDbOutbox`. @default false
   */
  readonly outbox?: boolean;
}

/** The page's address: the plant, and the hub's options when the suite chose them. */
export const pageUrl = (origin: WorkerServer, options: SuiteOptions = {}): string => {
  const query = new URLSearchParams({ plant });
  if (options.pingMs !== undefined) query.set('ping', String(options.pingMs));
  if (options.tabTimeoutMs !== undefined) query.set('timeout', String(options.tabTimeoutMs));
  if (options.delivery) query.set('delivery', '1');
  if (options.extendedLifetime) query.set('extended', '1');
  if (options.outbox) query.set('outbox', '1');
  return `${origin.url}?${query}`;
};

/**
 * Starts the socket of a page already loaded (a page reloaded starts again with this), on the
 * tab server's endpoint of the suite's choice (the page, loaded from {@link pageUrl}, knows it).
 */
export const startPage = (
  page: Page,
  server: TabServer,
  label: string,
  requestTimeoutMs = 5000,
  options: SuiteOptions = {},
) =>
  page.evaluate(([url, name, ms]) => window.workerProbe.start(url, name, ms), [
    options.delivery ? server.deliveryUrl : server.wsUrl,
    label,
    requestTimeoutMs,
  ] as [string, string, number]);

/** Opens a page of the worker origin and connects its socket to the shared worker. */
export async function openPage(
  context: BrowserContext,
  origin: WorkerServer,
  server: TabServer,
  label: string,
  requestTimeoutMs = 5000,
  options: SuiteOptions = {},
): Promise<Page> {
  const page = await context.newPage();
  await page.goto(pageUrl(origin, options));
  await startPage(page, server, label, requestTimeoutMs, options);
  return page;
}

/** Sets up the file's servers and Chromium, and `count` open pages for each test. */
export function workerSuite(count: number, options: SuiteOptions = {}): WorkerSuite {
  let server: TabServer | undefined;
  let origin: WorkerServer | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let pages: Page[] = [];
  beforeAll(async () => {
    if (plant !== '') console.log(`[worker] planted bug: ${plant}`);
    [server, origin, browser] = await Promise.all([
      startTabServer(),
      startWorkerServer(),
      launch(options.bfcache ? { bfcache: true } : {}),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([server?.close(), origin?.close()]);
  });
  beforeEach(async () => {
    const tabs = server as TabServer;
    tabs.reset();
    context = await (browser as Browser).newContext();
    pages = [];
    for (let i = 0; i < count; i += 1)
      pages.push(await openPage(context, origin as WorkerServer, tabs, String(i), 5000, options));
    await until(async () => {
      expect((await readAll(pages)).map((s) => s.status)).toEqual(Array(count).fill('open'));
    });
  });
  afterEach(async () => {
    await context?.close();
    // The context's worker goes with it, and its socket: the next test starts from none.
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
    get origin() {
      return origin as WorkerServer;
    },
  };
}

/** The numbered sends (`seq`) the server got from the page labelled `from`, in arrival order. */
export const seqFrom = (server: TabServer, from: string): number[] =>
  server.frames
    .filter((f) => f.type === 'seq' && (f.data as { from: string }).from === from)
    .map((f) => (f.data as { n: number }).n);

/** 0, 1, ..., count - 1. */
export const upTo = (count: number): number[] => Array.from({ length: count }, (_, n) => n);
