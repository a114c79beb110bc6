/**
 * The scenario of both bfcache tests of an unnoticed worker death (worker-bfcache.test.ts without
 * delivery, worker-bfcache-delivery.test.ts with): page 0, the worker's creator, crashes, which
 * kills the worker; page 2, not told (a tab judges the worker dead only after 2 s of silence),
 * sends to the dead worker for 400 ms, goes into the back/forward cache and comes back. Returns
 * what the tests judge: page 2's state, its tally, the CDP reasons it was not restored, and its
 * sends that neither arrived nor failed.
 */
import type { CDPSession, Page } from 'playwright';
import { expect } from 'vitest';
import { until } from '../tabs-browser.js';
import type { PageState } from './probe.js';
import { arrivals, type Tally, tally } from './tally.js';
import { read, readAll, type WorkerSuite } from './worker-suite.js';

const EVERY_MS = 20;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** CDP's reasons a page was not restored from the cache, as they come. */
export async function notUsedOf(cdp: CDPSession): Promise<unknown[]> {
  const reasons: unknown[] = [];
  await cdp.send('Page.enable');
  cdp.on('Page.backForwardCacheNotUsed', (event) => void reasons.push(event));
  return reasons;
}

export interface UnnoticedDeath {
  readonly state: PageState;
  readonly t: Tally;
  readonly reasons: unknown[];
  /** Page 2's sends accepted that never arrived and were not failed. */
  readonly silent: PageState['sends'];
}

/**
 * Runs the scenario on `suite` (5 pages, the bfcache on). `settledBy`: what counts as a send's end
 * in the other pages before page 2 is read (`receipts` with delivery, else `settled`).
 */
export async function cacheAfterUnnoticedDeath(
  suite: WorkerSuite,
  settledBy: 'settled' | 'receipts',
): Promise<UnnoticedDeath> {
  const [host, , cached] = suite.pages as [Page, Page, Page];
  const others = suite.pages.slice(1);
  await Promise.all(
    others.map((page) => page.evaluate((every) => window.workerProbe.stream(every), EVERY_MS)),
  );
  await sleep(300);
  const cdp = await suite.context.newCDPSession(host);
  const crashed = new Promise<void>((resolve) => host.once('crash', () => resolve()));
  const first = suite.server.connections[0];
  cdp.send('Page.crash').catch(() => {});
  await crashed;
  await until(() => expect(first?.closedAt).not.toBeNull(), 2000);
  // Sends go on from page 2 to the dead worker for a while, then it leaves for the cache.
  await sleep(400);
  const reasons = await notUsedOf(await suite.context.newCDPSession(cached));
  await cached.goto(`${suite.origin.url}other`);
  await sleep(300);
  await cached.goBack({ waitUntil: 'commit' });
  await until(async () => expect((await read(cached)).status).toBe('open'), 15_000);
  await sleep(500);
  await Promise.all(others.map((page) => page.evaluate(() => window.workerProbe.stop())));
  await until(async () => {
    for (const s of await readAll(others))
      expect(Object.keys(s[settledBy]).length).toBe(
        s.sends.filter((e) => e.status === 'queued').length,
      );
  }, 10_000);
  await sleep(500);
  const state = await read(cached);
  const t = tally(state, suite.server);
  const got = new Set(arrivals(suite.server, state.label));
  const silent = state.sends.filter(
    (e) => e.status === 'queued' && !got.has(e.n) && state.settled[e.n] !== 'failed',
  );
  return { state, t, reasons, silent };
}
