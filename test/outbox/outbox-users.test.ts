/**
 * Issue 22, test 5: one tab, two users. What the device kept for user A is never sent as user B:
 * the server sees B's principal on B's connection and none of A's texts under it. After A signs
 * out (`deliveryOf(socket).endSession()`), what was kept for A is gone: A signing in again sends
 * none of it. Without a sign-out (the tab just loads B's page), A's kept sends wait for A and go
 * under A's principal, once.
 */
import { describe, expect, it } from 'vitest';
import type { OutboxServer } from './outbox-server.js';
import {
  blankUrl,
  durables,
  outboxSuite,
  pageUrl,
  range,
  read,
  tally,
  until,
} from './outbox-suite.js';

const suite = outboxSuite();

/** The texts the server processed under `principal`. */
const textsOf = (server: OutboxServer, principal: string) =>
  server.processed.filter((p) => p.principal === principal).map((p) => p.text);

describe('durable outbox: one tab, two users', () => {
  it("A signs out (endSession), B signs in in the same tab: none of A's kept sends goes as B, and none goes at all", async () => {
    const { server, context } = suite;
    const [a, b] = ['amy-out', 'ben-out'];
    const page = await context.newPage();
    await page.goto(blankUrl(server));
    await page.evaluate((user) => window.outboxProbe.open(user), a);
    // The server welcomed A (status 'open' comes before the welcome).
    await until(() =>
      expect(server.handshakes.find((h) => h.principal === a)?.welcome).toBeDefined(),
    );
    // A's session is kept on the device; then the link freezes: A's 5 are kept, not processed.
    server.freezeAfter(0);
    await page.evaluate(() => window.outboxProbe.send(1, 5));
    expect(Object.values(await durables(page, range(1, 5)))).toEqual(Array(5).fill(true));
    await page.evaluate(() => window.outboxProbe.logout());

    server.freezeAfter(null);
    await page.evaluate((user) => window.outboxProbe.open(user), b);
    await page.evaluate(() => window.outboxProbe.send(101, 3));
    await until(() => expect(tally(server.processed, range(101, 3), b).lost).toEqual([]));
    const asB = await read(page);
    // A signs in again in the same tab and sends one: it goes, and nothing A kept goes with it.
    await page.evaluate((user) => window.outboxProbe.open(user), a);
    await page.evaluate(() => window.outboxProbe.send(201, 1));
    await until(() => expect(tally(server.processed, [201], a).lost).toEqual([]));
    const asA = await until(async () => {
      const s = await read(page);
      expect(s.receipts[201]).toBe('acknowledged');
      return s;
    });
    console.log(
      `[outbox] sign-out then another user: under ${b} ${JSON.stringify(textsOf(server, b))}; under ${a} ${JSON.stringify(textsOf(server, a))}; ${b}'s outbox kept ${asB.kept.length}, ${a}'s after signing in again kept ${asA.kept.length}`,
    );
    expect(textsOf(server, b)).toEqual([`${b}:101`, `${b}:102`, `${b}:103`]);
    expect(textsOf(server, a)).toEqual([`${a}:201`]);
    expect(asB.kept).toEqual([]);
    expect(asA.kept).toEqual([]);
    expect(server.handshakes.filter((h) => h.principal === b).map((h) => h.asked)).toEqual([null]);
    // A signed in again starts a new session: the one A ended is not resumed from the device.
    const [ended, next] = server.handshakes.filter((h) => h.principal === a);
    expect(ended?.welcome?.session).toBeDefined();
    expect(next?.asked).toBeNull();
  });

  it("without a sign-out, B's page in the same tab never sends A's kept sends; A's next page sends them under A, once", async () => {
    const { server, context } = suite;
    const [a, b] = ['amy-stay', 'ben-stay'];
    server.offline = true;
    const page = await context.newPage();
    await page.goto(pageUrl(server, a));
    await page.evaluate(() => window.outboxProbe.send(1, 5));
    expect(Object.values(await durables(page, range(1, 5)))).toEqual(Array(5).fill(true));

    server.offline = false;
    await page.goto(pageUrl(server, b));
    await page.evaluate(() => window.outboxProbe.send(101, 3));
    await until(() => expect(tally(server.processed, range(101, 3), b).lost).toEqual([]));
    const asB = await until(async () => {
      const s = await read(page);
      expect(Object.keys(s.receipts)).toHaveLength(3);
      return s;
    });
    await page.goto(pageUrl(server, a));
    await until(() => expect(tally(server.processed, range(1, 5), a).lost).toEqual([]));
    const asA = await until(async () => {
      const s = await read(page);
      expect(s.kept.map((k) => k.status)).toEqual(Array(5).fill('acknowledged'));
      return s;
    });
    console.log(
      `[outbox] another user's page, no sign-out: under ${b} ${JSON.stringify(textsOf(server, b))}; under ${a} ${JSON.stringify(textsOf(server, a))}`,
    );
    expect(textsOf(server, b)).toEqual([`${b}:101`, `${b}:102`, `${b}:103`]);
    expect(asB.kept).toEqual([]);
    expect(tally(server.processed, range(1, 5), a)).toEqual({
      order: range(1, 5),
      once: 5,
      twice: [],
      lost: [],
    });
    expect(asA.kept.map((k) => k.text)).toEqual(range(1, 5).map((n) => `${a}:${n}`));
  });
});
