/**
 * A hung leader in real Chromium: the leader page's main thread runs a busy loop (no page event,
 * no channel message handled, its lock kept). The followers' probes go unanswered: within
 * `hungAfterMs` and a little one of them takes the lock (`steal`) and opens the connection, the
 * work handed meanwhile goes out, and when the old leader runs again it steps down (its socket
 * closes): one connection, one leader.
 */
import type { Page } from 'playwright';
import { describe, expect, it } from 'vitest';
import { leaderOf, read, readAll, tabsSuite, until } from './tabs-browser.js';

const TABS = 3;
const HUNG_MS = 1000;
const BLOCK_MS = 4000;

const suite = tabsSuite(TABS, { requestTimeoutMs: 8000, start: { hungAfterMs: HUNG_MS } });

describe('a hung leader', () => {
  it('a follower takes the connection within about hungAfterMs; the old leader steps down when it runs again', async () => {
    const leader = await leaderOf(suite.pages);
    const rest = suite.pages.filter((_, i) => i !== leader);
    const first = suite.server.connections.find((c) => c.closedAt === null);
    const since = Date.now();
    // The busy loop runs in the page; not awaited, as nothing answers until it ends.
    (suite.pages[leader] as Page)
      .evaluate((ms) => {
        const end = Date.now() + ms;
        while (Date.now() < end) {
          // busy: the main thread handles nothing else
        }
      }, BLOCK_MS)
      .catch(() => {});
    await rest[0]?.evaluate(() => window.tabProbe.send('chat', { hung: true }));

    const took = await until(async () => {
      expect(suite.server.connections.some((c) => c.openedAt >= since && c.closedAt === null)).toBe(
        true,
      );
      const roles = (await readAll(rest)).map((s) => s.role);
      expect(roles.filter((r) => r === 'leader')).toHaveLength(1);
      return Date.now() - since;
    }, BLOCK_MS);
    expect(took).toBeLessThan(BLOCK_MS);
    await until(() =>
      expect(suite.server.frames.some((f) => f.type === 'chat' && f.at >= since)).toBe(true),
    );

    // The old leader runs again: it learns the lock was taken and closes its socket.
    const back = await until(async () => {
      const state = await read(suite.pages[leader] as Page);
      expect(state.role).toBe('follower');
      return state;
    }, BLOCK_MS + 3000);
    expect(back.role).toBe('follower');
    await until(() => expect(first?.closedAt).not.toBeNull());
    await until(() => expect(suite.server.openCount()).toBe(1));
    console.log(
      `[tabs] hung leader (main thread blocked ${BLOCK_MS} ms, hungAfterMs ${HUNG_MS}): a follower led after ${took} ms`,
    );
    await until(async () => {
      expect((await readAll(suite.pages)).map((s) => s.status)).toEqual(Array(TABS).fill('open'));
    });
    await leaderOf(suite.pages);
  }, 30_000);
});
