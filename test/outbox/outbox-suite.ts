/**
 * The life of an outbox test file: the origin (outbox-server.ts) and one Chromium for the file;
 * for each test a new browser context (its own IndexedDB and Web Locks, as a new browser profile),
 * closed after it. Helpers read the page's probe and tally what the server processed.
 *
 * `SOCKGUARD_OUTBOX_PLANT=nolock` loads the pages with the outbox's Web Lock left out (a planted
 * bug: `locks: null`); the other plants of the report are edits of src/ applied by hand.
 */
import type { Browser, BrowserContext, Page } from 'playwright';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { launch, until } from '../tabs/tabs-browser.js';
import type { OutboxState } from './outbox-page.js';
import {
  type OutboxServer,
  type OutboxServerOptions,
  type Processed,
  startOutboxServer,
} from './outbox-server.js';

export { until };

const PLANTS = ['nolock'] as const;
/** The plant asked for in the environment, checked. */
export const plant = ((): string => {
  const name = process.env.SOCKGUARD_OUTBOX_PLANT ?? '';
  if (name !== '' && !(PLANTS as readonly string[]).includes(name))
    throw new Error(`SOCKGUARD_OUTBOX_PLANT: no plant ${name} (${PLANTS.join(', ')})`);
  return name;
})();

/** What {@link outboxSuite} gives each test: read its fields inside the test. */
export interface OutboxSuite {
  readonly server: OutboxServer;
  readonly browser: Browser;
  readonly context: BrowserContext;
}

/** Starts the origin and Chromium for the file, a new context per test. */
export function outboxSuite(options: OutboxServerOptions = {}): OutboxSuite {
  let server: OutboxServer | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  beforeAll(async () => {
    [server, browser] = await Promise.all([startOutboxServer(options), launch()]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  beforeEach(async () => {
    context = await browser?.newContext();
  });
  afterEach(async () => {
    await context?.close();
  });
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} not started`);
    return value;
  };
  return {
    get server() {
      return need(server, 'server');
    },
    get browser() {
      return need(browser, 'browser');
    },
    get context() {
      return need(context, 'context');
    },
  };
}

/** The page's address for `user`, with the file's plant and the query's extras. */
export const pageUrl = (
  server: OutboxServer,
  user: string,
  extra: Record<string, string | number> = {},
): string => {
  const query = new URLSearchParams({ user, plant });
  for (const [name, value] of Object.entries(extra)) query.set(name, String(value));
  return `${server.url}?${query}`;
};

/** A blank page of the origin (no socket yet): a tab the test signs users in and out of. */
export const blankUrl = (server: OutboxServer): string => `${server.url}?plant=${plant}`;

/** What the page's probe saw so far. */
export const read = (page: Page): Promise<OutboxState> =>
  page.evaluate(() => window.outboxProbe.read());

/** Waits until every `n` in `ns` has a `durable()` result, and returns them. */
export const durables = (page: Page, ns: readonly number[]) =>
  until(async () => {
    const state = await read(page);
    const missing = ns.filter((n) => state.durable[n] === undefined);
    if (missing.length > 0) throw new Error(`durable() not resolved for ${missing.join(',')}`);
    return state.durable;
  });

/** The server's processed chats, tallied: each `n` with how many times, in order of arrival. */
export function tally(processed: readonly Processed[], ns: readonly number[], principal: string) {
  const chats = processed.filter((p) => p.type === 'chat' && p.principal === principal);
  const times = new Map<number, number>();
  for (const p of chats) if (p.n !== undefined) times.set(p.n, (times.get(p.n) ?? 0) + 1);
  return {
    /** The `n` of each processed chat, in the order processed. */
    order: chats.map((p) => p.n),
    once: ns.filter((n) => times.get(n) === 1).length,
    twice: ns.filter((n) => (times.get(n) ?? 0) > 1),
    lost: ns.filter((n) => !times.has(n)),
  };
}

/** 1..count. */
export const range = (from: number, count: number): number[] =>
  Array.from({ length: count }, (_, i) => from + i);
