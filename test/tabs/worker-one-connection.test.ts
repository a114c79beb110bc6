/**
 * The socket in a real SharedWorker, in real Chromium (issue 21): five pages of one context
 * connect with `connectTab` to one worker running `createHub` (test/tabs/worker-support). The
 * server sees one WebSocket; a server message reaches every page once; numbered sends from
 * every page arrive once each, in each page's order; a request's reply and its timeout stay in
 * the page that asked; an expired token puts one reauthenticate fault in every page's own store.
 */
import type { Page } from 'playwright';
import { describe, expect, it } from 'vitest';
import { until } from './tabs-browser.js';
import {
  hubState,
  read,
  readAll,
  sendSeries,
  seqFrom,
  upTo,
  workerSuite,
} from './worker-support/worker-suite.js';

const PAGES = 5;
const SENDS = 20;
const EVERY_MS = 20;
/** Long enough after the last expected arrival for a duplicate to show (many port round trips). */
const SETTLE_MS = 300;

const suite = workerSuite(PAGES);
const labels = upTo(PAGES).map(String);
const settle = () => new Promise((resolve) => setTimeout(resolve, SETTLE_MS));

describe('five pages on one SharedWorker', () => {
  it('hold one connection; a broadcast reaches each page once; numbered sends arrive once each, in order', async () => {
    expect(suite.server.openCount()).toBe(1);
    expect(suite.server.connections).toHaveLength(1);
    // Every page's socket is the worker's: each said hello once on its own port.
    const hub = await hubState(suite.pages[0] as Page);
    const tabs = hub.ports.filter((p) => p.label !== null);
    expect(tabs.map((p) => [p.label, p.in.hello])).toEqual(labels.map((l) => [l, 1]));

    suite.server.broadcast('news', { n: 1 });
    const news = async () =>
      (await readAll(suite.pages)).map((s) => s.received.filter((e) => e.type === 'news').length);
    await until(async () => expect(Math.min(...(await news()))).toBeGreaterThan(0));
    await settle();
    expect(await news()).toEqual(Array(PAGES).fill(1));

    const started = Date.now();
    const statuses = await sendSeries(suite.pages, SENDS, EVERY_MS);
    for (const s of statuses) expect(s).toEqual(Array(SENDS).fill('queued'));
    const arrived = () => suite.server.frames.filter((f) => f.type === 'seq').length;
    await until(() => expect(arrived()).toBeGreaterThanOrEqual(PAGES * SENDS));
    const took = Date.now() - started;
    await settle();
    expect(arrived()).toBe(PAGES * SENDS);
    for (const label of labels) expect(seqFrom(suite.server, label)).toEqual(upTo(SENDS));
    // All of it on the one connection, and no other was ever opened.
    expect(suite.server.connections).toHaveLength(1);
    const only = suite.server.connections[0]?.id;
    expect(new Set(suite.server.frames.map((f) => f.connection))).toEqual(new Set([only]));
    expect((await hubState(suite.pages[0] as Page)).problems).toEqual([]);
    console.log(
      `[worker] 5 pages: ${suite.server.connections.length} connection, news seen ${JSON.stringify(await news())}, ${arrived()} of ${PAGES * SENDS} numbered sends in ${took} ms, each page in order`,
    );
  });

  it('a request from page 3 settles in page 3 only; its timeout reaches page 3 only', async () => {
    const third = suite.pages[2] as Page;
    await third.evaluate(() => window.workerProbe.request('q', 'ask', { n: 3 }));
    await until(async () => expect((await read(third)).outcomes.q).toBeDefined());
    expect((await read(third)).outcomes.q).toEqual({ ok: true, data: { echo: { n: 3 } } });
    await settle();
    let states = await readAll(suite.pages);
    expect(states.map((s) => Object.keys(s.outcomes))).toEqual([[], [], ['q'], [], []]);
    // The reply reaches the asking page's handlers (as on a socket of its own), no other page's.
    expect(states.map((s) => s.received.filter((e) => e.type === 'answer').length)).toEqual([
      0, 0, 1, 0, 0,
    ]);
    expect(suite.server.frames.filter((f) => f.type === 'ask')).toHaveLength(1);

    // The server answers after 2 s; the request gives up at 300 ms (the hub's timer; the tab's
    // own is 300 + 2000 ms).
    await third.evaluate(() => window.workerProbe.request('slow', 'ask', { delayMs: 2000 }, 300));
    await until(async () => expect((await read(third)).outcomes.slow).toBeDefined());
    expect((await read(third)).outcomes.slow).toEqual({ ok: false, code: 'request_timeout' });
    await settle();
    states = await readAll(suite.pages);
    const timeouts = (list: readonly { code: string | number }[]) =>
      list.filter((f) => f.code === 'request_timeout').length;
    expect(states.map((s) => timeouts(s.reports))).toEqual([0, 0, 1, 0, 0]);
    expect(states.map((s) => timeouts(s.history))).toEqual([0, 0, 1, 0, 0]);
    expect(states.map((s) => Object.keys(s.outcomes).sort())).toEqual([
      [],
      [],
      ['q', 'slow'],
      [],
      [],
    ]);
    console.log(
      `[worker] request from page 3: outcomes per page ${JSON.stringify(states.map((s) => Object.keys(s.outcomes)))}, request_timeout reports per page ${JSON.stringify(states.map((s) => timeouts(s.reports)))}`,
    );
  });

  it("an expired token (error 4003, close 4003) puts one reauthenticate fault in each page's own store", async () => {
    suite.server.expireAuth();
    await until(async () => {
      expect((await readAll(suite.pages)).map((s) => s.status)).toEqual(
        Array(PAGES).fill('failed'),
      );
    });
    // Longer than any retry delay of the socket (50-200 ms): a retry would have happened by now.
    await settle();
    const states = await readAll(suite.pages);
    for (const state of states) {
      const entries = state.history.filter((f) => f.action === 'reauthenticate');
      expect(entries).toEqual([
        expect.objectContaining({
          code: 4003,
          action: 'reauthenticate',
          severity: 'fatal',
          count: 1,
        }),
      ]);
      // Told once: the envelope's fault and its completion by the close share one id, and the
      // page's store is told no more than the worker's socket reported (those two calls).
      const told = state.reports.filter((f) => f.action === 'reauthenticate');
      expect(new Set(told.map((f) => f.id)).size).toBe(1);
      expect(told.length).toBeLessThanOrEqual(2);
      expect(state.status).toBe('failed');
    }
    expect(suite.server.connections).toHaveLength(1);
    console.log(
      `[worker] 4003: reauthenticate entries per page ${JSON.stringify(states.map((s) => s.history.filter((f) => f.action === 'reauthenticate').length))}, report calls per page ${JSON.stringify(states.map((s) => s.reports.filter((f) => f.action === 'reauthenticate').length))}, connections ${suite.server.connections.length}`,
    );
  });
});
