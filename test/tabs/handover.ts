/**
 * What the handover tests do and check: sends and requests put in flight from the followers, and
 * the measures after the leader went (time to one open connection again, every send arrived and
 * how often, every request settled, no page stuck).
 */
import type { Page } from 'playwright';
import { expect } from 'vitest';
import type { TabServer } from './tab-server.js';
import { leaderOf, readAll, until } from './tabs-browser.js';

/** Sends per follower in flight when the leader goes. */
const SENDS = 3;
/** The server holds each request this long, so it is unanswered when the leader goes. */
const REPLY_DELAY_MS = 300;

/** The work put in flight: which sends to expect, which request labels on which pages. */
export interface InFlight {
  readonly run: string;
  readonly sends: ReadonlyArray<{ readonly from: number; readonly n: number }>;
}

let runs = 0;

/** From every page but `leader`: SENDS sends and one slow request (label `req-<run>`). */
export async function putInFlight(pages: readonly Page[], leader: number): Promise<InFlight> {
  const run = `run${++runs}`;
  const sends: Array<{ from: number; n: number }> = [];
  await Promise.all(
    pages.map((page, from) => {
      if (from === leader) return Promise.resolve();
      for (let n = 0; n < SENDS; n += 1) sends.push({ from, n });
      return page.evaluate(
        ([run, from, count, delayMs]) => {
          for (let n = 0; n < count; n += 1) window.tabProbe.send('chat', { run, from, n });
          window.tabProbe.request(`req-${run}`, 'ask', { run, from, delayMs });
        },
        [run, from, SENDS, REPLY_DELAY_MS] as const,
      );
    }),
  );
  return { run, sends };
}

/**
 * Waits until the server holds one connection opened after `since` and every page's snapshot
 * turned `open` after it; returns how long after `since` the last page saw it open.
 */
export async function handedOver(
  server: TabServer,
  pages: readonly Page[],
  since: number,
  timeoutMs = 5000,
): Promise<number> {
  return until(async () => {
    expect(server.openCount()).toBe(1);
    expect(server.connections.some((c) => c.openedAt >= since && c.closedAt === null)).toBe(true);
    const states = await readAll(pages);
    const opened = states.map(
      (s) => s.statuses.find((entry) => entry.status === 'open' && entry.at >= since)?.at,
    );
    expect(opened.every((at) => at !== undefined)).toBe(true);
    expect(states.map((s) => s.status)).toEqual(Array(pages.length).fill('open'));
    await leaderOf(pages);
    return Math.max(...(opened as number[])) - since;
  }, timeoutMs);
}

/**
 * What arrived of the sends: which are missing, which came more than once, and how many came on a
 * connection opened after `since` (through the new leader).
 */
export function tally(server: TabServer, flight: InFlight, since: number) {
  const arrived = new Map<string, number>();
  const fresh = new Set(server.connections.filter((c) => c.openedAt >= since).map((c) => c.id));
  let viaNew = 0;
  for (const frame of server.frames) {
    const data = frame.data as { run?: unknown; from?: unknown; n?: unknown } | null;
    if (frame.type !== 'chat' || data?.run !== flight.run) continue;
    if (fresh.has(frame.connection)) viaNew += 1;
    const key = `${String(data.from)}:${String(data.n)}`;
    arrived.set(key, (arrived.get(key) ?? 0) + 1);
  }
  const keys = flight.sends.map(({ from, n }) => `${from}:${n}`);
  return {
    missing: keys.filter((key) => !arrived.has(key)),
    duplicated: keys.filter((key) => (arrived.get(key) ?? 0) > 1),
    viaNew,
  };
}

/** Every follower's request of the run settled, and with its reply. */
export async function requestsSettled(pages: readonly Page[], flight: InFlight): Promise<void> {
  await until(async () => {
    const results = (await readAll(pages)).map((s) => s.results[`req-${flight.run}`]);
    expect(results.every((r) => r !== undefined)).toBe(true);
    expect(results.map((r) => r?.ok)).toEqual(Array(pages.length).fill(true));
  });
}

/** The median of `values` (the mean of the middle two for an even count). */
export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};
