/**
 * Issue 22, test 2: a page sends 20 on a link that freezes before the acks (the server processes
 * the first 12, never acknowledges anything, then nothing more gets through either way), the page
 * is closed, and a new page of the same user opens later: each of the 20 is processed once.
 *
 * "10 s later" is scaled to 3 s, with the server's session times scaled alike: the history of a
 * closed session is kept 1 s (`sessionTtlMs`), its numbering and binding 60 s
 * (`sessionRetainMs`), so the new page finds the session's numbering but not its history, as a
 * page opened after the TTL would. The session is resumed from IndexedDB: the page that kept it
 * is closed (its JavaScript realm is gone), and the new page's hello names it.
 */
import { describe, expect, it } from 'vitest';
import { durables, outboxSuite, pageUrl, range, read, tally, until } from './outbox-suite.js';

const LATER_MS = 3000;
const suite = outboxSuite({ sessionTtlMs: 1000, sessionRetainMs: 60_000 });

describe('durable outbox: a page closed on a frozen link, opened again later', () => {
  it('send 20 on a link frozen before the acks, close the page, open it 3 s later: the 20 once each', async () => {
    const { server, context } = suite;
    const user = 'bob-closed';
    const page = await context.newPage();
    await page.goto(pageUrl(server, user));
    await until(async () => expect((await read(page)).socket).toBe('open'));
    server.holdAcks = true;
    server.freezeAfter(12);
    await page.evaluate(() => window.outboxProbe.send(1, 20));
    expect(Object.values(await durables(page, range(1, 20)))).toEqual(Array(20).fill(true));
    await until(() => expect(tally(server.processed, range(1, 12), user).once).toBe(12));
    const frozen = await read(page);
    // Not one receipt settled: the page never heard an ack.
    expect(frozen.receipts).toEqual({});
    const before = tally(server.processed, range(1, 20), user);
    await page.close();
    const closedAt = Date.now();
    server.holdAcks = false;
    server.freezeAfter(null);
    await new Promise((resolve) => setTimeout(resolve, LATER_MS));

    const again = await context.newPage();
    await again.goto(pageUrl(server, user));
    const reopened = Date.now();
    await until(() => expect(tally(server.processed, range(1, 20), user).lost).toEqual([]), 10_000);
    const state = await until(async () => {
      const s = await read(again);
      expect(s.kept.map((k) => k.status)).toEqual(Array(20).fill('acknowledged'));
      return s;
    });
    const after = tally(server.processed, range(1, 20), user);
    const [, second] = server.handshakes.filter((h) => h.principal === user);
    console.log(
      `[outbox] closed on a frozen link: before the close processed ${before.once} (acks held), reopened ${reopened - closedAt} ms after the close; then processed ${after.once} once, twice ${after.twice.length}, lost ${after.lost.length} in ${Date.now() - reopened} ms; resume ${JSON.stringify(second)}`,
    );
    expect(before.lost).toEqual(range(13, 8));
    expect(after).toEqual({ order: range(1, 20), once: 20, twice: [], lost: [] });
    // The new page asked for the closed page's session, and got its numbering back.
    const [first] = server.handshakes.filter((h) => h.principal === user);
    expect(second?.asked).toBe(first?.welcome?.session);
    expect(second?.welcome).toMatchObject({ session: first?.welcome?.session, acked: 12 });
    expect(state.kept.map((k) => k.n)).toEqual(range(1, 20));
  });
});
