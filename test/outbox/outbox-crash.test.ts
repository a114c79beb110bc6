/**
 * Issue 22, test 4: the page crashes (CDP `Page.crash`) in the middle of a burst of sends. The
 * server processes and acknowledges the first 40 as they come, then the link freezes (nothing
 * more gets through either way): at the crash some sends were processed and acknowledged, some
 * processed but their ack lost, some never arrived. Nothing is processed twice, and nothing is lost that
 * `durable()` had said was kept: a new page of the same user sends those the server had not
 * processed.
 *
 * The page tells each `durable()` result to Node as it resolves (Playwright `exposeFunction`),
 * so the test knows them after the crash; one told just before the crash may not arrive, which
 * only leaves it out of the "kept" set the test checks.
 */
import { describe, expect, it } from 'vitest';
import { outboxSuite, pageUrl, range, read, tally, until } from './outbox-suite.js';

const suite = outboxSuite();
const BURST = 400;

describe('durable outbox: a crash during a burst', () => {
  it('a crash during a burst of sends: nothing processed twice, nothing lost that durable() said was kept', async () => {
    const { server, context } = suite;
    const user = 'dan-crash';
    const told = new Map<number, boolean>();
    const page = await context.newPage();
    await page.exposeFunction('reportDurable', (n: number, ok: boolean) => void told.set(n, ok));
    await page.goto(pageUrl(server, user));
    await until(async () => expect((await read(page)).socket).toBe('open'));
    server.freezeAfter(40);
    await page.evaluate((count) => window.outboxProbe.burst(1, count, 2), BURST);
    // The crash lands once a few dozen sends are kept and some are acknowledged.
    await until(() => {
      if (told.size < 60) throw new Error(`${told.size} kept`);
    });
    const cdp = await context.newCDPSession(page);
    const crashed = new Promise<void>((resolve) => page.once('crash', () => resolve()));
    void cdp.send('Page.crash').catch(() => {});
    await crashed;
    const crashedAt = Date.now();
    const kept = [...told].filter(([, ok]) => ok).map(([n]) => n);
    const notKept = [...told].filter(([, ok]) => !ok).map(([n]) => n);
    const before = tally(server.processed, range(1, BURST), user);
    const processedBefore = before.order.length;

    server.freezeAfter(null);
    const again = await context.newPage();
    await again.goto(pageUrl(server, user));
    await until(() => expect(tally(server.processed, kept, user).lost).toEqual([]), 10_000);
    const state = await until(async () => {
      const s = await read(again);
      if (s.outbox !== 'durable') throw new Error(`outbox ${s.outbox}`);
      if (s.kept.some((k) => k.status === 'pending')) throw new Error('kept sends pending');
      return s;
    });
    const after = tally(server.processed, range(1, BURST), user);
    const highest = Math.max(...after.order.map((n) => n ?? 0));
    console.log(
      `[outbox] crash during a burst of ${BURST} (one per 2 ms): durable() told for ${told.size} (${kept.length} true, ${notKept.length} false) before the crash; processed ${processedBefore} before the reopen; the new page had ${state.kept.length} kept (${JSON.stringify(countBy(state.kept.map((k) => k.status)))}) and sent them in ${Date.now() - crashedAt} ms after the crash; processed ${after.order.length} (highest n ${highest}), twice ${after.twice.length}, lost of the durable ones ${tally(server.processed, kept, user).lost.length}`,
    );
    expect(kept.length).toBeGreaterThanOrEqual(60);
    expect(notKept).toEqual([]);
    expect(after.twice).toEqual([]);
    expect(tally(server.processed, kept, user).lost).toEqual([]);
    // In order, one after the other: whatever arrived is a prefix of the burst.
    expect(after.order).toEqual(range(1, after.order.length));
    // What the crash interrupted was really kept and sent again by the new page.
    expect(processedBefore).toBe(40);
    expect(after.order.length).toBeGreaterThan(40);
    expect(state.kept.length).toBeGreaterThan(0);
    expect(state.faults.filter((f) => f.code === 'not_durable')).toEqual([]);
  });
});

const countBy = (values: readonly string[]): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
};
