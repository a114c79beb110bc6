/**
 * A page into the back/forward cache and back, in real Chromium with a real SharedWorker
 * (issue 21; Playwright's default `--disable-back-forward-cache` is dropped for this file). Of
 * five pages on one worker, page 2 and then page 0 (whose `new SharedWorker` started the worker)
 * navigate to another page of the origin and back (history), while every page sends every 20 ms
 * and has requests in flight. What Chromium does with a page holding a SharedWorker port is
 * recorded: Chromium 156 keeps it in the cache (`pagehide` and `pageshow` persisted, no CDP
 * `Page.backForwardCacheNotUsed`), and the worker lives on while its creator is cached; but it
 * evicts the cached page when its SharedWorker posts to it (CDP reason `SharedWorkerMessage`,
 * circumstantial: seen in 1 of ~12 runs of the soak, a reply to a send made just before the page
 * left), and the page then loads anew. Both are accepted, and told apart: restored, the page
 * left the hub on `pagehide` (bye) and joined again on `pageshow` on the same port (a second
 * hello; no new port); evicted, the reason is that one, and the new document joins the same
 * worker. Either way the page is `open` on the same connection; the
 * other pages stay open and never stall; one connection throughout. Every page's sends arrived
 * once and in order, none lost; the sends a page handed over before it was cached (settled
 * `left`) arrived too; its requests in flight then were failed with a fault (told), never twice.
 * Red with the plant (SOCKGUARD_WORKER_PLANT) `resend-on-restore` (the page sends its last
 * three sends again when restored).
 *
 * The second test is the case the soak found: the worker dies (its creator crashes) and page 2,
 * not yet aware (a tab judges the worker dead after 2 s of silence), goes into the cache with
 * sends it handed to the dead worker. FAILS on src/worker/tab.ts as of this commit: `leave()`
 * (line 438) settles a cached page's pending sends `left`, as for a page that closes, with no
 * fault, though the page comes back and its app was never told: 22 of 63 sends lost. Passes with
 * that line failing them when the page is not closing (`closing ? 'left' : 'failed'`, cause
 * `worker_lost_work`): every send arrived or was told.
 */
import type { Page } from 'playwright';
import { describe, expect, it } from 'vitest';
import { until } from './tabs-browser.js';
import type { PageState } from './worker-support/probe.js';
import { never, none, type Tally, tally } from './worker-support/tally.js';
import { cacheAfterUnnoticedDeath, notUsedOf } from './worker-support/unnoticed-death.js';
import { hubState, read, readAll, startPage, workerSuite } from './worker-support/worker-suite.js';

const PAGES = 5;
/** Page 2, then the worker's creator. */
const CACHED = [2, 0];
const AWAY_MS = 1000;
const EVERY_MS = 20;
const ASK_EVERY_MS = 100;
const ANSWER_AFTER_MS = 300;
const REQUEST_TIMEOUT_MS = 5000;
/** A send of a page that stays is written within this of being made (see worker-hang.test.ts). */
const WRITTEN_WITHIN_MS = 2000;

const suite = workerSuite(PAGES, { pingMs: 1000, tabTimeoutMs: 10_000, bfcache: true });

describe('a page into the back/forward cache and back', () => {
  it('(page 2, then the worker’s creator) rejoins on the same port and connection, open; the others never stall; nothing lost or twice', async () => {
    const first = suite.server.connections[0];
    expect(suite.server.connections).toHaveLength(1);
    await Promise.all(
      suite.pages.map((page) =>
        page.evaluate(
          ([every, askEvery, after, timeout]) => {
            window.workerProbe.stream(every);
            window.workerProbe.ask(askEvery, after, timeout);
          },
          [EVERY_MS, ASK_EVERY_MS, ANSWER_AFTER_MS, REQUEST_TIMEOUT_MS] as const,
        ),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));

    const rounds: Array<{
      index: number;
      reasons: unknown[];
      away: number;
      back: number;
      /** Evicted (not restored): the record of the document that left, up to its going. */
      evicted?: PageState;
    }> = [];
    for (const index of CACHED) {
      const page = suite.pages[index] as Page;
      const reasons = await notUsedOf(await suite.context.newCDPSession(page));
      const url = page.url();
      const before = await read(page);
      await page.goto(`${suite.origin.url}other`);
      const away = Date.now();
      await new Promise((resolve) => setTimeout(resolve, AWAY_MS));
      // A page restored from the cache fires no `load`: wait for the history step only.
      await page.goBack({ waitUntil: 'commit' });
      expect(page.url()).toBe(url);
      // A restored document keeps its navigation entry (`navigate`); one loaded anew (evicted
      // from the cache) has `back_forward`, and no socket until started: it starts as page
      // `<index>r`, on the same worker.
      const type = await until(() =>
        page.evaluate(() => {
          if (window.workerProbe === undefined) throw new Error('loading');
          return (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming)
            .type;
        }),
      );
      if (type === 'back_forward') {
        await startPage(page, suite.server, `${index}r`);
        await page.evaluate(
          ([every, askEvery, after, timeout]) => {
            window.workerProbe.stream(every);
            window.workerProbe.ask(askEvery, after, timeout);
          },
          [EVERY_MS, ASK_EVERY_MS, ANSWER_AFTER_MS, REQUEST_TIMEOUT_MS] as const,
        );
      }
      await until(async () => expect((await read(page)).status).toBe('open'));
      rounds.push({
        index,
        reasons,
        away,
        back: Date.now(),
        ...(type === 'back_forward' && { evicted: before }),
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    await Promise.all(suite.pages.map((page) => page.evaluate(() => window.workerProbe.stop())));
    await until(async () => {
      for (const s of await readAll(suite.pages)) {
        expect(Object.keys(s.outcomes)).toHaveLength(s.asked);
        expect(Object.keys(s.settled).length).toBe(
          s.sends.filter((e) => e.status === 'queued').length,
        );
      }
    }, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const states = await readAll(suite.pages);
    const hub = await hubState(suite.pages[1] as Page);
    const tallies: Tally[] = states.map((s) => tally(s, suite.server));
    // An evicted document's record ends as it left: only twice and out of order count there.
    const gone = rounds.flatMap((r) => (r.evicted ? [tally(r.evicted, suite.server, false)] : []));
    for (const t of gone) expect([t.twice, t.outOfOrder]).toEqual([0, 0]);

    const seen: string[] = [];
    for (const { index, reasons, evicted } of rounds) {
      const state = states[index];
      if (state === undefined) throw new Error('no state');
      const record = (label: string) => hub.ports.find((p) => p.label === label);
      if (evicted === undefined) {
        // Restored from the cache: the same document, hidden and shown persisted.
        expect(reasons).toEqual([]);
        const persisted = state.lifecycle.filter((e) => e.persisted).map((e) => e.type);
        expect(persisted).toEqual(['pagehide', 'pageshow']);
        seen.push(`page ${index}: restored (${persisted.join('+')} persisted)`);
        // Left the hub, and joined again on the same port: the worker is the one it had.
        expect(record(String(index))?.in.bye).toBe(1);
        expect(record(String(index))?.in.hello).toBe(2);
        expect(record(String(index))?.droppedAt).toBeNull();
      } else {
        // Evicted: Chromium drops a cached page its SharedWorker posts to (a reply to what it
        // sent before it left, say). The page that left said bye; the new one joined the worker.
        const why = reasons.flatMap((r) =>
          (
            (r as { notRestoredExplanations?: Array<{ reason: string }> })
              .notRestoredExplanations ?? []
          ).map((e) => e.reason),
        );
        expect(why).toEqual(['SharedWorkerMessage']);
        seen.push(`page ${index}: evicted (${why.join(', ')}), loaded again`);
        expect(record(String(index))?.in.bye).toBe(1);
        expect(record(`${index}r`)?.in.hello).toBe(1);
      }
      expect(state.ports).toBe(1);
      expect(state.status).toBe('open');
      // Leaving for the cache is no fault of the connection's: none reported.
      expect(state.history.filter((f) => f.kind === 'connection')).toEqual([]);
    }

    // The others never stalled while a page was away, and stayed open.
    const lags: number[] = [];
    for (const [i, s] of states.entries()) {
      for (const { index, away, back } of rounds) {
        if (i === index) continue;
        const during = s.sends.filter((e) => e.at > away && e.at < back);
        if (during.length === 0) continue;
        const lag = Math.max(...during.map((e) => (s.settledAt[e.n] as number) - e.at));
        lags.push(lag);
        expect(lag).toBeLessThanOrEqual(WRITTEN_WITHIN_MS);
      }
      if (!CACHED.includes(i))
        expect(
          s.statusLog
            .map((e) => e.status)
            .filter((x) => x !== 'open' && x !== 'idle' && x !== 'connecting'),
        ).toEqual([]);
    }
    expect(lags.length).toBeGreaterThan(0);

    // Nothing lost, nothing twice; what a cached page handed over arrived or was failed (told).
    expect(tallies.map(never)).toEqual(states.map(({ label }) => none(label)));
    // A send fails only in a cached page (pending as it left, if the tab fails those: told).
    for (const [i, t] of tallies.entries())
      if (!CACHED.includes(i)) expect(t.failed + t.failedArrived).toBe(0);
    const left = states.map((s) => Object.values(s.settled).filter((h) => h === 'left').length);
    // Requests fail only in a page that was cached (in flight as it left: told, connection_closed).
    for (const [i, t] of tallies.entries())
      if (!CACHED.includes(i)) expect(t.replied).toBe(t.requests);
    for (const [i, s] of states.entries())
      for (const outcome of Object.values(s.outcomes))
        if (!outcome.ok) {
          expect(CACHED).toContain(i);
          expect(outcome.code).toBe('connection_closed');
        }
    expect(suite.server.connections).toEqual([first]);
    expect(first?.closedAt).toBeNull();
    expect(hub.problems).toEqual([]);

    console.log(
      `[worker] bfcache: ${seen.join('; ')}; CDP notUsed ${JSON.stringify(rounds.map((r) => r.reasons.length))}; away ${JSON.stringify(rounds.map((r) => r.back - r.away))} ms; the others' sends written within ${Math.max(...lags)} ms; sends settled 'left' per page ${JSON.stringify(left)} (all arrived); per page arrived ${JSON.stringify(tallies.map((t) => `${t.arrived}/${t.accepted}`))}, rejected ${JSON.stringify(tallies.map((t) => t.rejected))}, requests replied ${JSON.stringify(tallies.map((t) => `${t.replied}/${t.requests}`))}; connections ${suite.server.connections.length}`,
    );
  }, 40_000);

  it('after its worker died unnoticed, a page into the cache and back is told of every send it had handed over: none lost', async () => {
    // Page 0 started the worker: its crash kills the worker, and page 2 is not told (it judges
    // the worker dead only after 2 s of silence). Within that time, page 2 goes into the cache
    // with the sends it handed to the dead worker unwritten, and comes back.
    const { state, t, reasons, silent } = await cacheAfterUnnoticedDeath(suite, 'settled');
    expect(reasons).toEqual([]);
    expect(state.lifecycle.filter((e) => e.persisted).map((e) => e.type)).toEqual([
      'pagehide',
      'pageshow',
    ]);
    console.log(
      `[worker] bfcache after an unnoticed worker death: page 2 accepted ${t.accepted}, arrived ${t.arrived}, failed (told) ${t.failed}, lost ${t.lost} (settled ${JSON.stringify([...new Set(silent.map((e) => state.settled[e.n]))])}, never arrived, never told)`,
    );
    expect(never(t)).toEqual(none('2'));
  }, 40_000);
});
