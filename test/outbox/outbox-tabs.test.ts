/**
 * Issue 22, test 3: two tabs open at once on an outbox a closed page kept. One takes the Web Lock
 * of the key and user and sends the kept ones; the other waits `loadTimeoutMs` for it (the
 * default 3 s: with 1 s a loaded machine could let the holder's own read time out too), then goes
 * on not durable and says so (a `not_durable` fault, cause `outbox_held`). Every kept send is
 * processed once, and each tab's own sends once.
 *
 * `SOCKGUARD_OUTBOX_PLANT=nolock` (no lock): both tabs read the kept 20 and send them, each in a
 * new session of its own, and the server processes each twice.
 */
import { describe, expect, it } from 'vitest';
import { why } from '../../src/protocol/why.js';
import { durables, outboxSuite, pageUrl, range, read, tally, until } from './outbox-suite.js';

const suite = outboxSuite();

describe('durable outbox: two tabs at once', () => {
  it('two tabs opened at once on a kept outbox: one sends the kept 20, the other is not durable and says so; each processed once', async () => {
    const { server, context } = suite;
    const user = 'cat-tabs';
    server.offline = true;
    const first = await context.newPage();
    await first.goto(pageUrl(server, user));
    await first.evaluate(() => window.outboxProbe.send(1, 20));
    expect(Object.values(await durables(first, range(1, 20)))).toEqual(Array(20).fill(true));
    await first.close();
    server.offline = false;

    const [b, c] = await Promise.all([context.newPage(), context.newPage()]);
    if (!b || !c) throw new Error('no pages');
    await Promise.all([b.goto(pageUrl(server, user)), c.goto(pageUrl(server, user))]);
    const settled = async () => {
      const states = await Promise.all([read(b), read(c)]);
      for (const s of states) if (s.outbox === 'loading') throw new Error('still loading');
      return states;
    };
    await until(settled, 10_000);
    await b.evaluate(() => window.outboxProbe.send(101, 3));
    await c.evaluate(() => window.outboxProbe.send(201, 3));
    const all = [...range(1, 20), ...range(101, 3), ...range(201, 3)];
    await until(() => expect(tally(server.processed, all, user).lost).toEqual([]), 10_000);
    // A late duplicate would come within the acks' round trips: wait until every receipt settled.
    const states = await until(async () => {
      const s = await settled();
      // durable() too: under load the write can settle after the ack.
      for (const state of s)
        if (Object.keys(state.receipts).length < 3 || Object.keys(state.durable).length < 3)
          throw new Error('receipts or durable() pending');
      return s;
    });
    const t = tally(server.processed, all, user);
    const holder = states.find((s) => s.outbox === 'durable');
    const other = states.find((s) => s.outbox === 'not_durable');
    const held = other?.faults.find((f) => f.code === 'not_durable');
    console.log(
      `[outbox] two tabs: outboxes ${states.map((s) => `${s.outbox} (kept ${s.kept.length})`).join(', ')}; the other told ${held ? held.at - (other?.origin ?? 0) : '-'} ms after its navigation began (${held?.cause}); processed ${t.once} of ${all.length} once, twice ${t.twice.length}, lost ${t.lost.length}`,
    );
    expect(t.twice).toEqual([]);
    expect(t).toMatchObject({ once: all.length, lost: [] });
    expect(holder?.kept.map((k) => [k.n, k.status])).toEqual(
      range(1, 20).map((n) => [n, 'acknowledged']),
    );
    expect(other?.kept).toEqual([]);
    expect(held?.cause).toBe(why('outbox_held'));
    // The other tab's sends still went, not durable.
    expect(Object.values(other?.durable ?? {})).toEqual([false, false, false]);
    expect(Object.values(other?.receipts ?? {})).toEqual(Array(3).fill('acknowledged'));
    expect(Object.values(holder?.durable ?? {})).toEqual([true, true, true]);
  });
});
