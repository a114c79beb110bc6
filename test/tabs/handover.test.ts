/**
 * Handover in real Chromium: the leader tab closes, crashes, or goes into the back/forward cache
 * while the other tabs' sends and requests are in flight. Within 1.5 s one connection is open
 * again, every send arrived (duplicates are counted and printed: a send the old leader had
 * written but not yet confirmed is handed to the new one too), every request settled, and no page
 * is stuck. Last, the handover time measured 20 times.
 */
import type { Page } from 'playwright';
import { describe, expect, it } from 'vitest';
import { handedOver, median, putInFlight, requestsSettled, tally } from './handover.js';
import { leaderOf, openTab, read, tabsSuite, until } from './tabs-browser.js';

const TABS = 4;
const WITHIN_MS = 1500;

// The back/forward cache on (Playwright turns it off), for the test that freezes the leader there.
const suite = tabsSuite(TABS, { bfcache: true });

/** Ends the leader one way, with the followers' work in flight, and checks the handover. */
async function handOverWhile(end: (leader: Page) => Promise<void>, label: string) {
  const leader = await leaderOf(suite.pages);
  const rest = suite.pages.filter((_, i) => i !== leader);
  const since = Date.now();
  // The work goes out as the leader goes: some reaches it, some only the next leader.
  const [flight] = await Promise.all([
    putInFlight(suite.pages, leader),
    end(suite.pages[leader] as Page),
  ]);
  const took = await handedOver(suite.server, rest, since);
  expect(took).toBeLessThan(WITHIN_MS);
  await requestsSettled(rest, flight);
  const { missing, duplicated, viaNew } = tally(suite.server, flight, since);
  console.log(
    `[tabs] ${label}: one connection again after ${took} ms; ${flight.sends.length} sends ` +
      `(${viaNew} through the new leader), ${missing.length} missing, ${duplicated.length} ` +
      `duplicated${duplicated.length ? ` (${duplicated.join(', ')})` : ''}`,
  );
  expect(missing).toEqual([]);
  return { rest, leader: suite.pages[leader] as Page };
}

describe('handover while work is in flight', () => {
  it('the leader tab closes: another leads within 1.5 s, every send arrives, every request settles', async () => {
    await handOverWhile((leader) => leader.close(), 'leader closed');
  });

  it('the leader tab crashes (renderer killed, no unload): the same', async () => {
    await handOverWhile(async (leader) => {
      const cdp = await suite.context.newCDPSession(leader);
      const crashed = leader.waitForEvent('crash', { timeout: 5000 });
      // The renderer dies with the call, so it never answers.
      cdp.send('Page.crash').catch(() => {});
      await crashed;
    }, 'leader crashed');
  });

  it('the leader goes into the back/forward cache: the same; back, it follows with its state', async () => {
    const { rest, leader } = await handOverWhile(async (page) => {
      await page.goto(`${suite.server.url}other`);
    }, 'leader in the bfcache');
    await leader.goBack({ waitUntil: 'commit' });
    // Restored from the cache, not loaded again: the probe (which a fresh load of the test page
    // would not start, so `read` would throw) and what it saw are still there.
    const back = await until(async () => {
      const state = await read(leader);
      expect(state.status).toBe('open');
      return state;
    });
    expect(back.role).toBe('follower');
    // What it saw from its start, while it led, is still recorded.
    expect(back.statuses.slice(0, 3).map((s) => s.status)).toEqual(['idle', 'connecting', 'open']);
    expect(suite.server.openCount()).toBe(1);
    await leaderOf([...rest, leader]);
  });
});

describe('handover time', () => {
  it('closing the leader 20 times: one connection open again, and open in every tab, well within 1.5 s', async () => {
    const times: number[] = [];
    for (let round = 0; round < 20; round += 1) {
      const leader = await leaderOf(suite.pages);
      const since = Date.now();
      await suite.pages[leader]?.close();
      suite.pages.splice(leader, 1);
      times.push(await handedOver(suite.server, suite.pages, since));
      suite.pages.push(await openTab(suite.context, suite.server));
    }
    const worst = Math.max(...times);
    console.log(
      `[tabs] handover over 20 closes of the leader (${TABS} tabs): median ${median(times)} ms, worst ${worst} ms (${times.join(', ')})`,
    );
    expect(worst).toBeLessThan(WITHIN_MS);
  }, 45_000);
});
