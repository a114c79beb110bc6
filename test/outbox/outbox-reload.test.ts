/**
 * Issue 22, test 1: a page offline sends 20, is reloaded, and comes online: the server processes
 * the 20 once each, in order, then the sends the reloaded page made before the outbox had read
 * what was kept (numbered above the kept ones). Real Chromium, real IndexedDB.
 */
import { describe, expect, it } from 'vitest';
import { durables, outboxSuite, pageUrl, range, read, tally, until } from './outbox-suite.js';

const suite = outboxSuite();

describe('durable outbox: a reload while offline', () => {
  it("offline, send 20, reload, online: the server processes the 20 once each, in order, then the new page's own", async () => {
    const { server, context } = suite;
    const user = 'ann-reload';
    server.offline = true;
    const page = await context.newPage();
    await page.goto(pageUrl(server, user));
    const started = Date.now();
    await page.evaluate(() => window.outboxProbe.send(1, 20));
    const first = await durables(page, range(1, 20));
    expect(Object.values(first)).toEqual(Array(20).fill(true));
    const keptMs = Date.now() - started;
    expect(server.processed.filter((p) => p.principal === user)).toEqual([]);

    // The reloaded page sends 5 at once, before its outbox has read the 20 kept ones.
    await page.goto(pageUrl(server, user, { send: 5, from: 21 }));
    const restored = await until(async () => {
      const state = await read(page);
      if (state.outbox !== 'durable') throw new Error(`outbox ${state.outbox}`);
      return state;
    });
    expect(restored.kept.map((k) => [k.n, k.status])).toEqual(
      range(1, 20).map((n) => [n, 'pending']),
    );
    // The 5 sent while the outbox was still reading are kept too, once it has read.
    expect(await durables(page, range(21, 5))).toEqual(
      Object.fromEntries(range(21, 5).map((n) => [n, true])),
    );
    server.offline = false;
    const online = Date.now();
    await until(() => expect(tally(server.processed, range(1, 25), user).lost).toEqual([]), 10_000);
    const arrivedMs = Date.now() - online;
    const after = await until(async () => {
      const state = await read(page);
      expect(state.kept.map((k) => k.status)).toEqual(Array(20).fill('acknowledged'));
      expect(Object.values(state.receipts)).toEqual(Array(5).fill('acknowledged'));
      return state;
    });
    const t = tally(server.processed, range(1, 25), user);
    console.log(
      `[outbox] reload: kept 20 durable in ${keptMs} ms; online -> 25 processed in ${arrivedMs} ms; once ${t.once}, twice ${t.twice.length}, lost ${t.lost.length}; seqs ${JSON.stringify(server.processed.filter((p) => p.principal === user).map((p) => p.seq))}`,
    );
    expect(t).toEqual({ order: range(1, 25), once: 25, twice: [], lost: [] });
    // The refused connections were told (1006); nothing said the sends were not kept.
    expect(after.faults.filter((f) => f.code === 'not_durable')).toEqual([]);
    // The 20 went under their seqs, the new page's 5 above them.
    expect(server.processed.filter((p) => p.principal === user).map((p) => p.seq)).toEqual(
      range(1, 25),
    );
  });
});
