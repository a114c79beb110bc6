/**
 * A leader crash with delivery on, in real Chromium against the session server (`/ws-delivery`,
 * acks batched 100 ms): the leader page's renderer is killed (CDP `Page.crash`, no unload) while
 * the three other pages' sends and requests are in flight and the server keeps pushing. The new
 * leader resumes the session the tabs share: the server processed each send exactly once, every
 * request settled, and every page's handlers saw each push exactly once, in order (those pushed
 * while no tab held the connection too).
 */
import type { Page } from 'playwright';
import { describe, expect, it } from 'vitest';
import { handedOver, type InFlight, putInFlight, requestsSettled, tally } from './handover.js';
import { leaderOf, readAll, tabsSuite, until } from './tabs-browser.js';

const TABS = 4;

const suite = tabsSuite(TABS, {
  requestTimeoutMs: 8000,
  start: { delivery: true },
  ready: (state) => expect(state.delivery).toBe('on'),
});

const pushesSeen = (received: ReadonlyArray<{ type: string; data: unknown }>) =>
  received.filter((e) => e.type === 'push').map((e) => (e.data as { i: number }).i);

/**
 * Crashes the leader page while the others' work is in flight and the server pushes; `written`:
 * once the server has the sends (processed, not acknowledged yet), else as they go out.
 */
async function crashWhile(written: boolean, label: string) {
  let pushed = 0;
  let pushing = true;
  const pushes = (async () => {
    while (pushing) {
      await suite.server.push('push', { i: ++pushed });
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  await until(async () => {
    for (const state of await readAll(suite.pages))
      expect(pushesSeen(state.received).length).toBeGreaterThan(3);
  });

  const leader = await leaderOf(suite.pages);
  const rest = suite.pages.filter((_, i) => i !== leader);
  const since = Date.now();
  const cdp = await suite.context.newCDPSession(suite.pages[leader] as Page);
  const crash = async () => {
    const crashed = (suite.pages[leader] as Page).waitForEvent('crash', { timeout: 5000 });
    // The renderer dies with the call, so it never answers.
    cdp.send('Page.crash').catch(() => {});
    await crashed;
  };
  let flight: InFlight;
  if (written) {
    flight = await putInFlight(suite.pages, leader);
    // Every send processed by the server, whose acks wait up to 100 ms: the crash comes first.
    await until(() => expect(tally(suite.server, flight, since).missing).toEqual([]), 2000);
    await crash();
  } else {
    // The work goes out as the leader goes: some written by it, some only by the next leader.
    [flight] = await Promise.all([putInFlight(suite.pages, leader), crash()]);
  }

  const took = await handedOver(suite.server, rest, since);
  await new Promise((resolve) => setTimeout(resolve, 300));
  pushing = false;
  await pushes;
  const last = pushed;
  await requestsSettled(rest, flight);
  const states = await until(async () => {
    const all = await readAll(rest);
    for (const state of all) expect(pushesSeen(state.received).at(-1)).toBe(last);
    return all;
  });
  // A while more: a repeat would arrive now.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const { missing, duplicated, viaNew } = tally(suite.server, flight, since);
  console.log(
    `[tabs] ${label}: one connection again after ${took} ms; ${flight.sends.length} sends ` +
      `(${viaNew} through the new leader), ${missing.length} missing, ${duplicated.length} ` +
      `duplicated; ${last} pushes, each page saw each once: ${states.every((st) => pushesSeen(st.received).length === last)}`,
  );
  expect(missing).toEqual([]);
  expect(duplicated).toEqual([]);
  const all = Array.from({ length: last }, (_, k) => k + 1);
  for (const state of states) expect(pushesSeen(state.received)).toEqual(all);
}

describe('handover with delivery on', () => {
  it('the leader crashes as the sends go out, pushes running: each send processed once, each push seen once in every page', async () => {
    await crashWhile(false, 'leader crashed as sends went out, delivery on');
  }, 30_000);

  it('the leader crashes after its sends reached the server, before the acks: none processed twice', async () => {
    await crashWhile(true, 'leader crashed before the acks, delivery on');
  }, 30_000);
});
