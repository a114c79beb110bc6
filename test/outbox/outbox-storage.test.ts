/**
 * Issue 22, test 6: the device cannot keep sends. Chromium's quota for the origin made small
 * (CDP `Storage.overrideQuotaForOrigin`), and a page without IndexedDB (`window.indexedDB`
 * deleted before the page's script runs). Each time: a `not_durable` fault says why, `durable()`
 * is false for what was not kept, and every send still goes: nothing is lost silently.
 */
import { describe, expect, it } from 'vitest';
import { why } from '../../src/protocol/why.js';
import { durables, outboxSuite, pageUrl, range, read, tally, until } from './outbox-suite.js';

const suite = outboxSuite();
/** About 26 of the 40 fit (the padding is random: the storage cannot compress it). */
const QUOTA = 200_000;
const COUNT = 40;
const BYTES = 4096;

describe('durable outbox: a device that cannot keep the sends', () => {
  it('quota exceeded: a not_durable fault, durable() false past the quota, every send still goes', async () => {
    const { server, context } = suite;
    const user = 'eve-quota';
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Storage.overrideQuotaForOrigin', {
      origin: server.url.replace(/\/$/, ''),
      quotaSize: QUOTA,
    });
    await page.goto(pageUrl(server, user));
    await until(async () => expect((await read(page)).socket).toBe('open'));
    // Held acks: every send stays kept until the quota is reached.
    server.holdAcks = true;
    await page.evaluate(([count, bytes]) => window.outboxProbe.send(1, count, bytes), [
      COUNT,
      BYTES,
    ] as const);
    const told = await durables(page, range(1, COUNT));
    await until(() => expect(tally(server.processed, range(1, COUNT), user).lost).toEqual([]));
    server.holdAcks = false;
    const state = await read(page);
    const t = tally(server.processed, range(1, COUNT), user);
    const kept = range(1, COUNT).filter((n) => told[n]);
    console.log(
      `[outbox] quota ${QUOTA} B, ${COUNT} sends of ${BYTES} B: durable ${kept.length} (${JSON.stringify(kept)}), not ${COUNT - kept.length}; faults ${JSON.stringify(state.faults)}; outbox ${state.outbox}; processed ${t.once} once, twice ${t.twice.length}, lost ${t.lost.length}`,
    );
    expect(t).toEqual({ order: range(1, COUNT), once: COUNT, twice: [], lost: [] });
    // Kept up to the quota, then not: a prefix of the sends, and not all of them.
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(COUNT);
    expect(kept).toEqual(range(1, kept.length));
    // Told: repeats merge into the first not_durable fault, whose cause names the first write the
    // quota refused: a send, or the session's state (the highest seen, saved at most once a
    // second, can be the first write past the quota: seen once in CI).
    const causes = state.faults.filter((f) => f.code === 'not_durable').map((f) => f.cause);
    expect(causes, JSON.stringify(state.faults)).toHaveLength(1);
    expect(causes[0], JSON.stringify(state.faults)).toMatch(
      /^the outbox could not keep (a send|the session) \(quota\)/,
    );
  });

  it('no IndexedDB: a not_durable fault, durable() false, every send still goes', async () => {
    const { server, context } = suite;
    const user = 'eve-noidb';
    const page = await context.newPage();
    await page.addInitScript(() => {
      Reflect.deleteProperty(window, 'indexedDB');
    });
    await page.goto(pageUrl(server, user));
    await page.evaluate(() => window.outboxProbe.send(1, 10));
    const told = await durables(page, range(1, 10));
    await until(() => expect(tally(server.processed, range(1, 10), user).lost).toEqual([]));
    const state = await until(async () => {
      const s = await read(page);
      expect(Object.keys(s.receipts)).toHaveLength(10);
      return s;
    });
    const t = tally(server.processed, range(1, 10), user);
    console.log(
      `[outbox] no IndexedDB: durable ${JSON.stringify(Object.values(told))}; outbox ${state.outbox}; faults ${JSON.stringify(state.faults)}; receipts ${JSON.stringify(Object.values(state.receipts))}; processed ${t.once} once`,
    );
    expect(await page.evaluate(() => 'indexedDB' in window)).toBe(false);
    expect(Object.values(told)).toEqual(Array(10).fill(false));
    expect(state.outbox).toBe('not_durable');
    expect(state.faults.filter((f) => f.code === 'not_durable').map((f) => f.cause)).toEqual([
      why('outbox_load', 'unavailable'),
    ]);
    expect(t).toEqual({ order: range(1, 10), once: 10, twice: [], lost: [] });
    expect(Object.values(state.receipts)).toEqual(Array(10).fill('acknowledged'));
  });
});
