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
}

/** What the page's probe saw so far. */
export const read = (page: Page): Promise<PageState> =>
  page.evaluate(() => window.workerProbe.read());

/** {@link read} of every page, in order. */
export const readAll = (pages: readonly Page[]): Promise<PageState[]> =>
  Promise.all(pages.map(read));

/** The worker's state, read through `page`. */
export const hubState = (page: Page): Promise<HubState> =>
  page.evaluate(() => window.workerProbe.hub());

/** Opens a page of the worker origin and connects its socket to the shared worker. */
export async function openPage(
  context: BrowserContext,
  origin: WorkerServer,
  server: TabServer,
  label: string,
  requestTimeoutMs = 5000,
): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${origin.url}?plant=${encodeURIComponent(plant)}`);
  await page.evaluate(([url, name, ms]) => window.workerProbe.start(url, name, ms), [
    server.wsUrl,
    label,
    requestTimeoutMs,
  ] as [string, string, number]);
  return page;
}

/** Sets up the file's servers and Chromium, and `count` open pages for each test. */
export function workerSuite(count: number): WorkerSuite {
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
      launch(),
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
      pages.push(await openPage(context, origin as WorkerServer, tabs, String(i)));
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
  };
}

/** The numbered sends (`seq`) the server got from the page labelled `from`, in arrival order. */
export const seqFrom = (server: TabServer, from: string): number[] =>
  server.frames
    .filter((f) => f.type === 'seq' && (f.data as { from: string }).from === from)
    .map((f) => (f.data as { n: number }).n);

/** 0, 1, ..., count - 1. */
export const upTo = (count: number): number[] => Array.from({ length: count }, (_, n) => n);
