/**
 * The case of worker-bfcache.test.ts' second test, with delivery on (found again by the delivery
 * soak, worker-soak-delivery.test.ts: 64 sends of one page, in 1 of 3 runs): the worker dies (its
 * creator crashes) and page 2, not yet aware (a tab judges the worker dead only after 2 s of
 * silence), goes into the back/forward cache with sends it handed to the dead worker, and comes
 * back. Without delivery those sends now fail with a fault (`worker_lost_work`, told). With
 * delivery they are neither kept nor failed: `leave()` settles them `left` and their receipts
 * resolve `unconfirmed` (src/worker/tab.ts line 506, `if (closing || maxUnacked) settleAll(...,
 * 'left')`), the tab forgets them, and nobody hands them to the new worker: they never arrive,
 * and no receipt rejects. Counted lost here (the issue: lost is accepted, never arrived and not
 * failed with a fault or a receipt rejection).
 *
 * FAILS on src/worker/tab.ts as of this commit (lost > 0, each with receipt `unconfirmed`). It
 * passes once a page going into the cache with delivery keeps its sends (as `renew()` keeps them
 * across a worker death) and hands them to the worker it finds on `pageshow`, or rejects their
 * receipts saying they may have arrived.
 */
import type { Page } from 'playwright';
import { describe, expect, it } from 'vitest';
import { until } from './tabs-browser.js';
import { arrivals, neverWithDelivery, tally } from './worker-support/tally.js';
import { read, readAll, workerSuite } from './worker-support/worker-suite.js';

const EVERY_MS = 20;
const suite = workerSuite(5, { pingMs: 1000, tabTimeoutMs: 10_000, bfcache: true, delivery: true });

describe('a page into the back/forward cache and back, with delivery', () => {
  it('after its worker died unnoticed: every send it had handed over arrives or its receipt rejects; none lost', async () => {
    const [host, , cached] = suite.pages as [Page, Page, Page];
    const others = suite.pages.slice(1);
    await Promise.all(
      others.map((page) => page.evaluate((every) => window.workerProbe.stream(every), EVERY_MS)),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const cdp = await suite.context.newCDPSession(host);
    const crashed = new Promise<void>((resolve) => host.once('crash', () => resolve()));
    const first = suite.server.connections[0];
    cdp.send('Page.crash').catch(() => {});
    await crashed;
    await until(() => expect(first?.closedAt).not.toBeNull(), 2000);
    // Sends go on from page 2 to the dead worker for a while, then it leaves for the cache.
    await new Promise((resolve) => setTimeout(resolve, 400));
    const notUsed: unknown[] = [];
    const pageCdp = await suite.context.newCDPSession(cached);
    await pageCdp.send('Page.enable');
    pageCdp.on('Page.backForwardCacheNotUsed', (event) => void notUsed.push(event));
    await cached.goto(`${suite.origin.url}other`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await cached.goBack({ waitUntil: 'commit' });
    await until(async () => expect((await read(cached)).status).toBe('open'), 15_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await Promise.all(others.map((page) => page.evaluate(() => window.workerProbe.stop())));
    // Every receipt settles (the new worker's acks; the cached page's on leaving).
    await until(async () => {
      for (const s of await readAll(others))
        expect(Object.keys(s.receipts).length).toBe(
          s.sends.filter((e) => e.status === 'queued').length,
        );
    }, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const state = await read(cached);
    expect(notUsed).toEqual([]);
    expect(state.lifecycle.filter((e) => e.persisted).map((e) => e.type)).toEqual([
      'pagehide',
      'pageshow',
    ]);
    const t = tally(state, suite.server);
    const got = new Set(arrivals(suite.server, state.label));
    const silent = state.sends.filter(
      (e) => e.status === 'queued' && !got.has(e.n) && state.settled[e.n] !== 'failed',
    );
    console.log(
      `[worker] bfcache after an unnoticed worker death, delivery on: page 2 accepted ${t.accepted}, arrived ${t.arrived}, receipts ${JSON.stringify(t.receipts)}, twice ${t.twice} (across the death ${t.repeatsAcrossDeaths}), lost ${t.lost} (receipts ${JSON.stringify([...new Set(silent.map((e) => state.receipts[e.n]))])}, settled ${JSON.stringify([...new Set(silent.map((e) => state.settled[e.n]))])})`,
    );
    expect(neverWithDelivery(t)).toEqual({
      label: '2',
      twice: 0,
      outOfOrder: 0,
      lost: 0,
      settledTwice: 0,
      unexpected: 0,
      wrongReply: 0,
      answersTwice: 0,
    });
  }, 40_000);
});
