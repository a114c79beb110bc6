/**
 * One connection for all tabs, in real Chromium: five pages of one origin share one WebSocket; a
 * server message reaches every page; each page's send arrives once; a request settles in the page
 * that made it; an expired token (error 4003, close 4003) puts one reauthenticate fault in every
 * page's store and stops for good.
 */
import type { Page } from 'playwright';
import { describe, expect, it } from 'vitest';
import { leaderOf, read, readAll, tabsSuite, until } from './tabs-browser.js';

const suite = tabsSuite(5);

describe('five tabs of one origin', () => {
  it('hold one connection to the server, led by one tab', async () => {
    expect(suite.server.openCount()).toBe(1);
    expect(suite.server.connections).toHaveLength(1);
    await leaderOf(suite.pages);
    const states = await readAll(suite.pages);
    expect(states.filter((s) => s.role === 'follower')).toHaveLength(4);
    // Every tab shows the server's own count, which the leader received and passed on.
    await until(async () => {
      expect((await readAll(suite.pages)).map((s) => s.connections)).toEqual(Array(5).fill(1));
    });
  });

  it('a message from the server reaches the handlers of all five, once each', async () => {
    suite.server.broadcast('news', { n: 1 });
    await until(async () => {
      const states = await readAll(suite.pages);
      expect(states.map((s) => s.received.filter((e) => e.type === 'news'))).toEqual(
        Array(5).fill([{ type: 'news', data: { n: 1 } }]),
      );
    });
  });

  it('a send from each tab arrives once', async () => {
    const results = await Promise.all(
      suite.pages.map((page, i) =>
        page.evaluate((from) => window.tabProbe.send('chat', { from }), i),
      ),
    );
    expect(results.every((status) => status === 'sent' || status === 'queued')).toBe(true);
    const chats = () =>
      suite.server.frames
        .filter((f) => f.type === 'chat')
        .map((f) => (f.data as { from: number }).from);
    await until(() => expect(chats()).toHaveLength(5));
    // A late duplicate would come within a few channel round trips.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(chats().sort()).toEqual([0, 1, 2, 3, 4]);
    expect(suite.server.connections).toHaveLength(1);
    expect(new Set(suite.server.frames.map((f) => f.connection))).toEqual(
      new Set([suite.server.connections[0]?.id]),
    );
  });

  it('a request from tab 3 settles in tab 3 only', async () => {
    const third = suite.pages[2] as Page;
    await third.evaluate(() => window.tabProbe.request('q', 'ask', { n: 3 }));
    await until(async () => expect((await read(third)).results.q).toBeDefined());
    expect((await read(third)).results.q).toMatchObject({ ok: true, data: { echo: { n: 3 } } });
    const states = await readAll(suite.pages);
    // No other tab got a result, nor the reply in its handlers (tab 3's handlers did, as on a
    // socket of its own).
    expect(states.map((s) => Object.keys(s.results))).toEqual([[], [], ['q'], [], []]);
    expect(states.map((s) => s.received.filter((e) => e.type === 'answer').length)).toEqual([
      0, 0, 1, 0, 0,
    ]);
    expect(suite.server.frames.filter((f) => f.type === 'ask')).toHaveLength(1);
  });

  it("a request from tab 3 that times out puts the timeout in tab 3's store only", async () => {
    const third = suite.pages[2] as Page;
    await third.evaluate(() => window.tabProbe.request('slow', 'ask', { delayMs: 2000 }, 300));
    await until(async () => expect((await read(third)).results.slow).toBeDefined());
    expect((await read(third)).results.slow).toMatchObject({ ok: false, code: 'request_timeout' });
    // The leader's own timeout of it comes too, and must not reach any store.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const states = await readAll(suite.pages);
    expect(states.map((s) => s.faults.filter((f) => f.code === 'request_timeout').length)).toEqual([
      0, 0, 1, 0, 0,
    ]);
  });

  it("an expired token (error 4003, close 4003) puts one reauthenticate fault in every tab's store, and nothing retries", async () => {
    suite.server.expireAuth();
    await until(async () => {
      const states = await readAll(suite.pages);
      expect(states.map((s) => s.status)).toEqual(Array(5).fill('failed'));
    });
    // Longer than any retry delay of the page (50-200 ms): a retry would have happened by now.
    await new Promise((resolve) => setTimeout(resolve, 400));
    for (const state of await readAll(suite.pages)) {
      const auth = state.faults.filter((f) => f.action === 'reauthenticate');
      expect(auth).toEqual([{ code: 4003, action: 'reauthenticate', severity: 'fatal' }]);
      expect(state.status).toBe('failed');
    }
    expect(suite.server.connections).toHaveLength(1);
  });
});
