/**
 * Tabs recover from a dead worker, in real Chromium (issue 21): the SharedWorker runs in the
 * renderer of the page that started it (page 0), so crashing that page (CDP `Page.crash`) kills
 * the worker and its socket, and the other pages get no event. While pages 1-4 send every 20 ms,
 * page 0 crashes: each of the four judges the worker dead by its silence (tab.ts: within
 * 1.25 x max(workerTimeoutMs 2000, 2 x pingMs 500) = 2500 ms of its last word), makes a new port
 * from its factory, and all four reach ONE new worker (same-name SharedWorkers are one): the
 * server sees two connections in all. Every send is told once: what arrived arrived once and in
 * order, what did not arrive was failed with a fault saying it may have arrived, and everything
 * sent after the page's loss arrived. Each page's store holds one connection fault, resolved.
 * Red with the plants (SOCKGUARD_WORKER_PLANT) `no-factory` (pages stay reconnecting),
 * `slow-check` (open again after ~18 s) and `own-worker` (four new connections).
 */
import type { Page } from 'playwright';
import { describe, expect, it } from 'vitest';
import { until } from './tabs-browser.js';
import {
  crashable,
  hubState,
  readAll,
  sendSeries,
  seqFrom,
  workerSuite,
} from './worker-support/worker-suite.js';

const PAGES = 5;
const SENDS = 300;
const EVERY_MS = 20;
/** The tab's death rule with its defaults: 1.25 x the limit of 2000 ms. */
const DEATH_BOUND_MS = 2500;
/** A new worker starts (its script fetched), opens its socket and welcomes each tab. */
const START_MS = 1000;
/** Timers of a browser sharing 2 busy cores with the test may fire this much late. */
const TIMER_SLACK_MS = 500;
const BOUND_MS = DEATH_BOUND_MS + START_MS + TIMER_SLACK_MS;

const suite = workerSuite(PAGES);

describe("the worker's host page crashes", () => {
  it('the other four pages are open again within the bound, on one new worker and connection; every send told once', async () => {
    const [host, ...others] = suite.pages as [Page, ...Page[]];
    const labels = ['1', '2', '3', '4'];
    const first = suite.server.connections[0];
    expect(suite.server.connections).toHaveLength(1);
    const victim = await crashable(suite, host);

    const sending = sendSeries(others, SENDS, EVERY_MS);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const crashedAt = Date.now();
    // The renderer dies: the call never answers.
    await victim.crash();

    // Each page left `open` and came back to it.
    const back = await until(async () => {
      const states = await readAll(others);
      return states.map((s) => {
        const log = s.statusLog.filter((e) => e.at >= crashedAt);
        const lost = log.findIndex((e) => e.status !== 'open');
        const again = log.findIndex((e, i) => i > lost && e.status === 'open');
        if (lost < 0 || again < 0) throw new Error(`page ${s.label}: ${JSON.stringify(log)}`);
        return { lostAt: log[lost]?.at as number, openAt: log[again]?.at as number };
      });
    }, 20_000);
    await sending;
    await until(() => expect(suite.server.openCount()).toBe(1));
    // Long enough after the last send for a duplicate or a late one to show.
    await new Promise((resolve) => setTimeout(resolve, 500));

    const states = await readAll(others);
    // One new worker, one new connection: two in all, the first closed by the crash.
    expect(suite.server.connections).toHaveLength(2);
    expect(first?.closedAt).not.toBeNull();
    expect(suite.server.openCount()).toBe(1);
    const hub = await until(() => hubState(others[0] as Page));
    const tabs = hub.ports.filter((p) => p.label !== null);
    expect(tabs.map((p) => p.label).sort()).toEqual(labels);
    for (const tab of tabs) expect(tab.in.hello).toBe(1);
    expect(hub.problems).toEqual([]);

    const took = back.map((b) => b.openAt - crashedAt);
    for (const ms of took) expect(ms).toBeLessThanOrEqual(BOUND_MS);

    for (const [i, state] of states.entries()) {
      const label = labels[i] as string;
      expect(state.status).toBe('open');
      expect(state.ports).toBe(2);
      const arrived = seqFrom(suite.server, label);
      // Queued, or rejected at once when the tab held maxQueue (100) sends for the dead worker
      // (50 a second for 2 s): told, with queue_overflow, and never sent.
      const rejected = state.sends.filter((s) => s.status !== 'queued');
      for (const s of rejected) expect(s.status).toBe('rejected');
      // (Each report call counts: the store merges repeats of a code within its dedupe window.)
      expect(state.reports.filter((f) => f.code === 'queue_overflow')).toHaveLength(
        rejected.length,
      );
      expect(rejected.filter((s) => arrived.includes(s.n))).toEqual([]);
      // Once each, in order.
      for (let k = 1; k < arrived.length; k += 1)
        expect(arrived[k]).toBeGreaterThan(arrived[k - 1] as number);
      // Every send settled; what did not arrive failed (it may have arrived, the fault says).
      const missing = state.sends
        .filter((s) => s.status === 'queued' && !arrived.includes(s.n))
        .map((s) => s.n);
      for (const n of missing) expect(state.settled[n]).toBe('failed');
      // What was sent after the loss went to the new worker, and arrived.
      const lostAt = back[i]?.lostAt as number;
      const after = state.sends
        .filter((s) => s.at > lostAt && s.status === 'queued')
        .map((s) => s.n);
      expect(after.length).toBeGreaterThan(0);
      expect(after.filter((n) => !arrived.includes(n))).toEqual([]);
      // One connection fault, the worker's silence, resolved.
      const connection = state.history.filter((f) => f.kind === 'connection');
      expect(connection).toEqual([
        expect.objectContaining({ code: 'connection_closed', count: 1 }),
      ]);
      expect(connection[0]?.cause).toMatch(/did not answer/);
      expect(state.active).not.toContain(connection[0]?.id);
      // The sends that failed: each a fault of its own, saying it may have arrived.
      const failed = Object.values(state.settled).filter((h) => h === 'failed').length;
      expect(state.reports.filter((f) => f.code === 'connection_closed')).toHaveLength(1 + failed);
      if (failed > 0)
        expect(state.history.some((f) => /may have arrived/.test(f.cause))).toBe(true);
    }

    console.log(
      `[worker] host page crashed: pages 1-4 open again ${JSON.stringify(took)} ms after Page.crash (bound ${BOUND_MS}), lost (not open) ${JSON.stringify(back.map((b) => b.lostAt - crashedAt))} ms after; connections ${suite.server.connections.length} (open ${suite.server.openCount()}); new worker knows ${JSON.stringify(tabs.map((p) => p.label))}; sends failed (may have arrived) per page ${JSON.stringify(states.map((s) => Object.values(s.settled).filter((h) => h === 'failed').length))}, rejected (maxQueue) ${JSON.stringify(states.map((s) => s.sends.filter((e) => e.status === 'rejected').length))}, arrived per page ${JSON.stringify(labels.map((l) => seqFrom(suite.server, l).length))} of ${SENDS}`,
    );
  }, 60_000);
});
